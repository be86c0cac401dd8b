"""What became of a claimed batch, collected as the sends come back and recorded at once.

One transaction per batch: the provider ids' locks (a status callback may be waiting
for them), one UPDATE of every row's outcome, the sending-window holds, the reports that
came early, and for a message that failed for good its audit entry and what it means
for the person (``bot.usecases.delivery``). A row whose claim ran out meanwhile is not
overwritten: another worker has it now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.usecases.delivery.failures import after_permanent_failure
from bot.usecases.delivery.reports import apply_early_reports
from notifications.transport import Sent
from storage import audit, delivery
from storage.db import SessionFactory, transaction
from storage.outbox import FAILED, QUEUED, SENT
from storage.outbox_outcomes import finish, hold_to_window
from storage.tables import OutboxMessage, Person

log = logging.getLogger(__name__)


@dataclass
class Outcomes:
    outcomes: dict[int, dict[str, object]] = field(default_factory=dict)
    sent: list[tuple[OutboxMessage, Sent]] = field(default_factory=list)
    failed: list[tuple[OutboxMessage, str, bool]] = field(default_factory=list)  # opted out
    released: int = 0
    windows: dict[int, tuple[datetime, int]] = field(default_factory=dict)  # opening, claimed

    def succeeded(self, row: OutboxMessage, sent: Sent, at: datetime) -> None:
        values: dict[str, object] = {
            "state": SENT,
            "provider_message_id": sent.provider_id[:64],
            "sent_at": at,
            "sealed_code": None,
            "last_error": None,
        }
        if sent.new_address is not None:
            values["address"] = sent.new_address
        self.outcomes[_id(row)] = values
        self.sent.append((row, sent))

    def retry(self, row: OutboxMessage, at: datetime, reason: str) -> None:
        self.outcomes[_id(row)] = {
            "state": QUEUED,
            "next_attempt_at": at,
            "last_error": reason[:300],
        }

    def fail(self, row: OutboxMessage, reason: str, *, opted_out: bool = False) -> None:
        self.outcomes[_id(row)] = {"state": FAILED, "last_error": reason[:300], "sealed_code": None}
        self.failed.append((row, reason, opted_out))

    def release(self, row: OutboxMessage, at: datetime) -> None:
        """Back to the queue until ``at`` (a send slot, the window): this claim was no attempt."""
        self.outcomes[_id(row)] = {
            "state": QUEUED,
            "next_attempt_at": at,
            "attempts": row.attempts - 1,
        }
        self.released += 1

    def hold_window(self, row: OutboxMessage, project_id: int, opening: datetime) -> None:
        self.release(row, opening)
        self.windows[project_id] = (opening, self.windows.get(project_id, (opening, 0))[1] + 1)

    async def record(self, sessions: SessionFactory, worker: str, now: datetime) -> None:
        async with transaction(sessions) as session:
            # A callback that beat us here waits as an EarlyStatus; the locks order us.
            await delivery.lock_provider_ids(session, [sent.provider_id for _, sent in self.sent])
            recorded = await finish(session, worker, self.outcomes)
            for project_id, (opening, claimed) in self.windows.items():
                held = claimed + await hold_to_window(session, project_id, opening)
                log.info(
                    "outbox: %d message(s) of project %s wait for its sending window (%s)",
                    held,
                    project_id,
                    opening.isoformat(),
                )
            for row, sent in self.sent:
                if row.id not in recorded:
                    log.warning("outbox %s: sent, but the claim had expired", row.id)
                if sent.new_address is not None:
                    await _follow_migration(session, row, int(sent.new_address))
            await apply_early_reports(
                session, {sent.provider_id: row.channel for row, sent in self.sent}, now=now
            )
            failed = [each for each in self.failed if each[0].id in recorded]
            for row, reason, opted_out in failed:
                await _failed_for_good(session, row, reason, opted_out, now)
        for row, _ in self.sent:
            log.info("outbox %s: sent over %s (%s)", row.id, row.channel, row.purpose)
        for row, reason, _ in failed:
            log.warning("outbox %s: failed for good over %s: %s", row.id, row.channel, reason)


async def _failed_for_good(
    session: AsyncSession, row: OutboxMessage, reason: str, opted_out: bool, now: datetime
) -> None:
    audit.record(
        session,
        at=now,
        actor="system",
        action="outbox.failed",
        project_id=row.project_id,
        outbox_id=row.id,
        channel=row.channel,
        reason=reason,
    )
    await after_permanent_failure(
        session, row, reason, opted_out=opted_out, reporter=row.channel, now=now
    )


async def _follow_migration(session: AsyncSession, row: OutboxMessage, new_chat: int) -> None:
    if row.person_id is not None:
        person = await session.get(Person, row.person_id)
        if person is not None:
            person.telegram_chat_id = new_chat
            session.add(person)


def _id(row: OutboxMessage) -> int:
    assert row.id is not None
    return row.id

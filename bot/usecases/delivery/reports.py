"""A provider's delivery report (a Twilio status callback): the outbox row moves forward,
and a participant's message that ends undelivered or failed is told to the coordinators
in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import coordinator_notices
from bot.core.states import OutboxState
from storage import audit, delivery, notices
from storage.db import SessionFactory, transaction
from storage.tables import Person

_FAILED = (OutboxState.UNDELIVERED, OutboxState.FAILED)
# Messages whose failure nobody needs to hear about: a notice to a coordinator, or the
# answer to a reply (the person will write again).
_UNTOLD = ("coordinator", "reply")


async def record_report(
    sessions: SessionFactory,
    *,
    provider_id: str,
    state: OutboxState,
    error: str | None,
    reporter: str,
    now: datetime,
) -> bool:
    """Apply one report; False when it would move the message backwards or came before
    the send was recorded (then it is kept and applied with the send)."""
    async with transaction(sessions) as session:
        await delivery.lock_provider_ids(session, [provider_id])
        if not await delivery.is_known(session, provider_id):
            await delivery.keep_early(session, provider_id, state, error, now)
            return False
        return await _apply(session, provider_id, state, error, reporter, now)


async def apply_early_reports(
    session: AsyncSession, reporters: Mapping[str, str], *, now: datetime
) -> None:
    """Where the worker records a batch of sends (inside ``delivery.lock_provider_ids``):
    ``reporters`` maps each provider id to the channel it went over."""
    channels = {provider_id[:64]: channel for provider_id, channel in reporters.items()}
    for provider_id, reports in (await delivery.take_early(session, channels)).items():
        for state, error in reports:
            await _apply(session, provider_id, state, error, channels[provider_id], now)


async def _apply(
    session: AsyncSession,
    provider_id: str,
    state: OutboxState,
    error: str | None,
    reporter: str,
    now: datetime,
) -> bool:
    row = await delivery.advance(session, provider_id, state, error)
    if row is None:
        return False
    if state not in _FAILED:
        return True
    audit.record(
        session,
        at=now,
        actor=reporter,
        action=f"outbox.{state}",
        project_id=row.project_id,
        provider_id=provider_id[:64],
        error_code=error,
    )
    if row.person_id is None or row.purpose in _UNTOLD:
        return True
    person = await session.get(Person, row.person_id)
    if person is not None:
        reason = f"{row.channel.upper()} {state}" + (f" ({error})" if error else "")
        await notices.tell_coordinators(
            session,
            person.project_id,
            coordinator_notices.delivery_failed(
                person_ref=person.ref, person_name=person.name, reason=reason
            ),
            now=now,
        )
    return True

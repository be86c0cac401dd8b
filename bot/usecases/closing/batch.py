"""One batch of a month close: documents, summaries, codes, messages and evidence-log
entries for up to a thousand people, in the caller's transaction.

What a batch writes is all bulk (one statement per table), so a close's cost grows
with batches, not people; ``month_close`` runs the batches, leases and resumes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.evidence_chain import Event, EventKind
from bot.core.i18n import Message
from bot.core.months import Month
from bot.core.reminders import next_reminder, policy_of
from bot.core.routing import unreachable_reason
from bot.core.states import SummaryState
from bot.core.summary import build_summary
from bot.usecases.closing.codes import NewSummary, code_values
from bot.usecases.context import Core
from storage import close_batches, evidence_log
from storage.outbox import Outgoing, enqueue_many
from storage.tables import Person, Project


@dataclass
class CloseReport:
    month: Month
    sent: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    unreachable: list[tuple[str, Message]] = field(default_factory=list)  # (ref, why)
    total_minutes: int = 0


class BatchPlan:
    """What every person of one close shares: the project, the month, the moment, the
    first reminder; and the work on one batch of people."""

    def __init__(
        self, core: Core, project: Project, month: Month, now: datetime, *, windowed: bool
    ) -> None:
        self.core, self.project, self.month, self.now = core, project, month, now
        self.windowed = windowed
        self.first_reminder = next_reminder(
            now,
            zone=project.time_zone,
            country=project.country,
            policy=policy_of(project),
            sent_at=now,
            reminders_sent=0,
        )

    async def close_batch(
        self, session: AsyncSession, people: Sequence[Person], report: CloseReport
    ) -> None:
        project, month, now = self.project, self.month, self.now
        assert project.id is not None
        ids = [p.id for p in people if p.id is not None]
        worked = await close_batches.days_of(session, ids, month.first_day, month.last_day)
        current = await close_batches.open_of(session, ids, str(month))
        versions = await close_batches.versions_of(session, ids, str(month))
        retired: list[int] = []
        fresh: list[tuple[Person, dict[str, Any], tuple[tuple[str, int], ...]]] = []
        for person in people:
            assert person.id is not None
            days = worked.get(person.id)
            previous = current.get(person.id)
            if not days:
                # Months with no hours are not sent; hours deleted since the last close
                # withdraw the old summary so nobody signs what is no longer true.
                if previous is not None:
                    retired.append(previous[0])
                    report.withdrawn.append(person.ref)
                continue
            document = build_summary(
                project_code=project.code,
                project_name=project.name,
                person_ref=person.ref,
                person_name=person.name,
                person_kind=person.kind,
                month=month,
                days=days,
            )
            report.total_minutes += document.total_minutes
            if previous is not None and previous[1] == document.sha256:
                report.unchanged.append(person.ref)
                continue
            if previous is not None:
                retired.append(previous[0])
            if previous is not None or versions.get(person.id):
                # A new version of a month sent before (superseded now or at a correction).
                report.superseded.append(person.ref)
            fresh.append(
                (
                    person,
                    {
                        "project_id": project.id,
                        "person_id": person.id,
                        "month": str(month),
                        "version": versions.get(person.id, 0) + 1,
                        "document": document.text,
                        "sha256": document.sha256,
                        "total_minutes": document.total_minutes,
                        "state": SummaryState.SENT,
                        "created_at": now,
                        "state_changed_at": now,
                        "reminders_sent": 0,
                        "next_reminder_at": self.first_reminder,
                    },
                    document.lines,
                )
            )
        await close_batches.supersede_many(session, retired, now)
        summary_ids = await close_batches.insert_summaries(session, [row for _, row, _ in fresh])
        codes: list[dict[str, Any]] = []
        messages: list[Outgoing] = []
        for (person, row, lines), summary_id in zip(fresh, summary_ids, strict=True):
            summary = NewSummary(
                summary_id, row["sha256"], row["month"], row["document"], row["total_minutes"]
            )
            code, outgoing = code_values(
                self.core, project, person, summary, now, windowed=self.windowed, lines=lines
            )
            codes.append(code)
            if outgoing is None:
                report.unreachable.append((person.ref, unreachable_reason(person)))
            else:
                messages.append(outgoing)
                report.sent.append(person.ref)
        await close_batches.insert_codes(session, codes)
        await enqueue_many(session, messages, now=now)
        superseded = [Event(EventKind.SUPERSEDED, now, summary_id=sid) for sid in retired]
        issued = [
            Event(
                EventKind.CODE_ISSUED,
                now,
                summary_id=summary_id,
                detail={
                    "person": person.ref,
                    "month": row["month"],
                    "version": row["version"],
                    "sha256": row["sha256"],
                },
            )
            for (person, row, _), summary_id in zip(fresh, summary_ids, strict=True)
        ]
        if superseded or issued:
            await evidence_log.append(session, project.id, superseded + issued)

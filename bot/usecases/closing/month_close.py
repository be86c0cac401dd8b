"""Month close: turn recorded hours into summaries, codes and queued messages, atomically.

Closing is idempotent per content: a person whose hours did not change since the last
close keeps their summary and code and gets nothing new. A changed month supersedes
the old summary (signed or not), kills its code and sends the new version, so the
history shows both versions and what each one said.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import InputError
from bot.core.evidence_chain import Event, EventKind
from bot.core.i18n import Message
from bot.core.months import Month, current_month
from bot.core.reminders import next_reminder, policy_of
from bot.core.routing import unreachable_reason
from bot.core.states import SummaryState
from bot.core.summary import build_summary
from bot.usecases.closing.codes import NewSummary, code_values
from bot.usecases.closing.resend import take_resend
from bot.usecases.context import Core
from storage import audit, close_batches, close_runs, evidence_log, queries
from storage.claims import claim_row
from storage.db import transaction
from storage.outbox import Outgoing, enqueue_many
from storage.tables import Person, Project, ScheduledRun


@dataclass
class CloseReport:
    month: Month
    sent: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    unreachable: list[tuple[str, Message]] = field(default_factory=list)  # (ref, why)
    total_minutes: int = 0


# Who closes: a coordinator, the schedule, or the worker re-sending a corrected month.
CloseBy = Literal["coordinator", "schedule", "resend", "resume"]


async def close_month(
    core: Core,
    project_code: str,
    month: Month,
    *,
    actor: str,
    progress: Progress | None = None,
) -> CloseReport:
    """A coordinator's close; ``progress`` hears (done, total) after each batch."""
    report = await _close(
        core, project_code, month, actor=actor, by="coordinator", progress=progress
    )
    assert report is not None
    return report


async def close_scheduled(
    core: Core, project_code: str, month: Month, *, actor: str
) -> CloseReport | None:
    """The worker's close, claimed by a unique ScheduledRun row in the same transaction;
    None (and nothing changed) when another worker has claimed it."""
    return await _close(core, project_code, month, actor=actor, by="schedule")


async def resend_month(core: Core, project_code: str, month: Month) -> CloseReport | None:
    """A corrected month sent again, claimed by deleting its Resend row; None when
    another worker (or a coordinator's /close) took it first."""
    return await _close(core, project_code, month, actor="system:resend", by="resend")


BATCH = 1000  # people per transaction: memory for one batch, progress after each
LEASE = timedelta(minutes=2)  # a close that stops renewing this is taken over

Progress = Callable[[int, int], Awaitable[None]]  # (people done, people in all)


async def _close(
    core: Core,
    project_code: str,
    month: Month,
    *,
    actor: str,
    by: CloseBy,
    progress: Progress | None = None,
) -> CloseReport | None:
    """The close in batches of people, each its own transaction, under a lease.

    Resumable by construction: a person whose summary already holds this content is
    "unchanged", so a close run again after a crash sends exactly those it had not
    reached. The lease keeps two closes of a month from interleaving; the worker
    finishes one whose lease ran out (``resume_interrupted_closes``)."""
    now = core.clock()
    core.key  # noqa: B018 - a shell without the secret is refused before anything is written
    holder = f"close:{secrets.token_hex(8)}"
    report = CloseReport(month=month)
    async with transaction(core.sessions) as session:
        project = await queries.project_by_code(session, project_code)
        if project is None or project.id is None:
            raise InputError(Message("There is no project %(code)s.", code=project_code[:32]))
        refuse_running_month(project, month, now)
        if by == "schedule" and not await _claim_close(session, project.id, month, now):
            return None
        # Any close sends what a pending re-send would: the row goes either way.
        if not await take_resend(session, project.id, month) and by == "resend":
            return None
        if not await close_runs.take(
            session,
            project.id,
            str(month),
            holder=holder,
            actor=actor[:64],
            now=now,
            until=now + LEASE,
        ):
            if by == "coordinator":
                raise InputError(
                    Message(
                        "A close of %(month)s is already running; its answer will come.",
                        month=str(month),
                    )
                )
            return None
    try:
        await _close_all(
            core, project, month, now, holder, report, actor=actor, by=by, progress=progress
        )
    except Exception:
        # A failure we see (not a kill): let go at once, so a close run again need not
        # wait for the lease; what was committed stays, and that close resumes it.
        async with transaction(core.sessions) as session:
            await close_runs.release(session, project.id, str(month), holder=holder)
        raise
    return report


async def _close_all(
    core: Core,
    project: Project,
    month: Month,
    now: datetime,
    holder: str,
    report: CloseReport,
    *,
    actor: str,
    by: CloseBy,
    progress: Progress | None,
) -> None:
    """Every batch, then the audit record and the lease let go, in the last transaction."""
    assert project.id is not None
    async with core.sessions() as session:
        total = await close_batches.active_count(session, project.id)
    plan = _Plan(core, project, month, now, windowed=by != "coordinator")
    after, done, batches = 0, 0, 0
    while True:
        async with transaction(core.sessions) as session:
            people = await close_batches.people_after(session, project.id, after, BATCH)
            if not people:
                break
            await plan.close_batch(session, people, report)
            await close_runs.renew(
                session, project.id, str(month), holder=holder, until=core.clock() + LEASE
            )
        after = people[-1].id or after
        done += len(people)
        batches += 1
        if batches & (batches - 1) == 0:  # after batch 1, 2, 4, 8 ...
            await close_batches.refresh_statistics(core.sessions)
        if progress is not None:
            await progress(done, total)
    async with transaction(core.sessions) as session:
        audit.record(
            session,
            at=now,
            actor=actor,
            action="month.close",
            project_id=project.id,
            month=str(month),
            sent=len(report.sent),
            unchanged=len(report.unchanged),
            superseded=len(report.superseded),
            withdrawn=len(report.withdrawn),
            unreachable=len(report.unreachable),
        )
        await close_runs.release(session, project.id, str(month), holder=holder)


class _Plan:
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


async def resume_interrupted_closes(core: Core) -> list[CloseReport]:
    """Finish every close whose holder stopped renewing its lease (a killed process):
    the people it had reached are unchanged, the rest are sent now."""
    async with core.sessions() as session:
        lapsed = await close_runs.lapsed(session, core.clock())
        codes = {
            p.id: p.code
            for p in (await session.exec(select(Project))).all()
            if p.id in {project_id for project_id, _, _ in lapsed}
        }
    reports = []
    for project_id, month, actor in lapsed:
        report = await _close(core, codes[project_id], Month.parse(month), actor=actor, by="resume")
        if report is not None:
            reports.append(report)
    return reports


async def _claim_close(session: AsyncSession, project_id: int, month: Month, now: datetime) -> bool:
    claimed = await claim_row(
        session,
        ScheduledRun,
        ("project_id", "kind", "month"),
        project_id=project_id,
        kind="close",
        month=str(month),
        ran_at=now,
    )
    return claimed is not None


def refuse_running_month(project: Project, month: Month, now: datetime) -> None:
    """A month is closed once it has ended in the project's zone: closing it earlier would
    send people a partial month to sign."""
    if month < current_month(now, project.time_zone):
        return
    opens = month.next().starts_at(project.time_zone).astimezone(ZoneInfo(project.time_zone))
    raise InputError(
        Message(
            "%(month)s has not ended yet in %(zone)s; it can be closed from %(opens)s.",
            month=str(month),
            zone=project.time_zone,
            opens=opens.strftime("%Y-%m-%d %H:%M"),
        )
    )


async def preview_close(core: Core, project_code: str, month: Month) -> tuple[int, int]:
    """How many active people have hours in ``month``, and how many minutes in all."""
    async with core.sessions() as session:
        project = await queries.project_by_code(session, project_code)
        if project is None or project.id is None:
            raise InputError(Message("There is no project %(code)s.", code=project_code[:32]))
        refuse_running_month(project, month, core.clock())
        active = {p.id for p in await queries.active_people(session, project.id)}
        rows = await queries.entries_between(session, project.id, month.first_day, month.last_day)
    counted = [entry for entry, _ in rows if entry.person_id in active]
    return len({e.person_id for e in counted}), sum(e.minutes for e in counted)

"""Month close: turn recorded hours into summaries, codes and queued messages, atomically.

Closing is idempotent per content: a person whose hours did not change since the last
close keeps their summary and code and gets nothing new. A changed month supersedes
the old summary (signed or not), kills its code and sends the new version, so the
history shows both versions and what each one said.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import InputError
from bot.core.i18n import Message
from bot.core.months import Month, current_month
from bot.usecases.closing.batch import BatchPlan, CloseReport
from bot.usecases.closing.resend import take_resend
from bot.usecases.context import Core
from storage import audit, close_batches, close_runs, queries
from storage.claims import claim_row
from storage.db import transaction
from storage.tables import Project, ScheduledRun

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
    plan = BatchPlan(core, project, month, now, windowed=by != "coordinator")
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

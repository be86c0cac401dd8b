"""Reminders to people who have not signed, and new codes on request.

A reminder is claimed by a conditional UPDATE of its summary's counter (the row must
still show the count this worker read), in the same transaction that queues the
message, so two workers never send the same reminder and a crash sends none or one.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import coordinator_notices
from bot.core import participant_texts as texts
from bot.core.months import Month
from bot.core.reminders import next_reminder, policy_of, within_window
from bot.core.routing import route_for
from bot.core.states import CodeState, SummaryState
from bot.core.summary import summary_lines
from bot.usecases.closing.codes import issue_code
from bot.usecases.context import Core
from storage import audit, notices, queries
from storage.claims import claim_row
from storage.db import transaction
from storage.outbox import Outgoing, enqueue
from storage.tables import MonthlySummary, Person, Project, ScheduledRun, SigningCode

log = logging.getLogger(__name__)

BATCH = 500


async def send_due_reminders(core: Core) -> int:
    """Send every reminder due now; returns how many were claimed by this call."""
    now = core.clock()
    async with core.sessions() as session:
        due = (
            await session.exec(
                select(MonthlySummary.id)
                .where(
                    MonthlySummary.state == SummaryState.SENT,
                    col(MonthlySummary.next_reminder_at) <= now,
                )
                .order_by(col(MonthlySummary.next_reminder_at))
                .limit(BATCH)
            )
        ).all()
    sent = 0
    for summary_id in due:
        assert summary_id is not None
        if await remind_one(core, summary_id, now, actor="system", scheduled=True):
            sent += 1
    return sent


async def remind_one(
    core: Core, summary_id: int, now: datetime, *, actor: str, scheduled: bool
) -> bool:
    """Claim and queue one reminder; False if another worker had it or it is no longer due."""
    last = False
    async with transaction(core.sessions) as session:
        summary = await session.get(MonthlySummary, summary_id)
        if summary is None or summary.state != SummaryState.SENT:
            return False
        project = await session.get(Project, summary.project_id)
        person = await session.get(Person, summary.person_id)
        assert project is not None and person is not None
        if scheduled and not within_window(project, now):
            return False  # still due: it goes when the project's sending window opens
        seen = summary.reminders_sent
        following = next_reminder(
            now,
            zone=project.time_zone,
            country=project.country,
            policy=policy_of(project),
            sent_at=summary.created_at,
            reminders_sent=seen + 1,
            last_reminder_at=now,
        )
        claim = [
            col(MonthlySummary.id) == summary_id,
            col(MonthlySummary.state) == SummaryState.SENT,
            col(MonthlySummary.reminders_sent) == seen,
        ]
        if scheduled:
            claim.append(col(MonthlySummary.next_reminder_at) <= now)
        result = await session.exec(
            sa.update(MonthlySummary)
            .where(*claim)
            .values(reminders_sent=seen + 1, last_reminder_at=now, next_reminder_at=following)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return False
        outgoing = await _reminder_message(core, session, project, person, summary, now)
        if outgoing is not None:
            enqueue(session, replace(outgoing, windowed=scheduled), now=now)
        audit.record(
            session,
            at=now,
            actor=actor,
            action="summary.reminded",
            project_id=project.id,
            person=person.ref,
            month=summary.month,
            number=seen + 1,
            reachable=outgoing is not None,
        )
        last = following is None
    if last:
        await tell_unsigned_once(core, summary.project_id, summary.month, now)
    return True


async def _reminder_message(
    core: Core,
    session: AsyncSession,
    project: Project,
    person: Person,
    summary: MonthlySummary,
    now: datetime,
) -> Outgoing | None:
    """The reminder: with a new code if the current one expired, else without a code."""
    code = (
        await session.exec(
            select(SigningCode)
            .where(SigningCode.summary_id == summary.id)
            .order_by(col(SigningCode.id).desc())
        )
    ).first()
    if code is not None and code.state == CodeState.ACTIVE and code.expires_at <= now:
        await supersede_codes(session, summary)
        signing_code, outgoing = issue_code(core, project, person, summary, now, purpose="reminder")
        session.add(signing_code)
        return outgoing
    route = route_for(person)
    if route is None:
        return None
    live = code.expires_at if code is not None and code.state == CodeState.ACTIVE else None
    text = texts.reminder_without_code(
        project_name=project.name,
        month=Month.parse(summary.month).first_day,
        lines=summary_lines(summary.document),
        total_minutes=summary.total_minutes,
        expires_at=live.astimezone(ZoneInfo(project.time_zone)) if live else None,
        hash_prefix=summary.sha256[:8],
    ).text(person.language)
    return Outgoing(
        channel=route.channel,
        address=route.address,
        text=text,
        purpose="reminder",
        project_id=project.id,
        person_id=person.id,
        summary_id=summary.id,
    )


async def supersede_codes(session: AsyncSession, summary: MonthlySummary) -> None:
    """Retire the summary's codes still usable or dead; only the newest code is valid."""
    await session.exec(
        sa.update(SigningCode)
        .where(
            col(SigningCode.summary_id) == summary.id,
            col(SigningCode.state).in_((CodeState.ACTIVE, CodeState.DEAD)),
        )
        .values(state=SummaryState.SUPERSEDED)
        .execution_options(synchronize_session=False)
    )


async def tell_unsigned_once(core: Core, project_id: int, month: str, now: datetime) -> bool:
    """Once every unsigned summary of the month had its last reminder, tell coordinators
    who is still unsigned: once per project and month, claimed by a ScheduledRun row."""
    async with transaction(core.sessions) as session:
        pending = await session.exec(
            select(MonthlySummary.id).where(
                MonthlySummary.project_id == project_id,
                MonthlySummary.month == month,
                MonthlySummary.state == SummaryState.SENT,
                col(MonthlySummary.next_reminder_at).is_not(None),
            )
        )
        if pending.first() is not None:
            return False
        claimed = await claim_row(
            session,
            ScheduledRun,
            ("project_id", "kind", "month"),
            project_id=project_id,
            kind="unsigned_list",
            month=month,
            ran_at=now,
        )
        if claimed is None:
            return False  # another worker sent the list
        people = [
            f"{p.ref} {p.name}" for p, _, _ in await queries.unsigned(session, project_id, month)
        ]
        if people:
            await notices.tell_coordinators(
                session,
                project_id,
                coordinator_notices.unsigned_list(
                    month=Month.parse(month).first_day, people=people
                ),
                now=now,
            )
    return bool(people)

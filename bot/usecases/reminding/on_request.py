"""The coordinator's ``/remind`` and ``/reissue``: answers in the coordinator's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import InputError
from bot.core.i18n import Message, Plural, Translatable
from bot.core.months import Month, current_month
from bot.core.routing import unreachable_reason
from bot.core.states import SummaryState
from bot.usecases.closing.codes import issue_code
from bot.usecases.context import Core
from bot.usecases.reminding.reminders import remind_one, supersede_codes
from bot.usecases.roster.find import find_person
from storage import audit, queries
from storage.db import transaction
from storage.outbox import enqueue
from storage.tables import MonthlySummary, Project, SigningCode


async def _project(core: Core, project_code: str) -> Project:
    async with core.sessions() as session:
        project = await queries.project_by_code(session, project_code)
    if project is None or project.id is None:
        raise InputError(Message("There is no project %(code)s.", code=project_code))
    return project


async def remind_now(core: Core, project_code: str, month: Month, *, actor: str) -> Translatable:
    """Remind everyone unsigned in ``month`` now; it counts toward the policy's maximum."""
    now = core.clock()
    project = await _project(core, project_code)
    if month >= current_month(now, project.time_zone).next():
        raise InputError(
            Message(
                "%(month)s has not started yet; there is nothing to sign for it.", month=str(month)
            )
        )
    async with core.sessions() as session:
        ids = (
            await session.exec(
                select(MonthlySummary.id)
                .where(
                    MonthlySummary.project_id == project.id,
                    MonthlySummary.month == str(month),
                    MonthlySummary.state == SummaryState.SENT,
                )
                .order_by(col(MonthlySummary.person_id))
            )
        ).all()
    if not ids:
        return Message(
            "Nobody in %(code)s is waiting to sign %(month)s; no reminder was sent.",
            code=project.code,
            month=str(month),
        )
    sent = 0
    for summary_id in ids:
        assert summary_id is not None
        sent += await remind_one(core, summary_id, now, actor=actor, scheduled=False)
    return Plural(
        "Reminded %(n)s person who has not signed %(month)s in %(code)s.",
        "Reminded %(n)s people who have not signed %(month)s in %(code)s.",
        n=sent,
        month=str(month),
        code=project.code,
    )


async def reissue(
    core: Core,
    project_code: str,
    person_ref: str,
    month: Month,
    *,
    actor: str,
) -> Message:
    """A new code for the person's unsigned summary of ``month``; older codes stop working."""
    now = core.clock()
    async with transaction(core.sessions) as session:
        project = await queries.project_by_code(session, project_code)
        if project is None or project.id is None:
            raise InputError(Message("There is no project %(code)s.", code=project_code))
        person = await find_person(session, project, person_ref)
        summary = (await queries.open_summaries(session, project.id, str(month))).get(
            person.id or 0
        )
        who = f"{person.ref} {person.name}"
        if summary is None:
            raise InputError(
                Message(
                    "%(who)s has no summary for %(month)s; close the month first.",
                    who=who,
                    month=str(month),
                )
            )
        if summary.state != SummaryState.SENT:
            raise InputError(_already(summary.state, who, str(month)))
        await _within_daily_codes(core, session, summary, project, who, now)
        await supersede_codes(session, summary)
        signing_code, outgoing = issue_code(core, project, person, summary, now, purpose="reissue")
        if outgoing is None:
            raise InputError(
                Message(
                    "%(who)s cannot be reached (%(reason)s); "
                    "add a phone number or a Telegram link first.",
                    who=who,
                    reason=unreachable_reason(person),
                )
            )
        session.add(signing_code)
        enqueue(session, outgoing, now=now)
        audit.record(
            session,
            at=now,
            actor=actor,
            action="code.reissued",
            project_id=project.id,
            person=person.ref,
            month=str(month),
        )
    return Message(
        "A new code for %(month)s is on its way to %(who)s; the old one no longer works.",
        month=str(month),
        who=who,
    )


async def _within_daily_codes(
    core: Core,
    session: AsyncSession,
    summary: MonthlySummary,
    project: Project,
    who: str,
    now: datetime,
) -> None:
    """Each code brings fresh guesses; a few new codes a day, whoever asks, keep a
    guesser from getting endless tries."""
    limit = core.policy.codes_per_day
    issued = sorted(
        (
            await session.exec(
                select(SigningCode.created_at).where(
                    col(SigningCode.summary_id) == summary.id,
                    col(SigningCode.created_at) > now - timedelta(days=1),
                )
            )
        ).all()
    )
    if len(issued) < limit:
        return
    next_at = issued[-limit] + timedelta(days=1)
    next_at = next_at if next_at.tzinfo else next_at.replace(tzinfo=UTC)
    raise InputError(
        Plural(
            "%(who)s has had %(n)s new code for %(month)s in the last 24 hours; "
            "the next is possible from %(at)s.",
            "%(who)s has had %(n)s new codes for %(month)s in the last 24 hours; "
            "the next is possible from %(at)s.",
            n=len(issued),
            who=who,
            month=summary.month,
            at=next_at.astimezone(ZoneInfo(project.time_zone)).strftime("%Y-%m-%d %H:%M"),
        )
    )


def _already(state: str, who: str, month: str) -> Message:
    """Why an already answered summary gets no new code."""
    if state == SummaryState.SIGNED:
        return Message(
            "%(who)s has already signed %(month)s; new codes are for unsigned months.",
            who=who,
            month=month,
        )
    if state == SummaryState.DISPUTED:
        return Message(
            "%(who)s has already disputed %(month)s; new codes are for unsigned months.",
            who=who,
            month=month,
        )
    return Message(
        "%(who)s has already %(state)s %(month)s; new codes are for unsigned months.",
        who=who,
        state=state,
        month=month,
    )

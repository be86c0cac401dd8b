"""The coordinator's ``/remind`` and ``/reissue``: answers in the coordinator's language."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.core.errors import InputError
from bot.core.i18n import Message, Plural, Translatable
from bot.core.months import Month, current_month
from bot.core.routing import unreachable_reason
from bot.core.states import SummaryState
from bot.usecases.context import Core
from bot.usecases.reminding.new_codes import CodeLimit, code_limit_reached, replace_code
from bot.usecases.reminding.reminders import remind_one
from bot.usecases.roster.find import find_person
from storage import queries
from storage.db import transaction
from storage.tables import MonthlySummary, Project


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
        limit = await code_limit_reached(core, session, summary.id or 0, now)
        if limit is not None:
            raise InputError(_limit_reached(limit, who, summary.month, project.time_zone))
        if not await replace_code(
            core, session, project, person, summary, now, purpose="reissue", actor=actor
        ):
            raise InputError(
                Message(
                    "%(who)s cannot be reached (%(reason)s); "
                    "add a phone number or a Telegram link first.",
                    who=who,
                    reason=unreachable_reason(person),
                )
            )
    return Message(
        "A new code for %(month)s is on its way to %(who)s; the old one no longer works.",
        month=str(month),
        who=who,
    )


def _limit_reached(limit: CodeLimit, who: str, month: str, zone: str) -> Plural:
    return Plural(
        "%(who)s has had %(n)s new code for %(month)s in the last 24 hours; "
        "the next is possible from %(at)s.",
        "%(who)s has had %(n)s new codes for %(month)s in the last 24 hours; "
        "the next is possible from %(at)s.",
        n=limit.issued,
        who=who,
        month=month,
        at=limit.next_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M"),
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

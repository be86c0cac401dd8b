"""Commands that chase signatures: close a month, who has not signed, status, remind, new code."""

from __future__ import annotations

from bot.commands.request import Answer, Command, Request, take_flag
from bot.core import counts
from bot.core.access import may
from bot.core.errors import InputError
from bot.core.i18n import Hours, Message, Translatable
from bot.core.listing import Listing
from bot.core.months import Month, current_month
from bot.core.states import SummaryState
from bot.usecases import reports, unsigned_list
from bot.usecases.closing.month_close import close_month, preview_close
from bot.usecases.reminding.on_request import reissue, remind_now
from bot.usecases.reminding.reminders import remind_one
from bot.usecases.roster.find import find_person
from storage import queries


def month_or_last(request: Request) -> Month:
    """The month named first, or the one before the current month in the project's zone."""
    assert request.project is not None
    if request.args:
        return Month.parse(request.args[0])
    return current_month(request.core.clock(), request.project.time_zone).previous()


async def remind(request: Request) -> Translatable:
    project = request.need("coordinator", Message("Sending reminders"))
    if len(request.args) > 2:
        raise request.usage_error()
    month = month_or_last(request)
    if len(request.args) < 2:
        return await remind_now(request.core, project.code, month, actor=request.actor.name)
    async with request.core.sessions() as session:
        assert project.id is not None
        person = await find_person(session, project, request.args[1])
        summary = (await queries.open_summaries(session, project.id, str(month))).get(
            person.id or 0
        )
    if summary is None or summary.id is None or summary.state != SummaryState.SENT:
        raise InputError(
            Message("%(ref)s has nothing to sign for %(month)s.", ref=person.ref, month=str(month))
        )
    sent = await remind_one(
        request.core, summary.id, request.core.clock(), actor=request.actor.name, scheduled=False
    )
    if not sent:
        return Message(
            "%(ref)s was not reminded: the reminder limit is reached or it just went out.",
            ref=person.ref,
        )
    return Message(
        "Reminded %(ref)s %(name)s to sign %(month)s.",
        ref=person.ref,
        name=person.name,
        month=str(month),
    )


async def new_code(request: Request) -> Translatable:
    project = request.need("coordinator", Message("Issuing new codes"))
    if len(request.args) != 2:
        raise request.usage_error()
    return await reissue(
        request.core,
        project.code,
        request.args[0],
        Month.parse(request.args[1]),
        actor=request.actor.name,
    )


async def close(request: Request) -> Translatable | Answer:
    """/close first shows what it will send and asks for a confirmation (a button press
    in the chat, a yes or ``--yes`` in the shell)."""
    project = request.need("coordinator", Message("Closing a month"))
    args, confirmed = take_flag(request.args, "confirmed")
    if len(args) != 1:
        raise request.usage_error()
    month = Month.parse(args[0])
    if not confirmed:
        people, minutes = await preview_close(request.core, project.code, month)
        if people == 0:
            return Message(
                "Nobody has hours in %(month)s; there is nothing to send.", month=str(month)
            )
        question = Message(
            "Close %(month)s for %(project)s: %(people)s, %(hours)s in all. "
            "Summaries that changed are sent for signing.",
            month=str(month),
            project=project.code,
            people=counts.people(people),
            hours=Hours(minutes),
        )
        label = Message("Send %(month)s for signing", month=str(month))
        return Answer(question, buttons=((label, f"close {month} confirmed"),))
    report = await close_month(
        request.core, project.code, month, actor=request.actor.name, progress=request.progress
    )
    return reports.describe_close(report)


async def unsigned(request: Request) -> Listing | Translatable:
    """Who has not signed; in a chat, coordinators get a remind and a new-code button each."""
    project = request.need("viewer", Message("Listing unsigned summaries"))
    if len(request.args) > 1:
        raise request.usage_error()
    month = month_or_last(request)
    chat = request.actor.telegram_user_id is not None
    actions = chat and may(request.role, "coordinator")
    return await unsigned_list.unsigned(request.core, project, month, actions=actions)


async def status(request: Request) -> Translatable:
    project = request.need("viewer", Message("Showing the status"))
    return await reports.status(request.core, project, month_or_last(request))


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("close", None): Command("/close <YYYY-MM>", "coordinator", close),
    ("unsigned", None): Command(
        "/unsigned [YYYY-MM] [page <n>|file]", "viewer", unsigned, listing=True
    ),
    ("status", None): Command("/status [YYYY-MM]", "viewer", status),
    ("remind", None): Command("/remind [YYYY-MM] [person]", "coordinator", remind),
    ("reissue", None): Command("/reissue <person> <YYYY-MM>", "coordinator", new_code),
}

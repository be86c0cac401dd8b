"""Commands that chase signatures: remind now, and a new code for one person."""

from __future__ import annotations

from bot.command_request import Command, Request
from bot.errors import InputError
from bot.months import Month, current_month
from bot.remind_commands import reissue, remind_now
from bot.reminding import remind_one
from storage import queries


def month_or_last(request: Request, text: str | None) -> Month:
    """The month named, or the one before the current month in the project's zone."""
    assert request.project is not None
    if text is not None:
        return Month.parse(text)
    return current_month(request.core.clock(), request.project.time_zone).previous()


async def remind(request: Request) -> str:
    project = request.need("coordinator", "Sending reminders")
    if len(request.args) > 2:
        raise request.usage_error()
    month = month_or_last(request, request.args[0] if request.args else None)
    if len(request.args) < 2:
        return await remind_now(
            request.core, project.code, month, actor=request.actor.name, language=request.language
        )
    async with request.core.sessions() as session:
        assert project.id is not None
        person = await queries.find_person(session, project, request.args[1])
        summary = (await queries.open_summaries(session, project.id, str(month))).get(
            person.id or 0
        )
    if summary is None or summary.id is None or summary.state != "sent":
        raise InputError(
            "%(ref)s has nothing to sign for %(month)s.", ref=person.ref, month=str(month)
        )
    sent = await remind_one(
        request.core, summary.id, request.core.clock(), actor=request.actor.name, scheduled=False
    )
    if not sent:
        return request.say(
            "%(ref)s was not reminded: the reminder limit is reached or it just went out.",
            ref=person.ref,
        )
    return request.say(
        "Reminded %(ref)s %(name)s to sign %(month)s.",
        ref=person.ref,
        name=person.name,
        month=str(month),
    )


async def new_code(request: Request) -> str:
    project = request.need("coordinator", "Issuing new codes")
    if len(request.args) != 2:
        raise request.usage_error()
    return await reissue(
        request.core,
        project.code,
        request.args[0],
        Month.parse(request.args[1]),
        actor=request.actor.name,
        language=request.language,
    )


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("remind", None): Command("/remind [YYYY-MM] [person]", "coordinator", remind),
    ("reissue", None): Command("/reissue <person> <YYYY-MM>", "coordinator", new_code),
}

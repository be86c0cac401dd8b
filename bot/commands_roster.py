"""Commands that look after the roster: activities ending, people edited, days deleted."""

from __future__ import annotations

from bot import reports, roster
from bot.command_request import Command, Request, parse_date, take_flag
from bot.months import Month


async def activity_end(request: Request) -> str:
    project = request.need("coordinator", "Ending activities")
    if len(request.args) != 2:
        raise request.usage_error()
    activity = await roster.end_activity(
        request.core,
        project,
        request.args[0],
        parse_date(request.args[1]),
        actor=request.actor.name,
    )
    return request.say(
        "%(ref)s %(name)s now ends on %(day)s.",
        ref=activity.ref,
        name=activity.name,
        day=activity.ends_on.isoformat(),
    )


async def person_show(request: Request) -> str:
    project = request.need("viewer", "Showing people")
    if len(request.args) not in (1, 2):
        raise request.usage_error()
    month = Month.parse(request.args[1]) if len(request.args) == 2 else None
    return await reports.person(request.core, project, request.args[0], month, request.language)


async def person_edit(request: Request) -> str:
    project = request.need("coordinator", "Editing people")
    if len(request.args) != 3:
        raise request.usage_error()
    person = await roster.edit_person(
        request.core,
        project,
        request.args[0],
        request.args[1],
        request.args[2],
        actor=request.actor.name,
    )
    return request.say(
        "%(ref)s %(name)s: %(field)s changed.",
        ref=person.ref,
        name=person.name,
        field=request.args[1],
    )


async def person_deactivate(request: Request) -> str:
    project = request.need("coordinator", "Deactivating people")
    if len(request.args) != 1:
        raise request.usage_error()
    person = await roster.deactivate_person(
        request.core, project, request.args[0], actor=request.actor.name
    )
    return request.say(
        "%(ref)s %(name)s is inactive: no more messages; signed months are kept.",
        ref=person.ref,
        name=person.name,
    )


async def person_invite(request: Request) -> str:
    project = request.need("coordinator", "Inviting people")
    if len(request.args) != 1:
        raise request.usage_error()
    person, token = await roster.new_invite(
        request.core, project, request.args[0], actor=request.actor.name
    )
    if request.bot_username:
        link = f"https://t.me/{request.bot_username}?start={token}"
        return request.say(
            "Send %(name)s this link; it works once: %(link)s", name=person.name, link=link
        )
    return request.say(
        "%(name)s links Telegram by sending the bot: /start %(token)s (works once).",
        name=person.name,
        token=token,
    )


async def hours_show(request: Request) -> str:
    project = request.need("viewer", "Showing hours")
    if len(request.args) != 2:
        raise request.usage_error()
    return await reports.person(
        request.core, project, request.args[0], Month.parse(request.args[1]), request.language
    )


async def hours_delete(request: Request) -> str:
    project = request.need("coordinator", "Deleting hours")
    args, correction = take_flag(request.args, "correction")
    if len(args) != 3:
        raise request.usage_error()
    day = parse_date(args[2])
    person = await roster.delete_day(
        request.core,
        project,
        args[0],
        args[1],
        day,
        actor=request.actor.name,
        correction=correction,
    )
    return request.say(
        "Deleted %(ref)s's hours on %(activity)s for %(day)s.",
        ref=person.ref,
        activity=args[1],
        day=day.isoformat(),
    )


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("activity", "end"): Command(
        "/activity end <activity> <last day>", "coordinator", activity_end
    ),
    ("person", "show"): Command("/person show <person> [YYYY-MM]", "viewer", person_show),
    ("person", "edit"): Command(
        "/person edit <person> phone|language|channel <value>", "coordinator", person_edit
    ),
    ("person", "deactivate"): Command(
        "/person deactivate <person>", "coordinator", person_deactivate
    ),
    ("person", "invite"): Command("/person invite <person>", "coordinator", person_invite),
    ("hours", "show"): Command("/hours show <person> <YYYY-MM>", "viewer", hours_show),
    ("hours", "delete"): Command(
        "/hours delete <person> <activity> <date> [correction]", "coordinator", hours_delete
    ),
}

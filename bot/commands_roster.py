"""Commands that look after the roster: activities ending, people edited, days deleted."""

from __future__ import annotations

from bot import reports, roster
from bot.command_request import Command, Request, parse_date, take_flag
from bot.errors import InputError
from bot.months import Month


async def activity_end(request: Request) -> str:
    project = request.need("coordinator", "Ending activities")
    if len(request.args) != 2:
        raise InputError("Usage: /activity end <activity> <last day YYYY-MM-DD>")
    activity = await roster.end_activity(
        request.core,
        project,
        request.args[0],
        parse_date(request.args[1]),
        actor=request.actor.name,
    )
    return f"{activity.ref} {activity.name} now ends on {activity.ends_on}."


async def person_show(request: Request) -> str:
    project = request.need("viewer", "Showing people")
    if len(request.args) not in (1, 2):
        raise InputError("Usage: /person show <person> [YYYY-MM]")
    month = Month.parse(request.args[1]) if len(request.args) == 2 else None
    return await reports.person(request.core, project, request.args[0], month)


async def person_edit(request: Request) -> str:
    project = request.need("coordinator", "Editing people")
    if len(request.args) != 3:
        raise InputError("Usage: /person edit <person> phone|language|channel <value>")
    person = await roster.edit_person(
        request.core,
        project,
        request.args[0],
        request.args[1],
        request.args[2],
        actor=request.actor.name,
    )
    return f"{person.ref} {person.name}: {request.args[1]} changed."


async def person_deactivate(request: Request) -> str:
    project = request.need("coordinator", "Deactivating people")
    if len(request.args) != 1:
        raise InputError("Usage: /person deactivate <person>")
    person = await roster.deactivate_person(
        request.core, project, request.args[0], actor=request.actor.name
    )
    return f"{person.ref} {person.name} is inactive: no more messages; signed months are kept."


async def person_invite(request: Request) -> str:
    project = request.need("coordinator", "Inviting people")
    if len(request.args) != 1:
        raise InputError("Usage: /person invite <person>")
    person, token = await roster.new_invite(
        request.core, project, request.args[0], actor=request.actor.name
    )
    if request.bot_username:
        link = f"https://t.me/{request.bot_username}?start={token}"
        return f"Send {person.name} this link; it works once: {link}"
    return f"{person.name} links Telegram by sending the bot: /start {token} (works once)."


async def hours_show(request: Request) -> str:
    project = request.need("viewer", "Showing hours")
    if len(request.args) != 2:
        raise InputError("Usage: /hours show <person> <YYYY-MM>")
    return await reports.person(
        request.core, project, request.args[0], Month.parse(request.args[1])
    )


async def hours_delete(request: Request) -> str:
    project = request.need("coordinator", "Deleting hours")
    args, correction = take_flag(request.args, "correction")
    if len(args) != 3:
        raise InputError("Usage: /hours delete <person> <activity> <YYYY-MM-DD> [correction]")
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
    return f"Deleted {person.ref}'s hours on {args[1]} for {day}."


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

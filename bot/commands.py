"""Coordinator commands: one parser and one access check for chat and shell alike.

``/hours P-0001 A-001 2026-10-14 7.5`` in Telegram and
``timesign admin --project ESF-1 hours P-0001 A-001 2026-10-14 7.5`` in a shell both
land in ``run_command``, so they give the same answer and leave the same audit trail.
Names with spaces are quoted: ``/person add "Anna Berg" 0701234567``.
"""

from __future__ import annotations

import shlex
from dataclasses import replace

from bot import commands_documents as document_commands
from bot import commands_project as project_commands
from bot import commands_roster as roster_commands
from bot import commands_signing as signing_commands
from bot import reports
from bot.access import NO_ACCESS, ROLE_NAMES, ROLES, SUPERUSER, AccessDenied, Actor, may
from bot.attendance_import import import_command
from bot.chat_language import choose_language
from bot.closing import close_month, preview_close
from bot.command_request import (
    Command,
    CommandReply,
    Request,
    open_request,
    parse_date,
    take_flag,
)
from bot.context import Core
from bot.errors import InputError
from bot.grants import grant, use_project
from bot.hours import parse_hours
from bot.months import Month, current_month
from bot.recording import record_hours
from bot.registry import (
    ACTIVITY_KINDS,
    LANGUAGES,
    PERSON_KINDS,
    NewPerson,
    add_activity,
    add_person,
    create_project,
)
from notifications.i18n import Hours, Message
from storage import audit, queries
from storage.db import transaction
from storage.tables import Project


async def _project_new(request: Request) -> str:
    if not request.actor.superuser:
        raise AccessDenied("Only a superuser creates projects.")
    if len(request.args) < 2:
        raise request.usage_error()
    project = await create_project(
        request.core,
        code=request.args[0],
        name=" ".join(request.args[1:]),
        actor=request.actor.name,
    )
    return request.say(
        "Project %(code)s (%(name)s) created. Choose it with /project use %(code)s.",
        code=project.code,
        name=project.name,
    )


async def _coordinator_add(request: Request) -> str:
    project = request.need("admin", "Adding coordinators")
    if len(request.args) not in (1, 2) or not request.args[0].lstrip("-").isdigit():
        raise request.usage_error()
    role = request.args[1] if len(request.args) == 2 else "coordinator"
    if role not in ROLES:
        raise InputError("The role must be admin, coordinator or viewer.")
    await grant(request.core, project, int(request.args[0]), role, actor=request.actor.name)
    return request.say(
        "Telegram user %(user)s is now %(role)s of %(project)s.",
        user=request.args[0],
        role=ROLE_NAMES[role],
        project=project.code,
    )


async def _activity_add(request: Request) -> str:
    project = request.need("coordinator", "Adding activities")
    if len(request.args) < 4:
        raise request.usage_error(Message("kinds: %(kinds)s.", kinds=", ".join(ACTIVITY_KINDS)))
    *name, kind, first, last = request.args
    activity = await add_activity(
        request.core,
        project.code,
        name=" ".join(name),
        kind=kind,
        starts_on=parse_date(first),
        ends_on=parse_date(last),
        actor=request.actor.name,
    )
    return request.say(
        "%(ref)s %(name)s (%(kind)s, %(first)s to %(last)s) added.",
        ref=activity.ref,
        name=activity.name,
        kind=activity.kind,
        first=first,
        last=last,
    )


async def _activity_list(request: Request) -> str:
    project = request.need("viewer", "Listing activities")
    return await reports.activities(request.core, project, request.language)


async def _person_add(request: Request) -> str:
    project = request.need("coordinator", "Adding people")
    args = list(request.args)
    language = args.pop() if args and args[-1] in LANGUAGES else None
    kind = args.pop() if args and args[-1] in PERSON_KINDS else "participant"
    if len(args) < 2:
        raise request.usage_error(Message('quote a name with spaces: "Anna Berg".'))
    *name, phone = args
    person = await add_person(
        request.core,
        project.code,
        NewPerson(" ".join(name), phone, kind=kind, language=language),
        actor=request.actor.name,
    )
    return request.say(
        "%(ref)s %(name)s (%(kind)s, %(language)s) added.",
        ref=person.ref,
        name=person.name,
        kind=person.kind,
        language=person.language,
    )


async def _person_list(request: Request) -> str:
    project = request.need("viewer", "Listing people")
    return await reports.people(request.core, project, request.language)


async def _hours(request: Request) -> str:
    project = request.need("coordinator", "Recording hours")
    args, correction = take_flag(request.args, "correction")
    if len(args) != 4:
        raise request.usage_error()
    person_text, activity_text, day_text, hours_text = args
    day, minutes = parse_date(day_text), parse_hours(hours_text)
    async with transaction(request.core.sessions) as session:
        assert project.id is not None
        person = await queries.find_person(session, project, person_text)
        activity = await queries.find_activity(session, project.id, activity_text)
    recorded = await record_hours(
        request.core,
        project.code,
        person_ref=person.ref,
        activity_ref=activity.ref,
        day=day,
        minutes=minutes,
        actor=request.actor.name,
        correction=correction,
    )
    answer = request.say(
        "Recorded %(hours)s for %(person)s on %(activity)s, %(day)s.",
        hours=Hours(minutes),
        person=person.ref,
        activity=activity.ref,
        day=str(day),
    )
    return "\n".join([answer, *(w.text(request.language) for w in recorded.warnings)])


def _month(request: Request, project: Project) -> Month:
    if request.args:
        return Month.parse(request.args[0])
    return current_month(request.core.clock(), project.time_zone).previous()


async def _close(request: Request) -> str | CommandReply:
    """In a chat, /close first shows what it will send and asks for a button press."""
    project = request.need("coordinator", "Closing a month")
    args, confirmed = take_flag(request.args, "confirmed")
    if len(args) != 1:
        raise request.usage_error()
    month = Month.parse(args[0])
    if request.actor.telegram_user_id is not None and not confirmed:
        people, minutes = await preview_close(request.core, project.code, month)
        if people == 0:
            return request.say(
                "Nobody has hours in %(month)s; there is nothing to send.", month=str(month)
            )
        values = {"month": str(month), "project": project.code, "hours": Hours(minutes)}
        question = (
            request.say(
                "Close %(month)s for %(project)s: 1 person, %(hours)s in all. "
                "Summaries that changed are sent for signing.",
                **values,
            )
            if people == 1
            else request.say(
                "Close %(month)s for %(project)s: %(people)s people, %(hours)s in all. "
                "Summaries that changed are sent for signing.",
                people=people,
                **values,
            )
        )
        label = request.say("Send %(month)s for signing", month=str(month))
        return CommandReply(question, buttons=((label, f"close {month} confirmed"),))
    report = await close_month(request.core, project.code, month, actor=request.actor.name)
    return reports.describe_close(report, request.language)


async def _unsigned(request: Request) -> str | CommandReply:
    """Who has not signed; in a chat, coordinators get a remind and a new-code button each."""
    project = request.need("viewer", "Listing unsigned summaries")
    month = _month(request, project)
    text, refs = await reports.unsigned(request.core, project, month, request.language)
    if request.actor.telegram_user_id is None or not may(request.role, "coordinator"):
        return text
    buttons: list[tuple[str, str]] = []
    for ref in refs[:UNSIGNED_BUTTONS]:
        buttons += [
            (request.say("Remind %(ref)s", ref=ref), f"remind {month} {ref}"),
            (request.say("New code %(ref)s", ref=ref), f"reissue {ref} {month}"),
        ]
    return CommandReply(text, tuple(buttons))


async def _status(request: Request) -> str:
    project = request.need("viewer", "Showing the status")
    return await reports.status(request.core, project, _month(request, project), request.language)


UNSIGNED_BUTTONS = 25  # people with buttons; Telegram allows 100 buttons a message

COMMANDS: dict[tuple[str, str | None], Command] = {
    ("project", "new"): Command("/project new <code> <name>", SUPERUSER, _project_new),
    ("coordinator", "add"): Command(
        "/coordinator add <telegram id> [admin|coordinator|viewer]", "admin", _coordinator_add
    ),
    ("activity", "add"): Command(
        "/activity add <name> <kind> <from> <to>", "coordinator", _activity_add
    ),
    ("activity", "list"): Command("/activity list", "viewer", _activity_list),
    ("person", "add"): Command(
        "/person add <name> <phone> [participant|staff] [sv|en|pl]", "coordinator", _person_add
    ),
    ("person", "list"): Command("/person list", "viewer", _person_list),
    ("hours", None): Command(
        "/hours <person> <activity> <date> <hours> [correction]", "coordinator", _hours
    ),
    ("import", None): Command(
        Message("Upload a CSV or XLSX attendance list (shell: import <file>)"),
        "coordinator",
        import_command,
    ),
    ("close", None): Command("/close <YYYY-MM>", "coordinator", _close),
    ("unsigned", None): Command("/unsigned [YYYY-MM]", "viewer", _unsigned),
    ("status", None): Command("/status [YYYY-MM]", "viewer", _status),
}
COMMANDS.update(roster_commands.COMMANDS)
COMMANDS.update(signing_commands.COMMANDS)
COMMANDS.update(project_commands.COMMANDS)
COMMANDS.update(document_commands.COMMANDS)
NAMES = sorted({name for name, _ in COMMANDS} | {"help"})


def split(text: str) -> list[str]:
    """Words of a command line; quotes group a name with spaces."""
    try:
        return shlex.split(text)
    except ValueError:
        raise InputError('A quote is not closed; write names as "Anna Berg".') from None


def help_text(role: str | None, language: str) -> str:
    lines = [Message("Commands you may use here:").text(language), "/project use <code>"]
    lines += ["/language sv|en|pl", "/help"]
    allowed = [(key, c) for key, c in COMMANDS.items() if may(role, c.role)]
    allowed.sort(key=lambda item: item[0][0])  # a command's sub-commands together
    lines += [c.usage if isinstance(c.usage, str) else c.usage.text(language) for _, c in allowed]
    return "\n".join(lines)


async def run_command(
    core: Core,
    actor: Actor,
    project_code: str | None,
    words: list[str],
    *,
    bot_username: str | None = None,
) -> CommandReply:
    """Run one command for ``actor`` in ``project_code``, answered in the actor's language.

    A refusal is a ``CommandReply`` with ``refused`` set; access refusals are audited.
    """
    language = actor.language or "en"
    try:
        request = await open_request(
            core, actor, project_code, words[2:], bot_username=bot_username
        )
        language = request.language
        return await _dispatch(request, words)
    except InputError as error:
        return CommandReply(error.text(language), refused=True)


async def _dispatch(request: Request, words: list[str]) -> CommandReply:
    if not words:
        raise InputError("Which command? Try /help.")
    name = words[0].lstrip("/").split("@")[0].lower()
    sub = words[1].lower() if len(words) > 1 else None
    try:
        answer = await _run(request, name, sub, words)
    except AccessDenied:
        # /project use names another project: the refusal belongs to no project.
        choosing = (name, sub) == ("project", "use")
        await record_refusal(
            request.core,
            request.actor,
            None if choosing else request.project,
            command="project use" if choosing else name,
            role=None if choosing else request.role,
        )
        raise
    return answer if isinstance(answer, CommandReply) else CommandReply(answer)


async def _run(
    request: Request, name: str, sub: str | None, words: list[str]
) -> str | CommandReply:
    core, actor = request.core, request.actor
    if name == "help":
        role = request.role if request.project else (SUPERUSER if actor.superuser else None)
        return help_text(role, request.language)
    if name == "language":
        if not request.known:
            raise AccessDenied(NO_ACCESS)
        return await choose_language(core, actor, words[1:], current=request.language)
    if name == "project" and sub == "use":
        return await use_project(core, actor, words[2:], request.language)
    command = COMMANDS.get((name, sub)) or COMMANDS.get((name, None))
    if command is None:
        raise InputError("I do not know /%(name)s. Try /help.", name=name[:20])
    args = words[2:] if (name, sub) in COMMANDS else words[1:]
    return await command.run(replace(request, args=args, usage=command.usage))


async def record_refusal(
    core: Core, actor: Actor, project: Project | None, *, command: str, role: str | None
) -> None:
    """Its own transaction: the refused command's transaction has rolled back."""
    async with transaction(core.sessions) as session:
        audit.record(
            session,
            at=core.clock(),
            actor=actor.name,
            action="access.refused",
            project_id=project.id if project else None,
            command=command,
            role=role,
        )

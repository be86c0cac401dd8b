"""Commands that keep the roster: activities, people, hours and attendance lists."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.commands.attendance import import_command
from bot.commands.request import Command, Request, parse_date, take_flag
from bot.core.hours import parse_hours
from bot.core.i18n import Hours, Lines, Message, Translatable
from bot.core.listing import Listing
from bot.core.months import Month
from bot.core.suggest import not_a_choice
from bot.usecases import reports
from bot.usecases.closing.resend import PendingResend
from bot.usecases.recording.hours import record_hours
from bot.usecases.roster import changes as roster
from bot.usecases.roster.find import find_activity, find_person
from bot.usecases.roster.registry import (
    ACTIVITY_KINDS,
    LANGUAGES,
    PERSON_KINDS,
    NewPerson,
    add_activity,
    add_person,
)
from storage.db import transaction
from storage.tables import Project


async def activity_end(request: Request) -> Translatable:
    project = request.need("coordinator", Message("Ending activities"))
    if len(request.args) != 2:
        raise request.usage_error()
    activity = await roster.end_activity(
        request.core,
        project,
        request.args[0],
        parse_date(request.args[1]),
        actor=request.actor.name,
    )
    return Message(
        "%(ref)s %(name)s now ends on %(day)s.",
        ref=activity.ref,
        name=activity.name,
        day=activity.ends_on.isoformat(),
    )


async def person_show(request: Request) -> Listing | Translatable:
    project = request.need("viewer", Message("Showing people"))
    if len(request.args) not in (1, 2):
        raise request.usage_error()
    month = Month.parse(request.args[1]) if len(request.args) == 2 else None
    return await reports.person(request.core, project, request.args[0], month)


async def person_edit(request: Request) -> Translatable:
    project = request.need("coordinator", Message("Editing people"))
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
    return Message(
        "%(ref)s %(name)s: %(field)s changed.",
        ref=person.ref,
        name=person.name,
        field=request.args[1],
    )


async def person_deactivate(request: Request) -> Translatable:
    project = request.need("coordinator", Message("Deactivating people"))
    if len(request.args) != 1:
        raise request.usage_error()
    person = await roster.deactivate_person(
        request.core, project, request.args[0], actor=request.actor.name
    )
    return Message(
        "%(ref)s %(name)s is inactive: no more messages; signed months are kept.",
        ref=person.ref,
        name=person.name,
    )


async def person_invite(request: Request) -> Translatable:
    project = request.need("coordinator", Message("Inviting people"))
    if len(request.args) != 1:
        raise request.usage_error()
    person, token = await roster.new_invite(
        request.core, project, request.args[0], actor=request.actor.name
    )
    if request.bot_username:
        link = f"https://t.me/{request.bot_username}?start={token}"
        return Message(
            "Send %(name)s this link; it works once: %(link)s", name=person.name, link=link
        )
    return Message(
        "%(name)s links Telegram by sending the bot: /start %(token)s (works once).",
        name=person.name,
        token=token,
    )


async def hours_show(request: Request) -> Listing | Translatable:
    project = request.need("viewer", Message("Showing hours"))
    if len(request.args) != 2:
        raise request.usage_error()
    return await reports.person(
        request.core, project, request.args[0], Month.parse(request.args[1])
    )


async def hours_delete(request: Request) -> Translatable:
    project = request.need("coordinator", Message("Deleting hours"))
    args, correction = take_flag(request.args, "correction")
    if len(args) != 3:
        raise request.usage_error()
    day = parse_date(args[2])
    person, resend = await roster.delete_day(
        request.core,
        project,
        args[0],
        args[1],
        day,
        actor=request.actor.name,
        correction=correction,
    )
    deleted = Message(
        "Deleted %(ref)s's hours on %(activity)s for %(day)s.",
        ref=person.ref,
        activity=args[1],
        day=day.isoformat(),
    )
    return Lines([deleted, *resend_lines(resend, project)])


def resend_lines(resend: PendingResend | None, project: Project) -> list[Message]:
    """What a change to a month already sent sets off, said where the change is answered."""
    if resend is None:
        return []
    values = {
        "month": str(resend.month),
        "version": resend.version,
        "due": f"{resend.due_at.astimezone(ZoneInfo(project.time_zone)):%Y-%m-%d %H:%M}",
    }
    if resend.was_signed:
        return [
            Message(
                "Signed version %(version)s of %(month)s is superseded now; the corrected month "
                "goes for signing at %(due)s, or at once with /close %(month)s.",
                **values,
            )
        ]
    return [
        Message(
            "The unsigned version %(version)s of %(month)s is withdrawn; the new one goes for "
            "signing at %(due)s, or at once with /close %(month)s.",
            **values,
        )
    ]


async def activity_add(request: Request) -> Translatable:
    project = request.need("coordinator", Message("Adding activities"))
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
    return Message(
        "%(ref)s %(name)s (%(kind)s, %(first)s to %(last)s) added.",
        ref=activity.ref,
        name=activity.name,
        kind=activity.kind,
        first=first,
        last=last,
    )


async def activity_list(request: Request) -> Listing | Translatable:
    project = request.need("viewer", Message("Listing activities"))
    if request.args:
        raise request.usage_error()
    return await reports.activities(request.core, project)


async def person_add(request: Request) -> Translatable:
    project = request.need("coordinator", Message("Adding people"))
    args = list(request.args)
    language = args.pop() if args and args[-1] in LANGUAGES else None
    kind = args.pop() if args and args[-1] in PERSON_KINDS else "participant"
    if len(args) >= 3 and _is_word(args[-1]) and not _is_word(args[-2]):
        # A word after the phone number is a kind or a language that is spelled wrong.
        choices = (*PERSON_KINDS, *LANGUAGES)
        raise not_a_choice(args[-1], choices, Message("a kind of person or a language"))
    if len(args) < 2:
        raise request.usage_error(Message('quote a name with spaces: "Anna Berg".'))
    *name, phone = args
    person = await add_person(
        request.core,
        project.code,
        NewPerson(" ".join(name), phone, kind=kind, language=language),
        actor=request.actor.name,
    )
    return Message(
        "%(ref)s %(name)s (%(kind)s, %(language)s) added.",
        ref=person.ref,
        name=person.name,
        kind=person.kind,
        language=person.language,
    )


def _is_word(text: str) -> bool:
    return not any(c.isdigit() for c in text)


async def person_list(request: Request) -> Listing | Translatable:
    project = request.need("viewer", Message("Listing people"))
    if request.args:
        raise request.usage_error()
    return await reports.people(request.core, project)


async def hours_record(request: Request) -> Translatable:
    project = request.need("coordinator", Message("Recording hours"))
    args, correction = take_flag(request.args, "correction")
    if len(args) != 4:
        raise request.usage_error()
    person_text, activity_text, day_text, hours_text = args
    day, minutes = parse_date(day_text), parse_hours(hours_text)
    async with transaction(request.core.sessions) as session:
        assert project.id is not None
        person = await find_person(session, project, person_text)
        activity = await find_activity(session, project.id, activity_text)
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
    values = {"hours": Hours(minutes), "person": person.ref, "activity": activity.ref}
    if recorded.replaced_minutes is None:
        answer = Message(
            "Recorded %(hours)s for %(person)s on %(activity)s, %(day)s.", day=str(day), **values
        )
    else:
        answer = Message(
            "Recorded %(hours)s for %(person)s on %(activity)s, %(day)s, replacing %(before)s.",
            day=str(day),
            before=Hours(recorded.replaced_minutes),
            **values,
        )
    return Lines([answer, *recorded.warnings, *resend_lines(recorded.resend, project)])


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("activity", "add"): Command(
        "/activity add <name> <kind> <from> <to>", "coordinator", activity_add
    ),
    ("activity", "list"): Command(
        "/activity list [page <n>|file]", "viewer", activity_list, listing=True
    ),
    ("person", "add"): Command(
        "/person add <name> <phone> [participant|staff] [sv|en|pl]", "coordinator", person_add
    ),
    ("person", "list"): Command(
        "/person list [page <n>|file]", "viewer", person_list, listing=True
    ),
    ("hours", None): Command(
        "/hours <person> <activity> <date> <hours> [correction]", "coordinator", hours_record
    ),
    ("import", None): Command(
        Message("Upload a CSV or XLSX attendance list (shell: import <file>)"),
        "coordinator",
        import_command,
    ),
    ("activity", "end"): Command(
        "/activity end <activity> <last day>", "coordinator", activity_end
    ),
    ("person", "show"): Command(
        "/person show <person> [YYYY-MM]", "viewer", person_show, listing=True
    ),
    ("person", "edit"): Command(
        "/person edit <person> phone|language|channel <value>", "coordinator", person_edit
    ),
    ("person", "deactivate"): Command(
        "/person deactivate <person>", "coordinator", person_deactivate
    ),
    ("person", "invite"): Command("/person invite <person>", "coordinator", person_invite),
    ("hours", "show"): Command(
        "/hours show <person> <YYYY-MM> [page <n>|file]", "viewer", hours_show, listing=True
    ),
    ("hours", "delete"): Command(
        "/hours delete <person> <activity> <date> [correction]", "coordinator", hours_delete
    ),
}

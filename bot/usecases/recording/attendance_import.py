"""Recording a whole attendance list at once: every line checked, all or nothing.

Each line goes through the same ``record_day`` as ``/hours``, inside one transaction, so
every hours rule sees the database plus the lines before it (two lines on one day add
up; a week cap counts the file and what is recorded already). One bad line and the
transaction rolls back; the answer then names every bad line, so the coordinator fixes
the list once instead of once per mistake.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from bot.commands.request import Request
from bot.core.attendance import AttendanceSheet, LineProblem, parse_attendance, too_large
from bot.core.errors import InputError
from bot.core.i18n import Hours, Lines, Message
from bot.usecases.context import Core
from bot.usecases.recording.hours import record_day
from storage import audit, queries
from storage.db import transaction
from storage.tables import Activity, Person, Project

WHAT = Message("Importing attendance lists")
SHOWN_PROBLEMS = 200  # beyond that the list is wrong as a whole, not line by line

T = TypeVar("T")


async def import_upload(request: Request, filename: str | None, content: bytes) -> str:
    """An uploaded list (chat) or a read file (shell), for a coordinator of the project."""
    project = request.need("coordinator", WHAT)
    sheet = parse_attendance(filename, content)
    answer = await import_attendance(
        request.core,
        project,
        sheet,
        actor=request.actor.name,
        source=filename,
        digest=hashlib.sha256(content).hexdigest(),
    )
    return answer.text(request.language)


async def import_command(request: Request) -> str:
    """``timesign admin --project ESF-1 import list.csv``: reads a file on this machine."""
    request.need("coordinator", WHAT)
    if request.actor.telegram_user_id is not None:
        # A chat must never name files on the server; it uploads the list instead.
        raise InputError(
            "Send the attendance list to this chat as a CSV or XLSX file; "
            "import <file> reads files only from the shell."
        )
    if len(request.args) != 1:
        raise InputError("Usage: timesign admin --project <code> import <file.csv|file.xlsx>")
    path = Path(request.args[0])
    try:
        size = (await asyncio.to_thread(path.stat)).st_size
        if (refusal := too_large(size)) is not None:
            raise InputError(refusal)
        content = await asyncio.to_thread(path.read_bytes)
    except OSError as error:
        raise InputError(
            "Cannot read %(path)s: %(reason)s.", path=str(path), reason=error.strerror or error
        ) from None
    return await import_upload(request, path.name, content)


async def _cached(
    cache: dict[str, T | InputError], key: str, find: Callable[[str], Awaitable[T]]
) -> T:
    if key not in cache:
        try:
            cache[key] = await find(key)
        except InputError as error:
            cache[key] = error
    found = cache[key]
    if isinstance(found, InputError):
        raise found
    return found


async def import_attendance(
    core: Core,
    project: Project,
    sheet: AttendanceSheet,
    *,
    actor: str,
    source: str | None,
    digest: str,
) -> Lines:
    """Record every line of ``sheet`` with one audit event, or nothing and say why.

    ``source`` is the file's name (None: a list without one); the answer is rendered in
    the reader's language by the caller, like the refusal (an InputError).
    """
    assert project.id is not None
    project_id = project.id
    now = core.clock()
    # TRANSLATORS: stands where a file name would, in "Recorded 3 lines from %(source)s".
    shown_source: str | Message = source or Message("the list")
    problems = list(sheet.problems)
    people: dict[str, Person | InputError] = {}
    activities: dict[str, Activity | InputError] = {}
    seen: dict[tuple[int | None, int | None, date], int] = {}
    warnings: dict[str, Message] = {}
    minutes = 0
    async with transaction(core.sessions) as session:

        def find_person(text: str) -> Awaitable[Person]:
            return queries.find_person(session, project, text)

        def find_activity(text: str) -> Awaitable[Activity]:
            return queries.find_activity(session, project_id, text)

        for row in sheet.rows:
            try:
                person = await _cached(people, row.person, find_person)
                activity = await _cached(activities, row.activity, find_activity)
                key = (person.id, activity.id, row.day)
                if key in seen:
                    raise InputError(
                        "Line %(first)s has %(person)s on %(activity)s on %(day)s already; "
                        "write one line per person, activity and day.",
                        first=seen[key],
                        person=person.ref,
                        activity=activity.ref,
                        day=row.day.isoformat(),
                    )
                recorded = await record_day(
                    session, project, person, activity, row.day, row.minutes, now=now
                )
                await session.flush()  # the next line's rules must see this one
            except InputError as error:
                problems.append(LineProblem(row.line, error.message))
                continue
            seen[key] = row.line
            minutes += row.minutes
            for warning in recorded.warnings:
                warnings[person.ref] = Message(
                    "%(person)s: %(warning)s", person=person.ref, warning=warning
                )
        lines = len(sheet.rows) + len(sheet.problems)
        if problems:
            refusal = _refusal(problems, lines, shown_source)
            raise InputError(refusal)  # rolls everything back
        audit.record(
            session,
            at=now,
            actor=actor,
            action="hours.import",
            project_id=project.id,
            file=(source or "the list")[:200],
            sha256=digest,
            lines=lines,
            minutes=minutes,
        )
    count = len({person_id for person_id, _, _ in seen})
    values = {"lines": lines, "source": shown_source, "hours": Hours(minutes), "count": count}
    if lines == 1:
        answer = Message("Recorded 1 line from %(source)s: %(hours)s for 1 person.", **values)
    elif count == 1:
        answer = Message(
            "Recorded %(lines)s lines from %(source)s: %(hours)s for 1 person.", **values
        )
    else:
        answer = Message(
            "Recorded %(lines)s lines from %(source)s: %(hours)s for %(count)s people.", **values
        )
    return Lines([answer, *warnings.values()])


def _refusal(problems: list[LineProblem], lines: int, source: str | Message) -> Lines:
    problems = sorted(problems, key=lambda problem: problem.line)
    values = {"problems": len(problems), "lines": lines, "source": source}
    if len(problems) == 1:
        head = Message(
            "Nothing was recorded: %(problems)s of %(lines)s lines of %(source)s has a problem. "
            "Fix them and send the whole list again.",
            **values,
        )
    else:
        head = Message(
            "Nothing was recorded: %(problems)s of %(lines)s lines of %(source)s have problems. "
            "Fix them and send the whole list again.",
            **values,
        )
    shown: list[Message | Lines | str] = [head]
    shown += [
        Message("Line %(line)s: %(reason)s", line=p.line, reason=p.reason)
        for p in problems[:SHOWN_PROBLEMS]
    ]
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(
            Message("… and %(more)s more lines with problems.", more=len(problems) - SHOWN_PROBLEMS)
        )
    return Lines(shown)

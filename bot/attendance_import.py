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

from bot.attendance import AttendanceSheet, LineProblem, parse_attendance, too_large
from bot.command_request import Request
from bot.context import Core
from bot.errors import InputError
from bot.hours import format_hours
from bot.recording import record_day
from storage import audit, queries
from storage.db import transaction
from storage.tables import Activity, Person, Project

WHAT = "Importing attendance lists"
SHOWN_PROBLEMS = 200  # beyond that the list is wrong as a whole, not line by line

T = TypeVar("T")


async def import_upload(request: Request, filename: str | None, content: bytes) -> str:
    """An uploaded list (chat) or a read file (shell), for a coordinator of the project."""
    project = request.need("coordinator", WHAT)
    sheet = parse_attendance(filename, content)
    return await import_attendance(
        request.core,
        project,
        sheet,
        actor=request.actor.name,
        source=filename or "the list",
        digest=hashlib.sha256(content).hexdigest(),
    )


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
        raise InputError(f"Cannot read {path}: {error.strerror or error}.") from None
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
    source: str,
    digest: str,
) -> str:
    """Record every line of ``sheet`` with one audit event, or nothing and say why."""
    assert project.id is not None
    project_id = project.id
    now = core.clock()
    problems = list(sheet.problems)
    people: dict[str, Person | InputError] = {}
    activities: dict[str, Activity | InputError] = {}
    seen: dict[tuple[int | None, int | None, date], int] = {}
    warnings: dict[str, str] = {}
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
                        f"Line {seen[key]} has {person.ref} on {activity.ref} on {row.day} "
                        "already; write one line per person, activity and day."
                    )
                recorded = await record_day(
                    session, project, person, activity, row.day, row.minutes, now=now
                )
                await session.flush()  # the next line's rules must see this one
            except InputError as error:
                problems.append(LineProblem(row.line, str(error)))
                continue
            seen[key] = row.line
            minutes += row.minutes
            for warning in recorded.warnings:
                warnings[person.ref] = f"{person.ref}: {warning}"
        lines = len(sheet.rows) + len(sheet.problems)
        if problems:
            raise InputError(_refusal(problems, lines, source))  # rolls everything back
        audit.record(
            session,
            at=now,
            actor=actor,
            action="hours.import",
            project_id=project.id,
            file=source[:200],
            sha256=digest,
            lines=lines,
            minutes=minutes,
        )
    count = len({person_id for person_id, _, _ in seen})
    answer = (
        f"Recorded {lines} {'line' if lines == 1 else 'lines'} from {source}: "
        f"{format_hours(minutes)} h "
        f"for {count} {'person' if count == 1 else 'people'}."
    )
    return "\n".join([answer, *warnings.values()])


def _refusal(problems: list[LineProblem], lines: int, source: str) -> str:
    problems = sorted(problems, key=lambda problem: problem.line)
    head = (
        f"Nothing was recorded: {len(problems)} of {lines} lines of {source} "
        f"{'has a problem' if len(problems) == 1 else 'have problems'}. "
        "Fix them and send the whole list again."
    )
    shown = [f"Line {p.line}: {p.reason}" for p in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(f"… and {len(problems) - SHOWN_PROBLEMS} more lines with problems.")
    return "\n".join([head, *shown])

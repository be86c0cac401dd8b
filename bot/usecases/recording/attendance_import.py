"""Recording a whole attendance list at once: every line checked, all or nothing.

Each line goes through the same ``record_day`` as ``/hours``, inside one transaction, so
every hours rule sees the database plus the lines before it (two lines on one day add
up; a week cap counts the file and what is recorded already). One bad line and the
transaction rolls back; the answer then names every bad line, so the coordinator fixes
the list once instead of once per mistake.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from bot.core import counts
from bot.core.attendance import AttendanceSheet, LineProblem
from bot.core.errors import InputError
from bot.core.i18n import Hours, Lines, Message, Plural, Translatable
from bot.usecases.context import Core
from bot.usecases.recording.hours import record_day
from bot.usecases.roster.find import find_activity, find_person
from storage import audit
from storage.db import transaction
from storage.tables import Activity, Person, Project

SHOWN_PROBLEMS = 200  # beyond that the list is wrong as a whole, not line by line

T = TypeVar("T")


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

        def person_named(text: str) -> Awaitable[Person]:
            return find_person(session, project, text)

        def activity_named(text: str) -> Awaitable[Activity]:
            return find_activity(session, project_id, text)

        for row in sheet.rows:
            try:
                person = await _cached(people, row.person, person_named)
                activity = await _cached(activities, row.activity, activity_named)
                key = (person.id, activity.id, row.day)
                if key in seen:
                    raise InputError(
                        Message(
                            "Line %(first)s has %(person)s on %(activity)s on %(day)s already; "
                            "write one line per person, activity and day.",
                            first=seen[key],
                            person=person.ref,
                            activity=activity.ref,
                            day=row.day.isoformat(),
                        )
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
    answer = Message(
        "Recorded %(lines)s from %(source)s: %(hours)s for %(people)s.",
        lines=counts.lines(lines),
        source=shown_source,
        hours=Hours(minutes),
        people=counts.people(len({person_id for person_id, _, _ in seen})),
    )
    return Lines([answer, *warnings.values()])


def _refusal(problems: list[LineProblem], lines: int, source: str | Message) -> Lines:
    problems = sorted(problems, key=lambda problem: problem.line)
    head = Plural(
        "Nothing was recorded: %(n)s of %(lines)s lines of %(source)s has a problem. "
        "Fix them and send the whole list again.",
        "Nothing was recorded: %(n)s of %(lines)s lines of %(source)s have problems. "
        "Fix them and send the whole list again.",
        n=len(problems),
        lines=lines,
        source=source,
    )
    shown: list[Translatable | str] = [head]
    shown += [
        Message("Line %(line)s: %(reason)s", line=p.line, reason=p.reason)
        for p in problems[:SHOWN_PROBLEMS]
    ]
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(
            Plural(
                "… and %(n)s more line with problems.",
                "… and %(n)s more lines with problems.",
                n=len(problems) - SHOWN_PROBLEMS,
            )
        )
    return Lines(shown)

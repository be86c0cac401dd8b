"""Per-project settings coordinators change from the chat: reminders and the scheduled close."""

from __future__ import annotations

import re
from datetime import time

from bot.context import Core
from bot.errors import InputError
from storage import audit, queries
from storage.db import transaction
from storage.tables import Project

_HOURS = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_window(text: str) -> tuple[int, int]:
    """``9-19``: reminders from 09:00 up to (not including) 19:00, local time."""
    match = _HOURS.match(text)
    if not match:
        raise InputError(f"'{text[:20]}' is not an hour window; write it like 9-19.")
    start, end = int(match.group(1)), int(match.group(2))
    if not 0 <= start < end <= 24:
        raise InputError("The window's first hour must come before its last, within 0-24.")
    return start, end


def parse_clock(text: str) -> time:
    match = _CLOCK.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InputError(f"'{text[:20]}' is not a time of day; write it like 08:00.")
    return time(int(match.group(1)), int(match.group(2)))


def _whole(text: str, what: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise InputError(f"{what} is a whole number from {low} to {high}.")
    return int(text)


async def set_reminders(
    core: Core, project: Project, first: str, every: str, most: str, window: str, *, actor: str
) -> Project:
    values: dict[str, object] = {
        "reminder_first_days": _whole(first, "The first reminder's delay in days", 1, 30),
        "reminder_every_days": _whole(every, "The days between reminders", 1, 30),
        "reminder_max": _whole(most, "The number of reminders", 0, 10),
    }
    values["reminder_from_hour"], values["reminder_until_hour"] = parse_window(window)
    return await _update(core, project, values, action="project.reminders", actor=actor)


async def set_close(core: Core, project: Project, args: list[str], *, actor: str) -> Project:
    if args == ["off"]:
        values: dict[str, object] = {"close_day": None, "close_time": None}
    elif len(args) == 2:
        values = {
            "close_day": _whole(args[0], "The close day", 1, 31),
            "close_time": parse_clock(args[1]),
        }
    else:
        raise InputError("Usage: /project set close <day 1-31> <HH:MM> | off")
    return await _update(core, project, values, action="project.close_schedule", actor=actor)


async def _update(
    core: Core, project: Project, values: dict[str, object], *, action: str, actor: str
) -> Project:
    now = core.clock()
    async with transaction(core.sessions) as session:
        current = await queries.project_by_code(session, project.code)
        assert current is not None
        for name, value in values.items():
            setattr(current, name, value)
        session.add(current)
        audit.record(
            session,
            at=now,
            actor=actor,
            action=action,
            project_id=current.id,
            **{k: str(v) for k, v in values.items()},
        )
    return current


def describe(project: Project) -> str:
    close = (
        f"day {project.close_day} of the next month at {project.close_time:%H:%M}"
        if project.close_day is not None and project.close_time is not None
        else "off (close with /close)"
    )
    return (
        f"{project.code} {project.name}: {project.country}, {project.time_zone}, "
        f"{project.language}, {project.programme_period}.\n"
        f"Reminders: first after {project.reminder_first_days} days, then every "
        f"{project.reminder_every_days} days, at most {project.reminder_max}, "
        f"{project.reminder_from_hour:02d}:00-{project.reminder_until_hour:02d}:00 "
        "on working days.\n"
        f"Scheduled close: {close}."
    )

"""Per-project settings coordinators change from the chat: reminders and the scheduled close."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import time

from bot.core.access import ROLE_NAMES
from bot.core.errors import InputError
from bot.core.i18n import Joined, Lines, Message, Plural
from bot.core.suggest import not_a_choice
from bot.usecases.context import Core
from storage import audit, notices, queries
from storage.db import transaction
from storage.tables import Project

_HOURS = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_window(text: str) -> tuple[int, int]:
    """``9-19``: reminders from 09:00 up to (not including) 19:00, local time."""
    match = _HOURS.match(text)
    if not match:
        raise InputError(
            Message("'%(text)s' is not an hour window; write it like 9-19.", text=text[:20])
        )
    start, end = int(match.group(1)), int(match.group(2))
    if not 0 <= start < end <= 24:
        raise InputError(Message("The window's first hour must come before its last, within 0-24."))
    return start, end


def parse_clock(text: str) -> time:
    match = _CLOCK.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InputError(
            Message("'%(text)s' is not a time of day; write it like 08:00.", text=text[:20])
        )
    return time(int(match.group(1)), int(match.group(2)))


def _whole(text: str, what: Message, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise InputError(
            Message(
                "%(what)s is a whole number from %(low)s to %(high)s.",
                what=what,
                low=low,
                high=high,
            )
        )
    return int(text)


async def set_reminders(
    core: Core, project: Project, first: str, every: str, most: str, window: str, *, actor: str
) -> Project:
    values: dict[str, object] = {
        "reminder_first_days": _whole(first, Message("The first reminder's delay in days"), 1, 30),
        "reminder_every_days": _whole(every, Message("The days between reminders"), 1, 30),
        "reminder_max": _whole(most, Message("The number of reminders"), 0, 10),
    }
    values["reminder_from_hour"], values["reminder_until_hour"] = parse_window(window)
    return await _update(core, project, values, action="project.reminders", actor=actor)


async def set_close(core: Core, project: Project, args: list[str], *, actor: str) -> Project:
    if args == ["off"]:
        values: dict[str, object] = {"close_day": None, "close_time": None}
    elif len(args) == 2:
        values = {
            "close_day": _whole(args[0], Message("The close day"), 1, 31),
            "close_time": parse_clock(args[1]),
        }
    else:
        raise InputError(Message("Usage: /project set close <day 1-31> <HH:MM> | off"))
    return await _update(core, project, values, action="project.close_schedule", actor=actor)


SATURDAY_CHOICES = {"warn": False, "refuse": True}


async def set_saturdays(core: Core, project: Project, args: list[str], *, actor: str) -> Project:
    """Saturday hours of activities not held at weekends: a warning, or a refusal."""
    if len(args) != 1 or args[0].lower() not in SATURDAY_CHOICES:
        word = " ".join(args) or "-"
        raise not_a_choice(word, list(SATURDAY_CHOICES), Message("a choice for Saturdays"))
    values: dict[str, object] = {"refuse_saturdays": SATURDAY_CHOICES[args[0].lower()]}
    return await _update(core, project, values, action="project.saturdays", actor=actor)


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


async def show(core: Core, project: Project) -> Lines:
    """``/project show``: the settings, and who hears the project's notices."""
    assert project.id is not None
    async with core.sessions() as session:
        readers = await notices.recipients(session, project.id)
    return Lines([describe(project), notice_readers(readers)])


def notice_readers(readers: Sequence[notices.Recipient]) -> Message:
    if not readers:
        return Message(
            "Notices (disputes, failed deliveries, opt-outs) reach nobody: add a coordinator "
            "with /coordinator add <telegram id> coordinator."
        )
    return Message(
        "Notices (disputes, failed deliveries, opt-outs) go to %(readers)s.",
        readers=Joined(
            [
                Message(
                    "%(role)s %(id)s", role=ROLE_NAMES[reader.role], id=str(reader.telegram_user_id)
                )
                for reader in readers
            ],
            ", ",
        ),
    )


def describe(project: Project) -> Lines:
    """The project's settings, as a coordinator reads them."""
    close = (
        Message(
            "day %(day)s of the next month at %(time)s",
            day=project.close_day,
            time=f"{project.close_time:%H:%M}",
        )
        if project.close_day is not None and project.close_time is not None
        else Message("off (close with /close)")
    )
    window = f"{project.reminder_from_hour:02d}:00-{project.reminder_until_hour:02d}:00"
    return Lines(
        [
            Message(
                "%(code)s %(name)s: %(country)s, %(zone)s, %(language)s, %(period)s.",
                code=project.code,
                name=project.name,
                country=project.country,
                zone=project.time_zone,
                language=project.language,
                period=project.programme_period,
            ),
            Message(
                "Reminders: %(first)s, %(every)s, at most %(most)s, %(window)s on working days.",
                first=Plural(
                    "first after %(n)s day", "first after %(n)s days", n=project.reminder_first_days
                ),
                every=Plural(
                    "then every day", "then every %(n)s days", n=project.reminder_every_days
                ),
                most=project.reminder_max,
                window=window,
            ),
            Message("Scheduled close: %(close)s.", close=close),
            Message("Saturday hours of activities not held at weekends: refused.")
            if project.refuse_saturdays
            else Message(
                "Saturday hours of activities not held at weekends: accepted with a warning."
            ),
        ]
    )

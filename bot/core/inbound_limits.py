"""How many messages one sender (and one project) may send before we stop answering.

Counted in fixed windows (this minute, this UTC day, this hour) whose counts the
storage layer keeps, so a limit holds across every web process. A sender is named in a
window's key only by a digest: the counts table holds no phone numbers or chat ids.
Plain values only: no database, no vendor.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class InboundLimits:
    """Defaults a participant never meets: ten messages a minute is a person typing
    fast, a hundred a day one who argues at length. Coordinators (staff) type commands
    and press page buttons, so they get more."""

    per_minute: int = 10
    per_day: int = 100
    staff_per_minute: int = 60
    staff_per_day: int = 2000
    project_per_minute: int = 600
    project_per_day: int = 50_000
    unknown_answers_per_hour: int = 1


@dataclass(frozen=True)
class Window:
    key: str
    start: datetime
    limit: int


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def _hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def _day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def sender_windows(
    limits: InboundLimits, channel: str, sender: str, now: datetime, *, staff: bool
) -> list[Window]:
    key = f"sender:{channel}:{_digest(sender)}"
    per_minute = limits.staff_per_minute if staff else limits.per_minute
    per_day = limits.staff_per_day if staff else limits.per_day
    return [
        Window(f"{key}:minute", _minute(now), per_minute),
        Window(f"{key}:day", _day(now), per_day),
    ]


def project_windows(limits: InboundLimits, project_id: int, now: datetime) -> list[Window]:
    key = f"project:{project_id}"
    return [
        Window(f"{key}:minute", _minute(now), limits.project_per_minute),
        Window(f"{key}:day", _day(now), limits.project_per_day),
    ]


def unknown_answer_window(
    limits: InboundLimits, channel: str, sender: str, now: datetime
) -> list[Window]:
    return [
        Window(f"unknown:{channel}:{_digest(sender)}", _hour(now), limits.unknown_answers_per_hour)
    ]


KEEP_WINDOWS = timedelta(days=2)  # the longest window is a day

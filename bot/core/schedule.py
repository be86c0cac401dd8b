"""When a project's scheduled month close is due: day N of the next month at HH:MM, local.

A day beyond the month's end (31 in November) means its last day.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.core.months import Month, current_month


def close_moment(month: Month, *, zone: str, day: int, at: time) -> datetime:
    """When ``month`` is to be closed (aware, in ``zone``): in the month after it."""
    following = month.next()
    day = max(1, min(day, following.last_day.day))
    return datetime.combine(following.first_day.replace(day=day), at, tzinfo=ZoneInfo(zone))


def month_to_close(now: datetime, *, zone: str, day: int | None, at: time | None) -> Month | None:
    """The month whose scheduled close is due at ``now`` (the previous one), or None."""
    if day is None:
        return None
    previous = current_month(now, zone).previous()
    due = close_moment(previous, zone=zone, day=day, at=at or time(0))
    return previous if now >= due else None

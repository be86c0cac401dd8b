"""When the next reminder is due: a plain function of the policy, the calendar and ``now``.

Reminders go out only on working days (Monday to Friday, not a public holiday of the
project's country) between ``from_hour`` and ``until_hour`` local time, the end
exclusive: one due at 19:00 sharp waits for 09:00 the next working day. The gap is
counted from the previous reminder actually sent (or the summary), so a reminder held
over a weekend does not make the next one follow it a day later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.rules import holiday_name

# A year of holidays and weekends cannot hide every working day for longer than this.
_SEARCH_DAYS = 60


@dataclass(frozen=True)
class ReminderPolicy:
    first_after: timedelta = timedelta(days=3)
    every: timedelta = timedelta(days=3)
    max_reminders: int = 3
    from_hour: int = 9
    until_hour: int = 19


class ReminderSettings(Protocol):
    """What a project row holds of the policy (storage.tables.Project has these)."""

    @property
    def reminder_first_days(self) -> int: ...
    @property
    def reminder_every_days(self) -> int: ...
    @property
    def reminder_max(self) -> int: ...
    @property
    def reminder_from_hour(self) -> int: ...
    @property
    def reminder_until_hour(self) -> int: ...


def policy_of(project: ReminderSettings) -> ReminderPolicy:
    return ReminderPolicy(
        first_after=timedelta(days=project.reminder_first_days),
        every=timedelta(days=project.reminder_every_days),
        max_reminders=project.reminder_max,
        from_hour=project.reminder_from_hour,
        until_hour=project.reminder_until_hour,
    )


def is_working_day(day: datetime, country: str) -> bool:
    return day.weekday() < 5 and holiday_name(country, day.date()) is None


def next_allowed(moment: datetime, *, zone: str, country: str, policy: ReminderPolicy) -> datetime:
    """The first moment at or after ``moment`` when a reminder may go out (aware UTC)."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    start, end = time(policy.from_hour), time(policy.until_hour)
    for _ in range(_SEARCH_DAYS):
        if is_working_day(local, country) and local.time() < end:
            if local.time() >= start:
                return local.astimezone(moment.tzinfo)
            opening = datetime.combine(local.date(), start, tzinfo=tz)
            return opening.astimezone(moment.tzinfo)
        local = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
    raise ValueError(f"no working day within {_SEARCH_DAYS} days of {moment}")


class WindowSettings(Protocol):
    @property
    def time_zone(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def reminder_from_hour(self) -> int: ...
    @property
    def reminder_until_hour(self) -> int: ...


def window_opening(project: WindowSettings, now: datetime) -> datetime:
    """The first moment from ``now`` on when the project's sending window is open: its
    reminder hours on working days, for all the schedule sends participants unasked."""
    policy = ReminderPolicy(
        from_hour=project.reminder_from_hour, until_hour=project.reminder_until_hour
    )
    return next_allowed(now, zone=project.time_zone, country=project.country, policy=policy)


def within_window(project: WindowSettings, now: datetime) -> bool:
    return window_opening(project, now) <= now


def next_reminder(
    now: datetime,
    *,
    zone: str,
    country: str,
    policy: ReminderPolicy,
    sent_at: datetime,
    reminders_sent: int,
    last_reminder_at: datetime | None = None,
) -> datetime | None:
    """When reminder number ``reminders_sent + 1`` is due; None once the last one went out."""
    if reminders_sent >= policy.max_reminders:
        return None
    if reminders_sent == 0 or last_reminder_at is None:
        nominal = sent_at + policy.first_after
    else:
        nominal = last_reminder_at + policy.every
    return next_allowed(max(nominal, now), zone=zone, country=country, policy=policy)

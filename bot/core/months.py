"""Calendar months, bounded in the project's time zone.

A day's hours belong to the month of the local calendar day they were worked, so
month boundaries are computed with ``zoneinfo`` in the project's zone, never in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import InputError
from bot.core.i18n import Message

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.match(text.strip())
        # Up to 9998: December 9999 would end in a year ``date`` cannot hold.
        if (
            not match
            or not 1 <= int(match.group(2)) <= 12
            or not 2000 <= int(match.group(1)) <= 9998
        ):
            raise InputError(
                Message(
                    "'%(text)s' is not a month; write it as YYYY-MM, e.g. 2026-10.", text=text[:20]
                )
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def contains(self, day: date) -> bool:
        return (day.year, day.month) == (self.year, self.month)

    def starts_at(self, zone: str) -> datetime:
        """The first instant of the month in ``zone``, as aware UTC."""
        local = datetime(self.year, self.month, 1, tzinfo=ZoneInfo(zone))
        return local.astimezone(UTC)


def local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def current_month(now: datetime, zone: str) -> Month:
    return Month.of(local_today(now, zone))

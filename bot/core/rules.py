"""The rules hours must follow when they are recorded, each refusal naming rule and limit.

Sources (../shared/seeds): the Polish ESF standard caps training days at 8 clock hours
and internships at 8 h a day and 40 h a week (7 and 35 for a significant or moderate
disability), with no Sundays or public holidays; the Swedish council caps staff time per
calendar year by programme period (1662 h for ESF 2014-2020; 1720 h and 13 h a day for
ESF+ 2021-2027) and the owner must keep it from being exceeded, so we warn from 90 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays

from bot.core.errors import InputError
from bot.core.i18n import Hours, Message

QUARTER = 15
DAY_LIMIT = 24 * 60


@dataclass(frozen=True)
class ProgrammePeriod:
    name: str
    staff_year_minutes: int
    staff_day_minutes: int | None


PERIODS = {
    "esf-2014-2020": ProgrammePeriod("ESF 2014-2020", 1662 * 60, None),
    "esf-plus-2021-2027": ProgrammePeriod("ESF+ 2021-2027", 1720 * 60, 13 * 60),
}


@dataclass(frozen=True)
class HoursContext:
    """What the rules need to know besides the day and the minutes, all as plain values."""

    today: date  # in the project's zone
    country: str
    programme_period: str
    person_kind: str  # participant | staff
    reduced_hours: bool
    activity_kind: str
    activity_starts: date
    activity_ends: date
    allows_holidays: bool
    # A project setting: hours on a Saturday of an activity not held at weekends are
    # refused instead of accepted with a warning.
    refuse_saturdays: bool = False
    # Other recorded minutes, excluding the entry being recorded or replaced:
    same_kind_day_minutes: int = 0  # same day, activities of the same kind
    same_kind_week_minutes: int = 0  # same ISO week, activities of the same kind
    person_day_minutes: int = 0  # same day, all activities
    year_minutes: int = 0  # same calendar year, all activities


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    categories = ("public", "de_facto") if country == "SE" else ("public",)
    try:
        return holidays.country_holidays(country, years=year, categories=categories)
    except NotImplementedError:
        return holidays.country_holidays(country, years=year)


def holiday_name(country: str, day: date) -> str | None:
    try:
        name = _holidays(country.upper(), day.year).get(day)
    except NotImplementedError:  # a country the library does not know: no holidays
        return None
    return str(name) if name else None


def check_hours(day: date, minutes: int, ctx: HoursContext) -> list[Message]:
    """Raise InputError naming the first broken rule; return warnings that do not block."""
    if minutes <= 0 or minutes > DAY_LIMIT:
        raise InputError(Message("Hours must be more than 0 and at most 24 in a day."))
    if minutes % QUARTER:
        raise InputError(Message("Hours are recorded in quarter-hour steps (0.25, 0.5, 0.75)."))
    if day > ctx.today:
        raise InputError(
            Message(
                "%(day)s is in the future; hours are recorded once they are worked.",
                day=day.isoformat(),
            )
        )
    if not ctx.activity_starts <= day <= ctx.activity_ends:
        raise InputError(
            Message(
                "%(day)s is outside the activity's period (%(starts)s to %(ends)s).",
                day=day.isoformat(),
                starts=ctx.activity_starts.isoformat(),
                ends=ctx.activity_ends.isoformat(),
            )
        )
    if ctx.person_day_minutes + minutes > DAY_LIMIT:
        raise InputError(
            Message(
                "That makes %(total)s on %(day)s; a day has 24.",
                total=Hours(ctx.person_day_minutes + minutes),
                day=day.isoformat(),
            )
        )
    warnings = _check_saturday(day, ctx)
    if ctx.activity_kind == "internship":
        _check_internship(day, minutes, ctx)
    elif ctx.activity_kind == "training":
        day_total = ctx.same_kind_day_minutes + minutes
        if day_total > 8 * 60:
            raise InputError(
                Message(
                    "A training day lasts at most 8 h including breaks; this makes %(total)s.",
                    total=Hours(day_total),
                )
            )
    if ctx.person_kind == "staff":
        warnings += _check_staff(day, minutes, ctx)
    return warnings


def _check_saturday(day: date, ctx: HoursContext) -> list[Message]:
    """An activity that allows no holiday work is not held at weekends either: a Saturday
    is more often a slip of the date than a day worked, so the coordinator hears of it."""
    if day.weekday() != 5 or ctx.allows_holidays:
        return []
    if ctx.refuse_saturdays:
        raise InputError(
            Message(
                "%(day)s is a Saturday; this project records no Saturday hours for activities "
                "not held at weekends.",
                day=day.isoformat(),
            )
        )
    return [
        Message(
            "Note: %(day)s is a Saturday, and this activity is not normally held at weekends.",
            day=day.isoformat(),
        )
    ]


def _check_internship(day: date, minutes: int, ctx: HoursContext) -> None:
    day_cap, week_cap = (7, 35) if ctx.reduced_hours else (8, 40)
    day_total = ctx.same_kind_day_minutes + minutes
    if day_total > day_cap * 60:
        if ctx.reduced_hours:
            raise InputError(
                Message(
                    "An internship allows at most %(cap)s a day (reduced for a disability); "
                    "this makes %(total)s.",
                    cap=Hours(day_cap * 60),
                    total=Hours(day_total),
                )
            )
        raise InputError(
            Message(
                "An internship allows at most %(cap)s a day; this makes %(total)s.",
                cap=Hours(day_cap * 60),
                total=Hours(day_total),
            )
        )
    week_total = ctx.same_kind_week_minutes + minutes
    if week_total > week_cap * 60:
        year, week, _ = day.isocalendar()
        values = {"cap": Hours(week_cap * 60), "week": week, "year": year}
        if ctx.reduced_hours:
            raise InputError(
                Message(
                    "An internship allows at most %(cap)s a week (reduced for a disability); "
                    "week %(week)s of %(year)s would have %(total)s.",
                    total=Hours(week_total),
                    **values,
                )
            )
        raise InputError(
            Message(
                "An internship allows at most %(cap)s a week; "
                "week %(week)s of %(year)s would have %(total)s.",
                total=Hours(week_total),
                **values,
            )
        )
    if not ctx.allows_holidays:
        if day.weekday() == 6:
            raise InputError(
                Message(
                    "%(day)s is a Sunday; this internship does not allow Sunday work.",
                    day=day.isoformat(),
                )
            )
        name = holiday_name(ctx.country, day)
        if name:
            raise InputError(
                Message(
                    "%(day)s is a public holiday (%(holiday)s); "
                    "this internship does not allow holiday work.",
                    day=day.isoformat(),
                    holiday=name,
                )
            )


def _check_staff(day: date, minutes: int, ctx: HoursContext) -> list[Message]:
    period = PERIODS.get(ctx.programme_period, PERIODS["esf-plus-2021-2027"])
    if period.staff_day_minutes is not None:
        day_total = ctx.person_day_minutes + minutes
        if day_total > period.staff_day_minutes:
            raise InputError(
                Message(
                    "%(period)s allows staff at most %(cap)s a day; this makes %(total)s.",
                    period=period.name,
                    cap=Hours(period.staff_day_minutes),
                    total=Hours(day_total),
                )
            )
    year_total = ctx.year_minutes + minutes
    cap = period.staff_year_minutes
    if year_total > cap:
        raise InputError(
            Message(
                "%(period)s allows staff at most %(cap)s a year; %(year)s would have %(total)s.",
                period=period.name,
                cap=Hours(cap),
                year=day.year,
                total=Hours(year_total),
            )
        )
    if year_total * 10 >= cap * 9:
        return [
            Message(
                "%(year)s now has %(total)s of the %(cap)s of staff hours %(period)s allows "
                "(%(percent)s %%).",
                year=day.year,
                total=Hours(year_total),
                cap=Hours(cap),
                period=period.name,
                percent=year_total * 100 // cap,
            )
        ]
    return []

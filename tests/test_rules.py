"""Every hours rule exactly at its limit and one quarter-hour over it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.core.errors import InputError
from bot.core.i18n import Message
from bot.core.rules import HoursContext, check_hours

MONDAY = date(2026, 10, 12)
BASE = HoursContext(
    today=date(2026, 11, 3),
    country="SE",
    programme_period="esf-plus-2021-2027",
    person_kind="participant",
    reduced_hours=False,
    activity_kind="other",
    activity_starts=date(2026, 9, 1),
    activity_ends=date(2026, 12, 31),
    allows_holidays=False,
)
INTERNSHIP = replace(BASE, activity_kind="internship")
TRAINING = replace(BASE, activity_kind="training")


def ok(day: date, minutes: int, ctx: HoursContext) -> list[Message]:
    return check_hours(day, minutes, ctx)


def refused(day: date, minutes: int, ctx: HoursContext, match: str) -> None:
    with pytest.raises(InputError, match=match):
        check_hours(day, minutes, ctx)


def test_hours_are_positive_at_most_a_day_and_in_quarter_hours() -> None:
    ok(MONDAY, 24 * 60, BASE)
    ok(MONDAY, 15, BASE)
    refused(MONDAY, 24 * 60 + 15, BASE, "at most 24")
    refused(MONDAY, 0, BASE, "more than 0")
    refused(MONDAY, 20, BASE, "quarter-hour")


def test_no_future_days_and_only_inside_the_activity_period() -> None:
    ok(date(2026, 11, 3), 60, BASE)
    refused(date(2026, 11, 4), 60, BASE, "future")
    ok(date(2026, 9, 1), 60, BASE)
    refused(date(2026, 8, 31), 60, BASE, "outside the activity's period")


def test_a_person_day_never_exceeds_24_hours_across_activities() -> None:
    ctx = replace(BASE, person_day_minutes=20 * 60)
    ok(MONDAY, 4 * 60, ctx)
    refused(MONDAY, 4 * 60 + 15, ctx, "a day has 24")


def test_internship_day_cap_is_8_hours_or_7_with_disability() -> None:
    ok(MONDAY, 8 * 60, INTERNSHIP)
    refused(MONDAY, 8 * 60 + 15, INTERNSHIP, "at most 8 h a day")
    reduced = replace(INTERNSHIP, reduced_hours=True)
    ok(MONDAY, 7 * 60, reduced)
    refused(MONDAY, 7 * 60 + 15, reduced, "at most 7 h a day")


def test_internship_week_cap_is_40_hours_or_35_with_disability() -> None:
    week = replace(INTERNSHIP, same_kind_week_minutes=32 * 60)
    ok(MONDAY, 8 * 60, week)
    refused(MONDAY, 8 * 60, replace(week, same_kind_week_minutes=32 * 60 + 15), "40 h a week")
    reduced = replace(INTERNSHIP, reduced_hours=True, same_kind_week_minutes=28 * 60)
    ok(MONDAY, 7 * 60, reduced)
    refused(MONDAY, 7 * 60, replace(reduced, same_kind_week_minutes=28 * 60 + 15), "35 h a week")


def test_internship_refuses_sundays_and_public_holidays_unless_allowed() -> None:
    refused(date(2026, 10, 11), 60, INTERNSHIP, "Sunday")
    refused(date(2026, 10, 31), 60, INTERNSHIP, "public holiday")  # All Saints' Day in Sweden
    ok(date(2026, 10, 10), 60, INTERNSHIP)  # a Saturday is allowed
    allowed = replace(INTERNSHIP, allows_holidays=True)
    ok(date(2026, 10, 11), 60, allowed)
    ok(date(2026, 10, 31), 60, allowed)


def test_saturday_hours_of_an_activity_not_held_at_weekends_are_warned_or_refused() -> None:
    saturday = date(2026, 10, 10)
    [warning] = ok(saturday, 60, TRAINING)
    assert "2026-10-10 is a Saturday" in str(warning)
    assert ok(saturday, 60, replace(TRAINING, allows_holidays=True)) == []
    assert ok(MONDAY, 60, TRAINING) == []
    refused(saturday, 60, replace(TRAINING, refuse_saturdays=True), "is a Saturday")
    assert ok(MONDAY, 60, replace(TRAINING, refuse_saturdays=True)) == []


def test_polish_holidays_come_from_the_project_country() -> None:
    polish = replace(INTERNSHIP, country="PL", activity_starts=date(2026, 1, 1))
    refused(date(2026, 11, 11), 60, replace(polish, today=date(2026, 11, 20)), "public holiday")
    ok(date(2026, 10, 31), 60, polish)  # not a holiday in Poland


def test_training_day_is_at_most_8_hours() -> None:
    ctx = replace(TRAINING, same_kind_day_minutes=4 * 60)
    ok(MONDAY, 4 * 60, ctx)
    refused(MONDAY, 4 * 60 + 15, ctx, "training day lasts at most 8 h")


def test_staff_yearly_cap_follows_the_programme_period() -> None:
    staff = replace(BASE, person_kind="staff", year_minutes=1712 * 60)
    assert ok(MONDAY, 8 * 60, staff)  # exactly 1720 h: allowed, with a warning
    refused(MONDAY, 8 * 60 + 15, staff, "1,720 h a year")
    old = replace(staff, programme_period="esf-2014-2020", year_minutes=1654 * 60)
    ok(MONDAY, 8 * 60, old)
    refused(MONDAY, 8 * 60 + 15, old, "1,662 h a year")


def test_staff_get_a_warning_from_90_percent_of_the_cap() -> None:
    cap = 1720 * 60
    just_below = replace(BASE, person_kind="staff", year_minutes=cap * 9 // 10 - 60 - 15)
    assert ok(MONDAY, 60, just_below) == []
    at = replace(BASE, person_kind="staff", year_minutes=cap * 9 // 10 - 60)
    assert "90 %" in str(ok(MONDAY, 60, at)[0])


def test_esf_plus_staff_day_is_at_most_13_hours() -> None:
    staff = replace(BASE, person_kind="staff", person_day_minutes=5 * 60)
    ok(MONDAY, 8 * 60, staff)
    refused(MONDAY, 8 * 60 + 15, staff, "13 h a day")
    ok(MONDAY, 8 * 60 + 15, replace(staff, programme_period="esf-2014-2020"))

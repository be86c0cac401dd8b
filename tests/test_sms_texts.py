"""What a participant's phone shows: month-end SMS cost and GSM-7."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core import participant_texts as texts
from bot.core.code_box import CODE_MARKER
from bot.core.i18n import LANGUAGES, Translatable, hours, moment, month_name
from bot.core.own_hours import MonthState, OwnMonth
from bot.core.sms_segments import MAX_SEGMENTS, fit_sms, is_gsm7, segment_count

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NO_BREAK_SPACES = ("\u00a0", "\u202f", "\u2009")
THREE_ACTIVITIES = [
    ("Svenska för yrket", 102 * 60),
    ("Praktik lager", 82 * 60 + 30),
    ("Studie- och yrkesvägledning", 30 * 60 + 30),
]


def month_end_sms(
    language: str,
    *,
    month: date = date(2026, 10, 1),
    lines: list[tuple[str, int]] = THREE_ACTIVITIES,
    expires_at: datetime = datetime(2026, 11, 27, 20, 21, tzinfo=STOCKHOLM),
    code: str = "482915",
) -> str:
    """The text the phone receives, built as production builds it: rendered with the
    code marker (bot/closing.py), fitted when queued (storage/outbox.py), the real code
    put in at delivery (notifications/dispatcher.py)."""
    rendered = texts.month_end(
        project_name="Jobbsteget Malmö",
        month=month,
        lines=lines,
        total_minutes=sum(minutes for _, minutes in lines),
        code=CODE_MARKER,
        expires_at=expires_at,
        hash_prefix="d378a05e",
    ).text(language)
    return fit_sms(rendered).replace(CODE_MARKER, code)


@pytest.mark.parametrize("language", LANGUAGES)
def test_typical_month_end_sms_fits_in_three_segments(language: str) -> None:
    sms = month_end_sms(language)

    assert segment_count(sms) <= MAX_SEGMENTS
    assert "Jobbsteget Malmö" in sms
    assert "2026" in sms
    assert "482915" in sms
    assert CODE_MARKER not in sms
    for name, _ in THREE_ACTIVITIES:
        assert name in sms
    assert "215 h" in sms  # the total
    assert "27" in sms and "20:21" in sms  # when the code expires
    assert re.search(r"\b(NO|NEJ|NIE)\b", sms)  # how to answer


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("sv", ["oktober 2026", "102 h", "82,5 h", "30,5 h", "Totalt 215 h", "Kod 482915"]),
        ("en", ["October 2026", "102 h", "82.5 h", "30.5 h", "Total 215 h", "Code 482915"]),
        ("pl", ["2026", "102 h", "82,5 h", "30,5 h", "Razem 215 h", "Kod 482915"]),
    ],
)
def test_month_end_sms_uses_the_person_s_language(language: str, expected: list[str]) -> None:
    sms = month_end_sms(language)

    for fragment in expected:
        assert fragment in sms


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("month_number", range(1, 13))
def test_swedish_and_english_month_end_sms_stay_gsm7_all_year(
    language: str, month_number: int
) -> None:
    month = date(2026, month_number, 1)
    expires = datetime(2026, month_number, 3, 9, 5, tzinfo=STOCKHOLM)

    sms = month_end_sms(language, month=month, expires_at=expires)

    assert is_gsm7(sms), [c for c in sms if not is_gsm7(c)]


def test_polish_month_end_sms_that_would_be_long_is_folded_to_gsm7() -> None:
    raw = texts.month_end(
        project_name="Jobbsteget Malmö",
        month=date(2026, 10, 1),
        lines=THREE_ACTIVITIES,
        total_minutes=215 * 60,
        code="482915",
        expires_at=datetime(2026, 11, 27, 20, 21, tzinfo=STOCKHOLM),
        hash_prefix="d378a05e",
    ).text("pl")
    assert not is_gsm7(raw)  # październik, ważny: UCS-2 as written

    sms = month_end_sms("pl")

    assert is_gsm7(sms)
    assert segment_count(sms) < segment_count(raw)
    assert "pazdziernik 2026" in sms


@pytest.mark.parametrize("language", LANGUAGES)
def test_babel_formatting_puts_no_no_break_spaces_in_sms(language: str) -> None:
    big = [("Praktik", 1234 * 60 + 30), ("Handledning", 2000 * 60)]  # thousands separators

    pieces = [
        month_end_sms(language, lines=big),
        hours(language, 12345 * 60 + 15),
        month_name(language, date(2026, 5, 1)),
        moment(language, datetime(2026, 12, 31, 23, 59, tzinfo=STOCKHOLM)),
        texts.signed(month=date(2026, 10, 1), receipt="TS-AAAA-BBBB-CCCC", receipt_url=None).text(
            language
        ),
    ]

    for piece in pieces:
        for space in NO_BREAK_SPACES:
            assert space not in piece, repr(piece)
    if language != "pl":
        assert all(is_gsm7(piece) for piece in pieces), pieces


def test_thousands_of_hours_keep_a_plain_space_or_comma() -> None:
    assert hours("sv", 1234 * 60 + 30) == "1 234,5 h"
    assert hours("en", 1234 * 60 + 30) == "1,234.5 h"
    assert hours("pl", 1234 * 60 + 30) == "1 234,5 h"


def own_hours_sms(lines: list[tuple[str, int]]) -> Translatable:
    """HOURS over SMS: this month so far and a signed last month, as the reply builds it."""
    months = [
        OwnMonth(date(2026, 11, 1), True, tuple(lines), MonthState.OPEN),
        OwnMonth(date(2026, 10, 1), False, tuple(lines), MonthState.SIGNED, "TS-3WQY-4N0A-D1KX"),
    ]
    return texts.own_hours([("Jobbsteget Malmö", months)], sms=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_own_hours_sms_shows_each_activity_when_it_fits(language: str) -> None:
    full = fit_sms(own_hours_sms(THREE_ACTIVITIES).text(language))
    brief = fit_sms(own_hours_sms(THREE_ACTIVITIES * 3).text(language))

    assert all(name in full for name, _ in THREE_ACTIVITIES)
    assert "TS-3WQY-4N0A-D1KX" in full and "TS-3WQY-4N0A-D1KX" in brief
    assert not any(name in brief for name, _ in THREE_ACTIVITIES)
    assert "645 h" in brief  # the month's total, three times 215 h
    if language != "pl":
        assert is_gsm7(full) and is_gsm7(brief)


@pytest.mark.parametrize("language", LANGUAGES)
def test_participant_answers_fit_the_segment_budget(language: str) -> None:
    month = date(2026, 10, 1)
    answers = [
        texts.signed(
            month=month,
            receipt="TS-3WQY-4N0A-D1KX",
            receipt_url="https://timesign.example.org/r/TS-3WQY-4N0A-D1KX",
        ),
        texts.disputed(month=month),
        texts.wrong_code(tries_left=4),
        texts.wrong_code(tries_left=1),
        texts.CODE_DEAD,
        texts.CODE_EXPIRED,
        texts.HELP,
        texts.UNKNOWN_SENDER,
        texts.NOT_UNDERSTOOD,
        texts.new_code_sent(month=month),
        texts.code_still_valid(month=month, expires_at=datetime(2026, 11, 6, 10, tzinfo=STOCKHOLM)),
        texts.code_limit_reached(
            month=month, issued=3, next_at=datetime(2026, 11, 4, 10, tzinfo=STOCKHOLM)
        ),
        texts.CANNOT_REACH,
        texts.which_month_to_dispute([month, date(2026, 9, 1), date(2026, 8, 1)]),
        texts.which_month_for_a_code([month, date(2026, 9, 1)]),
        texts.month_not_waiting(date(2026, 8, 1), [month, date(2026, 9, 1)]),
        own_hours_sms(THREE_ACTIVITIES),
        own_hours_sms(THREE_ACTIVITIES * 3),  # too long per activity: totals only
    ]
    answers = [answer.text(language) for answer in answers]

    for answer in answers:
        assert segment_count(fit_sms(answer)) <= MAX_SEGMENTS, answer

"""What a participant's phone shows: month-end SMS cost, GSM-7, and complete translations."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from bot.code_box import CODE_MARKER
from notifications import texts
from notifications.sms_segments import MAX_SEGMENTS, fit_sms, is_gsm7, segment_count

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
        language,
        project_name="Jobbsteget Malmö",
        month=month,
        lines=lines,
        total_minutes=sum(minutes for _, minutes in lines),
        code=CODE_MARKER,
        expires_at=expires_at,
        hash_prefix="d378a05e",
    )
    return fit_sms(rendered).replace(CODE_MARKER, code)


@pytest.mark.parametrize("language", texts.LANGUAGES)
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
        "pl",
        project_name="Jobbsteget Malmö",
        month=date(2026, 10, 1),
        lines=THREE_ACTIVITIES,
        total_minutes=215 * 60,
        code="482915",
        expires_at=datetime(2026, 11, 27, 20, 21, tzinfo=STOCKHOLM),
        hash_prefix="d378a05e",
    )
    assert not is_gsm7(raw)  # październik, ważny: UCS-2 as written

    sms = month_end_sms("pl")

    assert is_gsm7(sms)
    assert segment_count(sms) < segment_count(raw)
    assert "pazdziernik 2026" in sms


@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_babel_formatting_puts_no_no_break_spaces_in_sms(language: str) -> None:
    big = [("Praktik", 1234 * 60 + 30), ("Handledning", 2000 * 60)]  # thousands separators

    pieces = [
        month_end_sms(language, lines=big),
        texts.hours(language, 12345 * 60 + 15),
        texts.month_name(language, date(2026, 5, 1)),
        texts.moment(language, datetime(2026, 12, 31, 23, 59, tzinfo=STOCKHOLM)),
        texts.signed(
            language, month=date(2026, 10, 1), receipt="TS-AAAA-BBBB-CCCC", receipt_url=None
        ),
    ]

    for piece in pieces:
        for space in NO_BREAK_SPACES:
            assert space not in piece, repr(piece)
    if language != "pl":
        assert all(is_gsm7(piece) for piece in pieces), pieces


def test_thousands_of_hours_keep_a_plain_space_or_comma() -> None:
    assert texts.hours("sv", 1234 * 60 + 30) == "1 234,5 h"
    assert texts.hours("en", 1234 * 60 + 30) == "1,234.5 h"
    assert texts.hours("pl", 1234 * 60 + 30) == "1 234,5 h"


@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_participant_answers_fit_the_segment_budget(language: str) -> None:
    month = date(2026, 10, 1)
    answers = [
        texts.signed(
            language,
            month=month,
            receipt="TS-3WQY-4N0A-D1KX",
            receipt_url="https://timesign.example.org/r/TS-3WQY-4N0A-D1KX",
        ),
        texts.disputed(language, month=month),
        texts.wrong_code(language, tries_left=4),
        texts.wrong_code(language, tries_left=1),
        texts.code_dead(language),
        texts.code_expired(language),
        texts.help(language),
        texts.unknown_sender(language),
        texts.not_understood(language),
    ]

    for answer in answers:
        assert segment_count(fit_sms(answer)) <= MAX_SEGMENTS, answer


# --- translations ----------------------------------------------------------------------

TEXTS_PY = Path(texts.__file__)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def msgids_used_in_texts() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for _lineno, message, _comments, _context in extract_from_file(
        "python", str(TEXTS_PY), keywords={"_": (2,), "ngettext": (1, 2)}
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def read_catalog(language: str) -> Catalog:
    path = texts.LOCALE_DIR / language / "LC_MESSAGES" / f"{texts.DOMAIN}.po"
    with path.open("rb") as po:
        return read_po(po, locale=language, domain=texts.DOMAIN)


def test_texts_py_has_messages_to_translate() -> None:
    used = msgids_used_in_texts()

    assert "Total %(hours)s" in used
    assert any(isinstance(m, tuple) for m in used)  # the wrong-code plural
    assert len(used) >= 25


@pytest.mark.parametrize("language", ["sv", "pl"])
def test_every_message_in_texts_py_is_translated(language: str) -> None:
    catalog = read_catalog(language)

    missing = []
    for used in msgids_used_in_texts():
        msgid = used if isinstance(used, str) else used[0]
        message = catalog.get(msgid)
        if message is None:
            missing.append(f"not in catalog: {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            missing.append(f"empty msgstr: {msgid!r}")
        if message.fuzzy:
            missing.append(f"fuzzy (ignored at run time): {msgid!r}")
        if isinstance(used, tuple) and not message.pluralizable:
            missing.append(f"no plural forms: {msgid!r}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("language", ["sv", "pl"])
def test_translations_keep_the_same_placeholders(language: str) -> None:
    for message in read_catalog(language):
        if not message.id:
            continue  # the header
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for translated in strings:
            assert set(PLACEHOLDER.findall(translated)) == expected, (message.id, translated)


@pytest.mark.parametrize("language", ["sv", "pl"])
def test_wrong_code_answer_is_translated_for_every_count(language: str) -> None:
    english = {texts.wrong_code("en", tries_left=n) for n in range(1, 21)}

    for n in range(1, 21):
        answer = texts.wrong_code(language, tries_left=n)
        assert str(n) in answer
        assert answer not in english

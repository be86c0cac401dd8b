"""What a participant's reply is taken for: keywords in three languages, a code inside a
short sentence, and the numbers that must never be taken for a code (each would cost
the person a try): dates, phone numbers, longer runs of digits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.replies import Intent, Reply, parse_reply


@pytest.mark.parametrize(
    "text",
    [
        "TIMMAR",
        "timmar",
        "Mina timmar",
        "HOURS",
        "my hours",
        "My Hours!",
        "GODZINY",
        "moje godziny",
        "/hours",
        "status",
    ],
)
def test_own_hours_in_every_language(text: str) -> None:
    assert parse_reply(text) == Reply(Intent.HOURS)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("NY KOD", None),
        ("ny kod", None),
        ("NEW CODE", None),
        ("new code", None),
        ("NOWY KOD", None),
        ("Nowy kod", None),
        ("NY KOD 2026-10", "2026-10"),
        ("new code 2026-09.", "2026-09"),
        ("nowy kod 2026-10", "2026-10"),
    ],
)
def test_new_code_in_every_language_and_for_a_named_month(text: str, month: str | None) -> None:
    assert parse_reply(text) == Reply(Intent.NEW_CODE, month=month)


@pytest.mark.parametrize("text", ["NY KOD tack", "new code please now", "NEW CODE 2026-13"])
def test_new_code_with_more_than_a_month_is_not_understood(text: str) -> None:
    assert parse_reply(text).intent is Intent.UNKNOWN


@pytest.mark.parametrize(
    ("text", "month", "reason"),
    [
        ("NEJ fel timmar", None, "fel timmar"),
        ("NEJ 2026-10 fel timmar", "2026-10", "fel timmar"),
        ("NO 2026-10 wrong", "2026-10", "wrong"),
        ("nie 2026-09: źle", "2026-09", "źle"),
        ("NO 2026-10", "2026-10", None),
        ("NEJ 2026-13 fel", None, "2026-13 fel"),  # not a month: part of the reason
        ("NEJ 123456 is not mine", None, "123456 is not mine"),  # NO decides: no code
    ],
)
def test_a_dispute_may_name_its_month(text: str, month: str | None, reason: str | None) -> None:
    assert parse_reply(text) == Reply(Intent.DISPUTE, reason=reason, month=month)


@pytest.mark.parametrize(
    "text",
    [
        "Kod 235183",
        "kod: 235-183",
        "kod:235183",
        "my code is 235 183",
        "Code: 235183.",
        "Min kod är 235183 tack",
        "Mój kod to 235 183",
        "235183 thanks!",
        "Hi, here is the code 23 51 83",
        # The month-end message's own line, copied: its date and time are not the code.
        "Kod 235183, giltig till 27 nov. 20:21.",
        "Code 235183, valid until 27 Nov 20:21.",
    ],
)
def test_a_code_inside_a_short_sentence_is_understood(text: str) -> None:
    assert parse_reply(text) == Reply(Intent.CODE, code="235183")


@pytest.mark.parametrize(
    "text",
    [
        "+46701234567",
        "0701234567",
        "070-123 45 67",
        "my number is +46701234567",
        "ring mig på 0701234567",
        "call me on 070 123 45 67",
        "kod +46701234567",
        "2026-10-14",
        "14.10.2026",
        "14/10/2026",
        "2026 10 14",
        "14.10",
        "I was ill on 2026-10-14",
        "jag var sjuk 14.10",
        "kod 2026-10",
        "123456789",
        "my code is 2351834",
        "my code is 23518",
        "850101-1234",
        "personnummer 19850101-1234",
        "I worked 14 hours, code is 235183 I think",  # a sentence with two numbers
        "kod 14 235183",
        "code 482915 code 111111",  # two different codes: neither is taken
        "TS-3WQY-4N0A-D1KX",
        "kvitto TS-3WQY-4N0A-D1KX",
        "kod235183",
        "١٢٣٤٥٦",
        "This is a much longer letter about my hours, which I think are wrong because I "
        "was at the dentist on Tuesday and my manager said it was fine, my code is 235183",
    ],
)
def test_dates_phone_numbers_and_long_numbers_are_never_codes(text: str) -> None:
    assert parse_reply(text).intent is not Intent.CODE


def test_a_reply_of_only_digits_keeps_its_old_tolerance() -> None:
    # A mistyped code is still a code: the answer says how many tries are left.
    assert parse_reply("1234") == Reply(Intent.CODE, code="1234")
    assert parse_reply(" 123-456 ") == Reply(Intent.CODE, code="123456")


# --- properties -------------------------------------------------------------------------
SENTENCES = ["{}", "Kod {}", "my code is {}", "kod: {}", "{} tack", "Mój kod to {}"]
codes = st.text("0123456789", min_size=6, max_size=6)


def _grouped(code: str, grouping: int) -> str:
    if grouping == 0:
        return code
    if grouping == 1:
        return f"{code[:3]} {code[3:]}"
    if grouping == 2:
        return f"{code[:3]}-{code[3:]}"
    return f"{code[:2]} {code[2:4]} {code[4:]}"


@settings(max_examples=300, deadline=None, database=None)
@given(codes, st.integers(0, 3), st.sampled_from(SENTENCES))
def test_any_code_however_grouped_in_a_short_sentence_is_read(
    code: str, grouping: int, sentence: str
) -> None:
    assert parse_reply(sentence.format(_grouped(code, grouping))) == Reply(Intent.CODE, code=code)


swedish_mobiles = st.from_regex(r"\A7[02369][0-9]{7}\Z")
polish_mobiles = st.from_regex(r"\A[5-8][0-9]{8}\Z")


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        number = draw(swedish_mobiles)
        return draw(
            st.sampled_from(
                [
                    f"+46{number}",
                    f"0{number}",
                    f"0{number[:2]}-{number[2:5]} {number[5:7]} {number[7:]}",
                    f"0046{number}",
                    f"+46 {number[:2]} {number[2:5]} {number[5:]}",
                ]
            )
        )
    number = draw(polish_mobiles)
    return draw(st.sampled_from([f"+48{number}", f"+48 {number[:3]} {number[3:6]} {number[6:]}"]))


@settings(max_examples=300, deadline=None, database=None)
@given(phone_numbers(), st.sampled_from([*SENTENCES, "ring {}", "call me at {} please"]))
def test_no_phone_number_is_ever_a_code(phone: str, sentence: str) -> None:
    assert parse_reply(sentence.format(phone)).intent is not Intent.CODE


@st.composite
def written_dates(draw: st.DrawFn) -> str:
    day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
    return draw(
        st.sampled_from(
            [
                day.isoformat(),
                f"{day:%Y-%m}",
                f"{day.day}.{day.month}.{day.year}",
                f"{day:%d.%m.%Y}",
                f"{day:%d-%m-%y}",
                f"{day:%d/%m/%Y}",
                f"{day:%d.%m}",
                f"{day:%Y %m %d}",
                f"{day:%d %m %Y}",
            ]
        )
    )


@settings(max_examples=300, deadline=None, database=None)
@given(written_dates(), st.sampled_from([*SENTENCES, "jag var sjuk {}", "ill on {}"]))
def test_no_date_is_ever_a_code(written: str, sentence: str) -> None:
    assert parse_reply(sentence.format(written)).intent is not Intent.CODE


@settings(max_examples=300, deadline=None, database=None)
@given(st.text("0123456789", min_size=9, max_size=20), st.sampled_from(SENTENCES))
def test_no_longer_run_of_digits_is_ever_a_code(digits: str, sentence: str) -> None:
    assert parse_reply(sentence.format(digits)).intent is not Intent.CODE


@settings(max_examples=500, deadline=None, database=None)
@given(st.text(max_size=200))
def test_any_text_parses_to_a_reply(text: str) -> None:
    reply = parse_reply(text)
    assert isinstance(reply.intent, Intent)
    if reply.intent is Intent.CODE:
        assert reply.code is not None and reply.code.isascii() and reply.code.isdigit()

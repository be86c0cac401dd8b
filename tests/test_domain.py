"""The pure core: months, hours, codes, summaries, replies, receipts, phones."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime

import pytest

from bot.core.codes import code_hmac, code_matches, generate_code, normalize_code
from bot.core.errors import InputError
from bot.core.evidence import Statement, new_receipt, normalize_receipt, sealed
from bot.core.hours import parse_hours
from bot.core.months import Month, current_month
from bot.core.phones import mask, to_e164
from bot.core.replies import Intent, parse_reply
from bot.core.seal_keys import new_seal_key
from bot.core.summary import SummaryDocument, WorkedDay, build_summary

KEY = b"k" * 32


def test_month_parses_only_iso_months() -> None:
    assert str(Month.parse("2026-10")) == "2026-10"
    for bad in ("2026-13", "10-2026", "2026/10", "", "2026-1", "1999-01"):
        with pytest.raises(InputError):
            Month.parse(bad)


def test_month_arithmetic_crosses_years() -> None:
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2027, 1).previous() == Month(2026, 12)
    assert Month(2024, 2).last_day == date(2024, 2, 29)


def test_month_boundary_is_local_to_the_project_zone() -> None:
    # 23:30 UTC on 31 October is already 1 November in Stockholm (UTC+1 in winter).
    late = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    assert current_month(late, "Europe/Stockholm") == Month(2026, 11)
    assert current_month(late, "UTC") == Month(2026, 10)
    assert Month(2026, 11).starts_at("Europe/Stockholm") == datetime(2026, 10, 31, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("7.5", 450), ("7,5", 450), ("7:30", 450), ("8", 480), ("0.25", 15), ("7,75", 465)],
)
def test_hours_accept_decimal_comma_and_clock(text: str, minutes: int) -> None:
    assert parse_hours(text) == minutes


@pytest.mark.parametrize("text", ["", "seven", "7:75", "-1", "7.5.1", "100"])
def test_hours_refuse_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(InputError):
        parse_hours(text)


def test_codes_have_the_configured_digits_and_come_from_the_random_source() -> None:
    rng = random.Random(7)
    codes = {generate_code(6, rng) for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 190
    assert generate_code(4, random.Random(1)) == generate_code(4, random.Random(1))


def test_code_hmac_binds_the_code_to_the_summary_hash() -> None:
    stored = code_hmac(KEY, "a" * 64, "123456")
    assert code_matches(KEY, "a" * 64, "123456", stored)
    assert not code_matches(KEY, "b" * 64, "123456", stored)
    assert not code_matches(KEY, "a" * 64, "123457", stored)
    assert "123456" not in stored


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("123 456", "123456"),
        ("123-456", "123456"),
        (" 1234 ", "1234"),
        ("12", None),
        ("12a456", None),
        ("١٢٣٤٥٦", None),
    ],
)
def test_normalize_code_tolerates_spaces_and_dashes(text: str, code: str | None) -> None:
    assert normalize_code(text) == code


def _days() -> list[WorkedDay]:
    return [
        WorkedDay("A-002", "Praktik", "internship", date(2026, 10, 2), 450),
        WorkedDay("A-001", "Svenska", "training", date(2026, 10, 1), 360),
        WorkedDay("A-001", "Svenska", "training", date(2026, 10, 5), 360),
    ]


def _summary(days: list[WorkedDay]) -> SummaryDocument:
    return build_summary(
        project_code="ESF-1",
        project_name="Jobbsteget",
        person_ref="P-0001",
        person_name="Anna",
        person_kind="participant",
        month=Month(2026, 10),
        days=days,
    )


def test_summary_hash_is_stable_whatever_the_order_of_entries() -> None:
    one, two = _summary(_days()), _summary(list(reversed(_days())))
    assert one.sha256 == two.sha256 and one.text == two.text
    assert one.total_minutes == 1170
    assert one.lines == (("Svenska", 720), ("Praktik", 450))


def test_summary_hash_changes_with_any_minute() -> None:
    changed = _days()
    changed[0] = WorkedDay("A-002", "Praktik", "internship", date(2026, 10, 2), 465)
    assert _summary(changed).sha256 != _summary(_days()).sha256


def test_summary_refuses_days_outside_the_month() -> None:
    with pytest.raises(ValueError, match="outside"):
        _summary([WorkedDay("A-001", "S", "training", date(2026, 11, 1), 60)])


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("123456", Intent.CODE),
        ("NO wrong", Intent.DISPUTE),
        ("nej fel", Intent.DISPUTE),
        ("Nie źle", Intent.DISPUTE),
        ("HELP", Intent.HELP),
        ("hjälp", Intent.HELP),
        ("Pomoc", Intent.HELP),
        ("STOP", Intent.STOP),
        ("stopp", Intent.STOP),
        ("START", Intent.START),
        ("hello there", Intent.UNKNOWN),
        ("stop it now", Intent.UNKNOWN),
        ("", Intent.UNKNOWN),
    ],
)
def test_replies_are_understood_in_three_languages(text: str, intent: Intent) -> None:
    assert parse_reply(text).intent is intent


def test_dispute_keeps_the_reason_and_bounds_its_length() -> None:
    assert parse_reply("NO  I was   sick").reason == "I was sick"
    assert parse_reply("NO").reason is None
    assert len(parse_reply("NO " + "x" * 5000).reason or "") == 500


def test_receipts_are_random_and_read_back_however_typed() -> None:
    receipt = new_receipt(random.Random(3))
    assert receipt.startswith("TS-") and len(receipt) == 17
    assert normalize_receipt(receipt.lower().replace("-", "")) == receipt
    assert normalize_receipt("TS-XXXX") is None
    assert normalize_receipt("../../etc/passwd") is None


def test_a_seal_covers_every_field_of_the_statement() -> None:
    key = new_seal_key()
    statement = Statement(
        project="ESF-1",
        person_ref="P-0001",
        person_name="Anna Berg",
        month="2026-10",
        version=1,
        summary_sha256="ab" * 32,
        channel="sms",
        sender="+46701234567",
        provider_message_id="SM1",
        signed_at=datetime(2026, 11, 3, 9, 0, tzinfo=UTC),
        receipt="TS-1",
        key_id=key.key_id,
    )
    text, seal = sealed(statement, key)
    assert Statement.parse(text) == statement
    assert key.public.verify(text.encode(), seal)
    for field, value in (("person_name", "Someone"), ("version", 2), ("sender", "+4670")):
        changed = dataclasses.replace(statement, **{field: value})
        assert not key.public.verify(changed.canonical(), seal)
    assert Statement.parse('{"type": "other"}') is None and Statement.parse("{") is None


def test_phones_are_stored_as_e164_and_masked_in_output() -> None:
    assert to_e164("070-123 45 67", "SE") == "+46701234567"
    assert to_e164("+48 601 234 563", "SE") == "+48601234563"
    with pytest.raises(InputError):
        to_e164("12345", "SE")
    with pytest.raises(InputError):
        to_e164("not a number", "SE")
    assert mask("+46701234567") == "+46*******67"

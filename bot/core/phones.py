"""Phone numbers: parsed with the project's country as default region, kept as E.164."""

from __future__ import annotations

import phonenumbers

from bot.core.errors import InputError
from bot.core.i18n import Message


def to_e164(raw: str, country: str) -> str:
    try:
        number = phonenumbers.parse(raw, country.upper())
    except phonenumbers.NumberParseException:
        raise InputError(
            Message("That is not a phone number; write it like +46701234567 or 070-123 45 67.")
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InputError(
            Message("That phone number is not valid; check the digits and the country code.")
        )
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def try_e164(raw: str, country: str) -> str | None:
    try:
        return to_e164(raw, country)
    except InputError:
        return None


def mask(address: str) -> str:
    """An address fit for logs and receipts: only the last two digits are shown."""
    if len(address) <= 4:
        return "***"
    return address[:3] + "*" * (len(address) - 5) + address[-2:]


def language_for_number(e164: str) -> str:
    """A guess at the language of an unknown sender, from the country calling code."""
    if e164.startswith("+46"):
        return "sv"
    if e164.startswith("+48"):
        return "pl"
    return "en"

"""Hours as people write them: "7.5", "7,5" and "7:30" all mean seven and a half hours.

Stored as integer minutes, so sums are exact and never drift the way floats do.
"""

from __future__ import annotations

import re

from bot.core.errors import InputError
from bot.core.i18n import Message

_DECIMAL = re.compile(r"^(\d{1,2})(?:[.,](\d{1,2}))?$")
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")


def parse_hours(text: str) -> int:
    """Minutes in ``text``; refuses anything that is not a plain amount of hours."""
    cleaned = text.strip().lower().removesuffix("h").strip()
    if match := _CLOCK.match(cleaned):
        return int(match.group(1)) * 60 + int(match.group(2))
    if match := _DECIMAL.match(cleaned):
        whole, fraction = match.group(1), match.group(2) or "0"
        scale: int = 10 ** len(fraction)
        return int(whole) * 60 + round(int(fraction) * 60 / scale)
    raise InputError(
        Message("'%(text)s' is not an amount of hours; write 7.5, 7,5 or 7:30.", text=text[:20])
    )

"""One-time signing codes: generated from an injected random source, kept only as HMACs,
and recognised in what people type.

The HMAC covers the summary's SHA-256 as well as the code, so a code can only ever
sign the exact content it was sent with: if the summary changes, no stored code matches.

Recognising a code is the risky half: every number taken for a code costs the person a
try, so a date, a phone number or a longer run of digits is never one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Protocol

_SEPARATORS = re.compile(r"[\s\-.]+")
# Digit groups joined by spaces or one dash or dot ("235 183", "235-183"), touching no
# letter, digit or plus sign: "+46701234567" and the "4N0A" of a receipt hold no run.
_RUN = re.compile(r"(?<![\w+])[0-9]+(?:(?:[ \t]*[-.][ \t]*|[ \t]+)[0-9]+)*(?!\w)")
_GROUP = re.compile(r"[0-9]+")
# Dates as people write them: 2026-10-14, 2026-10, 14.10.2026, 14-10-26, 14.10, and with
# spaces only when a four-digit year makes it a date (2026 10 14, 14 10 2026).
_DATES = (
    re.compile(r"^(?P<y>\d{4})\s*[-./]\s*(?P<m>\d{1,2})(?:\s*[-./]\s*(?P<d>\d{1,2}))?$"),
    re.compile(r"^(?P<d>\d{1,2})\s*[-./]\s*(?P<m>\d{1,2})(?:\s*[-./]\s*(?P<y>\d{2}|\d{4}))?$"),
    re.compile(r"^(?P<y>\d{4})\s+(?P<m>\d{1,2})\s+(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})\s+(?P<m>\d{1,2})\s+(?P<y>\d{4})$"),
)
# Words that name the code right before it, as our messages do ("Kod 235183, giltig
# till ..."): a labelled code is taken even when the copied line holds other numbers.
_LABELS = {"KOD", "KODEN", "KODU", "CODE"}
MAX_SENTENCE = 160  # characters: a code is looked for in a short sentence, not a letter
MAX_OTHER_WORDS = 8


class RandomSource(Protocol):
    def randrange(self, stop: int, /) -> int: ...


def generate_code(digits: int, rng: RandomSource) -> str:
    return f"{rng.randrange(10**digits):0{digits}d}"


def normalize_code(text: str) -> str | None:
    """The digits of a reply that looks like a code ("123 456", "123-456"), else None."""
    candidate = _SEPARATORS.sub("", text)
    if 4 <= len(candidate) <= 8 and candidate.isascii() and candidate.isdigit():
        return None if looks_like_date(text.strip()) else candidate
    return None


def looks_like_date(text: str) -> bool:
    for pattern in _DATES:
        found = pattern.match(text)
        if found is None:
            continue
        day, month = found.group("d"), int(found.group("m"))
        if 1 <= month <= 12 and (day is None or 1 <= int(day) <= 31):
            return True
    return False


def code_in_sentence(text: str, digits: int) -> str | None:
    """The code in a short sentence ("Kod 235183", "my code is 235 183"), else None.

    The code is the sentence's one run of digits, of exactly ``digits`` digits, written
    as one group or in even groups ("235 183", "23 51 83"); a run right after the word
    "code" (our own message's line, copied) may share the sentence with other numbers."""
    if len(text) > MAX_SENTENCE:
        return None
    runs = list(_RUN.finditer(text))
    labelled = [run for run in runs if _word(text[: run.start()].split()[-1:]) in _LABELS]
    if labelled:
        found = {_code_shaped(run.group(), digits) for run in labelled}
        return found.pop() if len(found) == 1 else None
    if len(runs) != 1:
        return None
    rest = (text[: runs[0].start()] + " " + text[runs[0].end() :]).split()
    if len(rest) > MAX_OTHER_WORDS or any(c.isdigit() for word in rest for c in word):
        return None
    return _code_shaped(runs[0].group(), digits)


def _code_shaped(run: str, digits: int) -> str | None:
    groups = _GROUP.findall(run)
    sizes = {len(group) for group in groups}
    if len(groups) > 1 and (min(sizes) < 2 or max(sizes) - min(sizes) > 1):
        return None  # "14 235183", "2026-13": a number beside a number, not a code
    code = "".join(groups)
    if len(code) != digits or looks_like_date(run):
        return None
    return code


def _word(words: list[str]) -> str:
    """The last of ``words`` (if any), as a label would be compared."""
    return words[-1].upper().strip(".,!:;()\"'") if words else ""


def code_hmac(key: bytes, summary_sha256: str, code: str) -> str:
    message = f"timesign-code:{summary_sha256}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_matches(key: bytes, summary_sha256: str, typed: str, stored_hmac: str) -> bool:
    # compare_digest: the time taken must not reveal how much of the HMAC matched.
    return hmac.compare_digest(code_hmac(key, summary_sha256, typed), stored_hmac)

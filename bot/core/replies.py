"""What a participant's reply means, the same for SMS and Telegram.

Keywords are matched in Swedish, English and Polish, case- and accent-insensitively,
because basic phones often cannot type Å or Ä and people write "hjalp" or "nej". A
keyword decides before a code is looked for in a sentence: "NEJ 2026-10 ..." names a
month, it holds no code.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.core.codes import code_in_sentence, normalize_code
from bot.core.errors import InputError
from bot.core.months import Month


class Intent(StrEnum):
    CODE = "code"
    DISPUTE = "dispute"
    HOURS = "hours"
    NEW_CODE = "new_code"
    HELP = "help"
    STOP = "stop"
    START = "start"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reply:
    intent: Intent
    code: str | None = None
    reason: str | None = None
    month: str | None = None  # "2026-10": the month a dispute or a new code is for


# Twilio's own opt-out keywords are included: a carrier-level STOP must be recorded too.
_STOP = {"STOP", "STOPP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "AVSLUTA"}
_START = {"START", "UNSTOP", "BORJA", "RESUME"}
_HELP = {"HELP", "HJALP", "POMOC", "INFO", "?"}
_DISPUTE = {"NO", "NEJ", "NIE"}
# Whole replies, word by word as folded; "/hours" too, as a Telegram habit typed in an SMS.
_HOURS = {
    ("TIMMAR",),
    ("HOURS",),
    ("GODZINY",),
    ("STATUS",),
    ("/HOURS",),
    ("MINA", "TIMMAR"),
    ("MY", "HOURS"),
    ("MOJE", "GODZINY"),
}
_NEW_CODE = {("NY", "KOD"), ("NEW", "CODE"), ("NOWY", "KOD")}  # and optionally a month
MAX_REASON = 500


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.upper())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip(".,!:;")


def _month(word: str) -> str | None:
    """``word`` as a month ("2026-10"), or None when it is none."""
    try:
        return str(Month.parse(word.strip(".,!:;")))
    except InputError:
        return None


def parse_reply(text: str, *, code_digits: int = 6) -> Reply:
    """``code_digits``: the length of the codes we send, the only length a code inside a
    sentence may have (a reply that is nothing but digits may be a mistyped code)."""
    stripped = text.strip()
    code = normalize_code(stripped)
    if code is not None:
        return Reply(Intent.CODE, code=code)
    words = stripped.split()
    folded = tuple(_fold(word) for word in words)
    if folded and folded[0] in _DISPUTE:
        rest = words[1:]
        month = _month(rest[0]) if rest else None
        reason = " ".join(rest[1:] if month else rest)[:MAX_REASON]
        return Reply(Intent.DISPUTE, reason=reason or None, month=month)
    if folded in _HOURS:
        return Reply(Intent.HOURS)
    if folded[:2] in _NEW_CODE and len(words) <= 3:
        month = _month(words[2]) if len(words) == 3 else None
        if len(words) == 2 or month:
            return Reply(Intent.NEW_CODE, month=month)
    if len(folded) == 1 and folded[0] in _STOP:
        return Reply(Intent.STOP)
    if len(folded) == 1 and folded[0] in _START:
        return Reply(Intent.START)
    if len(folded) == 1 and folded[0] in _HELP:
        return Reply(Intent.HELP)
    code = code_in_sentence(stripped, code_digits)
    if code is not None:
        return Reply(Intent.CODE, code=code)
    return Reply(Intent.UNKNOWN)

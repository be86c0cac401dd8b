"""What a participant's reply means, the same for SMS and Telegram.

Keywords are matched in Swedish, English and Polish, case- and accent-insensitively,
because basic phones often cannot type Å or Ä and people write "hjalp" or "nej".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.core.codes import normalize_code


class Intent(StrEnum):
    CODE = "code"
    DISPUTE = "dispute"
    HELP = "help"
    STOP = "stop"
    START = "start"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reply:
    intent: Intent
    code: str | None = None
    reason: str | None = None


# Twilio's own opt-out keywords are included: a carrier-level STOP must be recorded too.
_STOP = {"STOP", "STOPP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "AVSLUTA"}
_START = {"START", "UNSTOP", "BORJA", "RESUME"}
_HELP = {"HELP", "HJALP", "POMOC", "INFO", "?"}
_DISPUTE = {"NO", "NEJ", "NIE"}
MAX_REASON = 500


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.upper())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip(".,!:;")


def parse_reply(text: str) -> Reply:
    stripped = text.strip()
    code = normalize_code(stripped)
    if code is not None:
        return Reply(Intent.CODE, code=code)
    first, _, rest = stripped.partition(" ")
    if "\n" in first:
        first, _, more = first.partition("\n")
        rest = f"{more} {rest}".strip()
    keyword = _fold(first)
    if keyword in _DISPUTE:
        reason = " ".join(rest.split())[:MAX_REASON]
        return Reply(Intent.DISPUTE, reason=reason or None)
    if rest.strip():
        return Reply(Intent.UNKNOWN)
    if keyword in _STOP:
        return Reply(Intent.STOP)
    if keyword in _START:
        return Reply(Intent.START)
    if keyword in _HELP:
        return Reply(Intent.HELP)
    return Reply(Intent.UNKNOWN)

"""SMS segments: what a text costs, and making a long one fit.

GSM-7 carries 160 characters in one segment (153 per part when concatenated); one
character outside it, even a no-break space, switches the whole SMS to UCS-2 with 70
(67) per segment. Polish letters are outside GSM-7, so a Polish month-end message that
would need more than ``MAX_SEGMENTS`` is sent without diacritics, as Polish SMS often are.
"""

from __future__ import annotations

import unicodedata

MAX_SEGMENTS = 3

# GSM 03.38 basic character set (the escape position 0x1B excluded).
_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs an escape plus the character, two septets.
_EXTENDED = set("^{}\\[~]|€\f")
# Letters a plain fold to ASCII would lose or that NFKD does not decompose.
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "đ": "d", "ß": "ss"})


_GSM7 = frozenset(_BASIC | _EXTENDED)


def is_gsm7(text: str) -> bool:
    return _GSM7.issuperset(text)


def segment_count(text: str) -> int:
    if not text:
        return 1
    if is_gsm7(text):
        septets = len(text) + sum(text.count(c) for c in _EXTENDED)
        return 1 if septets <= 160 else -(-septets // 153)
    units = len(text.encode("utf-16-le")) // 2  # an emoji is two UTF-16 code units
    return 1 if units <= 70 else -(-units // 67)


def fold_to_gsm7(text: str) -> str:
    """Drop diacritics that GSM-7 lacks, keeping the ones it has (å, ä, ö, é, ü ...)."""
    out = []
    for char in text.translate(_FOLD):
        if char in _BASIC or char in _EXTENDED:
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and is_gsm7(base) else "?")
    return "".join(out)


def fit_sms(text: str) -> str:
    """``text`` itself when it fits in MAX_SEGMENTS, else its GSM-7 fold if that fits better."""
    if segment_count(text) <= MAX_SEGMENTS:
        return text
    folded = fold_to_gsm7(text)
    return folded if segment_count(folded) < segment_count(text) else text

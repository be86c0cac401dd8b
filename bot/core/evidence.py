"""Receipt numbers and evidence seals.

A receipt number opens a page with a person's name and hours, so it must not be
guessable: 60 random bits in Crockford base32 (no I, L, O, U to misread on a phone).
The seal is an HMAC over the evidence fields: an edit made later in the database,
even by someone with write access, no longer matches it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from bot.core.codes import RandomSource
from bot.core.summary import canonical_json

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_PREFIX = "TS"


def new_receipt(rng: RandomSource) -> str:
    chars = "".join(_ALPHABET[rng.randrange(32)] for _ in range(12))
    return f"{RECEIPT_PREFIX}-{chars[0:4]}-{chars[4:8]}-{chars[8:12]}"


def normalize_receipt(text: str) -> str | None:
    """A receipt as typed (any case, with or without dashes) in canonical form, else None."""
    cleaned = text.upper().replace("-", "").replace(" ", "")
    if cleaned.startswith(RECEIPT_PREFIX):
        cleaned = cleaned[len(RECEIPT_PREFIX) :]
    cleaned = cleaned.translate(str.maketrans("IOL", "101"))
    if len(cleaned) != 12 or any(c not in _ALPHABET for c in cleaned):
        return None
    return f"{RECEIPT_PREFIX}-{cleaned[0:4]}-{cleaned[4:8]}-{cleaned[8:12]}"


class SignatureFields(Protocol):
    """What a stored signature holds (``storage.tables.Signature`` has these)."""

    @property
    def summary_id(self) -> int: ...
    @property
    def summary_sha256(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def provider_message_id(self) -> str: ...
    @property
    def signed_at(self) -> datetime: ...
    @property
    def receipt(self) -> str: ...
    @property
    def seal(self) -> str: ...


def evidence_fields(signature: SignatureFields) -> dict[str, object]:
    """The fields a seal covers; the receipt page recomputes the seal from these."""
    return {
        "summary_id": signature.summary_id,
        "summary_sha256": signature.summary_sha256,
        "channel": signature.channel,
        "sender": signature.sender,
        "provider_message_id": signature.provider_message_id,
        "signed_at": signature.signed_at.isoformat(),
        "receipt": signature.receipt,
    }


def seal(key: bytes, evidence: Mapping[str, object]) -> str:
    message = b"timesign-seal:" + canonical_json(dict(evidence)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal_matches(key: bytes, evidence: Mapping[str, object], stored: str) -> bool:
    return hmac.compare_digest(seal(key, evidence), stored)

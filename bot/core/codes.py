"""One-time signing codes: generated from an injected random source, kept only as HMACs.

The HMAC covers the summary's SHA-256 as well as the code, so a code can only ever
sign the exact content it was sent with: if the summary changes, no stored code matches.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Protocol

_SEPARATORS = re.compile(r"[\s\-.]+")


class RandomSource(Protocol):
    def randrange(self, stop: int, /) -> int: ...


def generate_code(digits: int, rng: RandomSource) -> str:
    return f"{rng.randrange(10**digits):0{digits}d}"


def normalize_code(text: str) -> str | None:
    """The digits of a reply that looks like a code ("123 456", "123-456"), else None."""
    candidate = _SEPARATORS.sub("", text)
    if 4 <= len(candidate) <= 8 and candidate.isascii() and candidate.isdigit():
        return candidate
    return None


def code_hmac(key: bytes, summary_sha256: str, code: str) -> str:
    message = f"timesign-code:{summary_sha256}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_matches(key: bytes, summary_sha256: str, typed: str, stored_hmac: str) -> bool:
    # compare_digest: the time taken must not reveal how much of the HMAC matched.
    return hmac.compare_digest(code_hmac(key, summary_sha256, typed), stored_hmac)

"""Codes in transit: an outbox row carries its code encrypted, never in clear.

The code must survive a worker restart until the provider has it, yet "codes are
stored hashed". So the row holds a Fernet token under a key derived from the secret
key, and the dispatcher erases the token as soon as the message is sent.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

CODE_MARKER = "[[CODE]]"


def _fernet(key: bytes) -> Fernet:
    derived = hashlib.sha256(b"timesign-outbox:" + key).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal_code(key: bytes, code: str) -> str:
    return _fernet(key).encrypt(code.encode()).decode()


def open_code(key: bytes, token: str) -> str | None:
    """The code, or None when the token was made with another key (a rotated secret)."""
    try:
        return _fernet(key).decrypt(token.encode()).decode()
    except InvalidToken:
        return None

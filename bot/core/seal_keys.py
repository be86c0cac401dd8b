"""Ed25519 keys that seal evidence, apart from the secret that hashes codes.

An auditor must be able to check a seal without trusting our server's word, so a seal
is a public-key signature: anyone with the published public key can check it, only the
holder of the private key can make one. A key is named by its id (the first 16 hex
digits of the SHA-256 of its raw public key), which every seal carries, so seals made
before a rotation keep verifying under the retired key.

A retired key is listed because the key that replaced it vouched for it: at a rotation
the new key signs the old one's public key. A public key that someone wrote into the
database without such a signature is not trusted, however it got there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"
KEYS_PATH = "/.well-known/timesign-keys.json"  # where a server publishes its ring
_VOUCH = b"timesign-key-vouch:"


class SealKeyError(ValueError):
    """A seal key that cannot be read; the message says what to do."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id_of(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


def fingerprint(public: bytes) -> str:
    """What a person compares by eye: 32 hex digits of the public key's SHA-256 in fours."""
    digest = hashlib.sha256(public).hexdigest()[:32].upper()
    return " ".join(digest[n : n + 4] for n in range(0, 32, 4))


@dataclass(frozen=True)
class PublicKey:
    """A published key; ``vouch`` is the newer key's signature over it (None: current)."""

    key_id: str
    public: bytes
    vouched_by: str | None = None
    vouch: str | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    @property
    def public_b64(self) -> str:
        return _b64(self.public)

    def verify(self, message: bytes, seal: str) -> bool:
        try:
            signature = unb64(seal)
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except (InvalidSignature, ValueError, binascii.Error):
            return False
        return True

    def as_json(self, *, current: bool) -> dict[str, object]:
        return {
            "key_id": self.key_id,
            "algorithm": ALGORITHM,
            "public_key": self.public_b64,
            "fingerprint": self.fingerprint,
            "status": "current" if current else "retired",
            "vouched_by": self.vouched_by,
            "vouch": self.vouch,
        }


@dataclass(frozen=True)
class SealKey:
    """The private key this server seals with."""

    private: Ed25519PrivateKey

    @property
    def public(self) -> PublicKey:
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return PublicKey(key_id_of(raw), raw)

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign(self, message: bytes) -> str:
        return _b64(self.private.sign(message))

    def vouch_for(self, older: PublicKey) -> PublicKey:
        """The older key as listed after a rotation: signed by this, its successor."""
        vouch = self.sign(_VOUCH + older.key_id.encode() + b":" + older.public)
        return PublicKey(older.key_id, older.public, vouched_by=self.key_id, vouch=vouch)

    def pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def new_seal_key() -> SealKey:
    return SealKey(Ed25519PrivateKey.generate())


def load_seal_key(setting: str) -> SealKey:
    """``TIMESIGN_SEAL_KEY``: the PEM itself, or the path of a file holding it."""
    text = setting.strip()
    if "-----BEGIN" not in text:
        path = Path(text)
        if not path.is_file():
            raise SealKeyError(
                "TIMESIGN_SEAL_KEY is neither a PEM key nor the path of a file holding one "
                "(make one with: timesign keys new)."
            )
        text = path.read_text(encoding="utf-8", errors="replace")
    try:
        private = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        raise SealKeyError("TIMESIGN_SEAL_KEY is not a readable PEM private key.") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise SealKeyError("TIMESIGN_SEAL_KEY must be an Ed25519 key (timesign keys new).")
    return SealKey(private)


@dataclass(frozen=True)
class KeyRing:
    """The keys seals are checked with: the current one, and every retired key whose
    successor vouched for it, back to the first."""

    current: PublicKey
    retired: tuple[PublicKey, ...] = ()

    def find(self, key_id: str) -> PublicKey | None:
        return next((k for k in (self.current, *self.retired) if k.key_id == key_id), None)

    def verify(self, key_id: str, message: bytes, seal: str) -> bool:
        key = self.find(key_id)
        return key is not None and key.verify(message, seal)

    def as_json(self) -> dict[str, object]:
        keys = [self.current.as_json(current=True)]
        keys += [k.as_json(current=False) for k in self.retired]
        return {"keys": keys}


def trusted_ring(current: PublicKey, listed: Iterable[PublicKey]) -> KeyRing:
    """The current key and those listed keys a trusted key vouched for, transitively."""
    trusted = {current.key_id: current}
    pending = [k for k in listed if k.key_id != current.key_id]
    retired: list[PublicKey] = []
    progress = True
    while progress:
        progress = False
        for key in list(pending):
            voucher = trusted.get(key.vouched_by or "")
            message = _VOUCH + key.key_id.encode() + b":" + key.public
            if (
                voucher is not None
                and key.vouch is not None
                and key_id_of(key.public) == key.key_id
                and voucher.verify(message, key.vouch)
            ):
                trusted[key.key_id] = key
                retired.append(key)
                pending.remove(key)
                progress = True
    return KeyRing(current, tuple(retired))


def ring_from_json(document: Mapping[str, object]) -> KeyRing:
    """A published key list (``/.well-known/timesign-keys.json``) as a ring: the keys an
    offline check uses. Retired keys count only with a valid vouch."""
    entries = document.get("keys")
    if not isinstance(entries, list) or not entries:
        raise SealKeyError("The key list has no keys.")
    keys: list[PublicKey] = []
    current: PublicKey | None = None
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("algorithm") != ALGORITHM:
            raise SealKeyError("The key list holds an entry that is not an Ed25519 key.")
        try:
            public = unb64(str(entry["public_key"]))
        except (KeyError, ValueError, binascii.Error):
            raise SealKeyError("A key in the list has no readable public key.") from None
        key = PublicKey(
            key_id_of(public),
            public,
            vouched_by=entry.get("vouched_by") or None,
            vouch=entry.get("vouch") or None,
        )
        if entry.get("status") == "current":
            current = key
        else:
            keys.append(key)
    if current is None:
        raise SealKeyError("The key list names no current key.")
    return trusted_ring(current, keys)

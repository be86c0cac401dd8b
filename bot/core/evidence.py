"""Receipt numbers and evidence seals.

A receipt number opens a page with a person's name and hours, so it must not be
guessable: 60 random bits in Crockford base32 (no I, L, O, U to misread on a phone).
A signature's evidence is a sealed ``Statement``: an edit made later in the database,
even by someone with write access, no longer matches it, and anyone holding our public
key can check that without us.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.codes import RandomSource
from bot.core.seal_keys import SealKey
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


STATEMENT_TYPE = "timesign-signature/2"


@dataclass(frozen=True)
class Statement:
    """Every fact a receipt or a certificate asserts about one signature, as sealed.

    The seal is an Ed25519 signature over ``canonical()``; it is kept beside the
    statement, so a check needs neither our database nor our secret: the stored
    document must hash to ``summary_sha256``, and the rows shown with it (person,
    project, month, version) must say what the statement says.
    """

    project: str  # the project's code
    person_ref: str
    person_name: str  # the name as signed
    month: str
    version: int
    summary_sha256: str
    channel: str
    sender: str  # phone (E.164) or Telegram chat id
    provider_message_id: str
    signed_at: datetime
    receipt: str
    key_id: str
    method: str = "code"  # a one-time code, typed back over the channel it was sent on
    # The project's evidence log as it stood with this signature's entry: whoever keeps
    # this receipt can later tell whether the history before it was rewritten.
    chain_seq: int | None = None
    chain_hash: str | None = None

    def canonical(self) -> bytes:
        return canonical_json(self.as_json()).encode()

    def as_json(self) -> dict[str, object]:
        return {
            "type": STATEMENT_TYPE,
            "project": self.project,
            "person_ref": self.person_ref,
            "person_name": self.person_name,
            "month": self.month,
            "version": self.version,
            "summary_sha256": self.summary_sha256,
            "channel": self.channel,
            "sender": self.sender,
            "provider_message_id": self.provider_message_id,
            "signed_at": self.signed_at.astimezone(UTC).isoformat(),
            "receipt": self.receipt,
            "key_id": self.key_id,
            "method": self.method,
            "chain_seq": self.chain_seq,
            "chain_hash": self.chain_hash,
        }

    @classmethod
    def parse(cls, text: str | None) -> Statement | None:
        """The statement as stored, or None when it is missing or not one of ours."""
        if not text:
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("type") != STATEMENT_TYPE:
                return None
            return cls(
                project=str(data["project"]),
                person_ref=str(data["person_ref"]),
                person_name=str(data["person_name"]),
                month=str(data["month"]),
                version=int(data["version"]),
                summary_sha256=str(data["summary_sha256"]),
                channel=str(data["channel"]),
                sender=str(data["sender"]),
                provider_message_id=str(data["provider_message_id"]),
                signed_at=datetime.fromisoformat(str(data["signed_at"])),
                receipt=str(data["receipt"]),
                key_id=str(data["key_id"]),
                method=str(data.get("method", "code")),
                chain_seq=int(data["chain_seq"]) if data.get("chain_seq") is not None else None,
                chain_hash=str(data["chain_hash"]) if data.get("chain_hash") else None,
            )
        except (KeyError, TypeError, ValueError):
            return None


def sealed(statement: Statement, key: SealKey) -> tuple[str, str]:
    """The statement as stored (canonical JSON) and its seal."""
    canonical = statement.canonical()
    return canonical.decode(), key.sign(canonical)

"""What a receipt proves, recomputed from the stored evidence every time it is shown.

A signature verifies when three things hold at once: the seal checks under one of our
keys, the stored document still hashes to the sealed value, and every row shown with it
(project, person, name, month, version, the signature's own columns) still says what
the seal covers. Any other case is "not verified", with each reason named: moving a
signature to another person, renaming them, or editing a sealed column is visible.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.evidence import Statement
from bot.core.phones import mask
from bot.core.seal_keys import KeyRing
from bot.core.summary import canonical_json, sha256_hex

LEGACY_KEY_ID = "hmac-legacy"  # seals made before public-key seals (the server's secret)


class Problem(StrEnum):
    """Why a signature does not verify; the page, the certificate and the export name it."""

    NO_STATEMENT = "the sealed statement is missing or unreadable"
    UNKNOWN_KEY = "the seal names a key that is not one of ours"
    BAD_SEAL = "the seal does not match the sealed statement"
    CONTENT_CHANGED = "the stored document no longer hashes to the signed value"
    PERSON_CHANGED = "the summary now belongs to another person than the one who signed"
    NAME_CHANGED = "the person's name is not the name as signed"
    PROJECT_CHANGED = "the summary now belongs to another project"
    MONTH_CHANGED = "the month or version is not the one signed"
    SIGNATURE_CHANGED = "the signature's stored details differ from the sealed ones"
    STATE_CHANGED = "the summary is not in a signed state"


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
    @property
    def key_id(self) -> str: ...
    @property
    def statement(self) -> str | None: ...


class SummaryFields(Protocol):
    @property
    def document(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def month(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def state(self) -> str: ...


class PersonFields(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def ref(self) -> str: ...


class ProjectFields(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def time_zone(self) -> str: ...


class ReceiptFields(Protocol):
    """The rows behind one receipt (``storage.receipts.ReceiptRecord`` has these)."""

    @property
    def signature(self) -> SignatureFields: ...
    @property
    def summary(self) -> SummaryFields: ...
    @property
    def person(self) -> PersonFields: ...
    @property
    def project(self) -> ProjectFields: ...


@dataclass(frozen=True)
class Verification:
    receipt: str
    project: str
    person: str
    month: str
    version: int
    content: dict[str, object]
    sha256: str
    channel: str
    sender: str  # masked
    signed_at_utc: datetime
    signed_at_local: datetime
    time_zone: str
    key_id: str
    summary_state: str
    problems: tuple[Problem, ...]
    statement: Statement | None

    @property
    def verified(self) -> bool:
        return not self.problems

    @property
    def content_unchanged(self) -> bool:
        return Problem.CONTENT_CHANGED not in self.problems

    @property
    def seal_valid(self) -> bool:
        return not {Problem.NO_STATEMENT, Problem.UNKNOWN_KEY, Problem.BAD_SEAL} & set(
            self.problems
        )

    def as_json(self) -> dict[str, object]:
        return {
            "receipt": self.receipt,
            "project": self.project,
            "person": self.person,
            "month": self.month,
            "version": self.version,
            "content": self.content,
            "sha256": self.sha256,
            "channel": self.channel,
            "sender": self.sender,
            "signed_at_utc": self.signed_at_utc.isoformat(),
            "signed_at_local": self.signed_at_local.isoformat(),
            "time_zone": self.time_zone,
            "key_id": self.key_id,
            "verified": self.verified,
            "content_unchanged": self.content_unchanged,
            "seal_valid": self.seal_valid,
            "problems": [p.name.lower() for p in self.problems],
            "summary_state": self.summary_state,
        }


SIGNED_STATES = ("signed", "superseded")


def verify(record: ReceiptFields, ring: KeyRing, legacy_key: bytes | None = None) -> Verification:
    """``legacy_key``: the server's secret, which checks seals made before public keys."""
    signature, summary = record.signature, record.summary
    statement = Statement.parse(signature.statement)
    problems: list[Problem] = []
    if signature.key_id == LEGACY_KEY_ID:
        if legacy_key is None or not _legacy_seal_ok(legacy_key, signature):
            problems.append(Problem.BAD_SEAL)
    elif statement is None:
        problems.append(Problem.NO_STATEMENT)
    elif ring.find(signature.key_id) is None or statement.key_id != signature.key_id:
        problems.append(Problem.UNKNOWN_KEY)
    elif not ring.verify(signature.key_id, statement.canonical(), signature.seal):
        problems.append(Problem.BAD_SEAL)
    if not sha256_hex(summary.document) == signature.summary_sha256 == summary.sha256:
        problems.append(Problem.CONTENT_CHANGED)
    if statement is not None:
        problems += _disagreements(statement, record)
    if summary.state not in SIGNED_STATES:
        problems.append(Problem.STATE_CHANGED)
    try:
        content = json.loads(summary.document)
    except ValueError:
        content = {}
    return Verification(
        receipt=signature.receipt,
        project=f"{record.project.name} ({record.project.code})",
        person=f"{record.person.name} ({record.person.ref})",
        month=summary.month,
        version=summary.version,
        content=content if isinstance(content, dict) else {},
        sha256=signature.summary_sha256,
        channel=signature.channel,
        sender=mask(signature.sender),
        signed_at_utc=signature.signed_at,
        signed_at_local=signature.signed_at.astimezone(ZoneInfo(record.project.time_zone)),
        time_zone=record.project.time_zone,
        key_id=signature.key_id,
        summary_state=summary.state,
        problems=tuple(dict.fromkeys(problems)),
        statement=statement,
    )


def _disagreements(statement: Statement, record: ReceiptFields) -> list[Problem]:
    signature, summary = record.signature, record.summary
    found: list[Problem] = []
    if statement.person_ref != record.person.ref:
        found.append(Problem.PERSON_CHANGED)
    elif statement.person_name != record.person.name:
        found.append(Problem.NAME_CHANGED)
    if statement.project != record.project.code:
        found.append(Problem.PROJECT_CHANGED)
    if (statement.month, statement.version) != (summary.month, summary.version):
        found.append(Problem.MONTH_CHANGED)
    if (
        statement.summary_sha256 != signature.summary_sha256
        or statement.channel != signature.channel
        or statement.sender != signature.sender
        or statement.provider_message_id != signature.provider_message_id
        or statement.signed_at != signature.signed_at
        or statement.receipt != signature.receipt
    ):
        found.append(Problem.SIGNATURE_CHANGED)
    return found


def _legacy_seal_ok(key: bytes, signature: SignatureFields) -> bool:
    """The HMAC seal of signatures made before public-key seals, over what it covered."""
    fields = {
        "summary_id": signature.summary_id,
        "summary_sha256": signature.summary_sha256,
        "channel": signature.channel,
        "sender": signature.sender,
        "provider_message_id": signature.provider_message_id,
        "signed_at": signature.signed_at.isoformat(),
        "receipt": signature.receipt,
    }
    message = b"timesign-seal:" + canonical_json(fields).encode()
    expected = hmac.new(key, message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.seal)

"""What a receipt proves, recomputed from the stored evidence every time it is shown."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.evidence import SignatureFields, evidence_fields, seal_matches
from bot.core.phones import mask
from bot.core.summary import sha256_hex


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
    content_unchanged: bool
    seal_valid: bool
    summary_state: str

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
            "content_unchanged": self.content_unchanged,
            "seal_valid": self.seal_valid,
            "summary_state": self.summary_state,
        }


def verify(record: ReceiptFields, key: bytes) -> Verification:
    signature, summary = record.signature, record.summary
    unchanged = sha256_hex(summary.document) == signature.summary_sha256 == summary.sha256
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
        content=content,
        sha256=signature.summary_sha256,
        channel=signature.channel,
        sender=mask(signature.sender),
        signed_at_utc=signature.signed_at,
        signed_at_local=signature.signed_at.astimezone(ZoneInfo(record.project.time_zone)),
        time_zone=record.project.time_zone,
        content_unchanged=unchanged,
        seal_valid=seal_matches(key, evidence_fields(signature), signature.seal),
        summary_state=summary.state,
    )

"""What a certificate and a month export say, as plain values: built from the evidence
by ``build``, drawn by the renderers, whose libraries are imported only when a document
is actually made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.months import Month


@dataclass(frozen=True)
class SignatureEvidence:
    signed_at_local: datetime
    channel: str
    sender_masked: str
    receipt: str
    receipt_url: str | None
    seal_valid: bool
    content_unchanged: bool
    key_fingerprint: str | None = None
    problems: tuple[str, ...] = ()  # why it does not verify, in English (the check's words)


@dataclass(frozen=True)
class Certificate:
    project_code: str
    project_name: str
    person_ref: str
    person_name: str
    person_kind: str
    month: Month
    version: int
    sha256: str
    document: str  # the summary document as stored (canonical JSON)
    state: str  # sent | signed | disputed
    signature: SignatureEvidence | None
    generated_at_local: datetime
    dispute: tuple[str, datetime] | None = None  # the reason and when, in local time

    @property
    def file_name(self) -> str:
        return f"certificate-{self.project_code}-{self.person_ref}-{self.month}.pdf"


@dataclass(frozen=True)
class PersonMonth:
    ref: str
    name: str
    kind: str
    recorded_minutes: int
    summary_minutes: int | None  # None: the month was not sent to this person
    state: str | None
    version: int | None
    signed_at_local: datetime | None
    channel: str | None
    receipt: str | None
    sha256: str | None


@dataclass(frozen=True)
class MonthExport:
    """What the export's answer says of the file: its lines are in the workbook only, a
    batch at a time, so a project of any size exports in bounded memory."""

    project_code: str
    project_name: str
    month: Month
    people: int
    recorded_minutes: int
    signed: int

    @property
    def file_name(self) -> str:
        return f"timesign-{self.project_code}-{self.month}.xlsx"

"""The evidence log: each project's events in a chain of SHA-256 hashes.

Every event a payment claim may rest on (a summary sent, a code issued, delivered, a
wrong try, signed, disputed, superseded, reissued, a person erased) is an entry that
holds the hash of the entry before it. Changing, removing or inserting an entry breaks
every hash after it; and since each signature seals the chain's head as it was at that
moment, an auditor who kept any receipt can tell that history before it was rewritten,
even by someone able to recompute every hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.core.summary import canonical_json

GENESIS = "0" * 64  # the "previous hash" of a project's first entry


class EventKind(StrEnum):
    SUMMARY_SENT = "summary_sent"
    CODE_ISSUED = "code_issued"
    DELIVERED = "delivered"
    WRONG_TRY = "wrong_try"
    SIGNED = "signed"
    DISPUTED = "disputed"
    SUPERSEDED = "superseded"
    REISSUED = "reissued"
    PERSON_ERASED = "person_erased"


@dataclass(frozen=True)
class Event:
    """An event before it has its place in the chain."""

    kind: EventKind
    at: datetime
    summary_id: int | None = None
    detail: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    project: str  # the project's code
    seq: int  # 1, 2, 3 ... without gaps
    kind: str
    at: datetime
    summary_id: int | None
    detail: str  # canonical JSON
    prev_hash: str
    hash: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        """An entry as ``as_json`` wrote it; raises KeyError, TypeError or ValueError."""
        return cls(
            project=str(data["project"]),
            seq=int(data["seq"]),
            kind=str(data["kind"]),
            at=datetime.fromisoformat(str(data["at"])),
            summary_id=int(data["summary_id"]) if data["summary_id"] is not None else None,
            detail=str(data["detail"]),
            prev_hash=str(data["prev_hash"]),
            hash=str(data["hash"]),
        )

    def recomputed(self) -> str:
        """The hash its content makes, to hold against the hash it stores."""
        return entry_hash(
            self.project, self.seq, self.kind, self.at, self.summary_id, self.detail, self.prev_hash
        )

    def as_json(self) -> dict[str, object]:
        return {
            "project": self.project,
            "seq": self.seq,
            "kind": self.kind,
            "at": self.at.astimezone(UTC).isoformat(),
            "summary_id": self.summary_id,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


def entry_hash(
    project: str,
    seq: int,
    kind: str,
    at: datetime,
    summary_id: int | None,
    detail: str,
    prev_hash: str,
) -> str:
    content = {
        "project": project,
        "seq": seq,
        "kind": kind,
        "at": at.astimezone(UTC).isoformat(),
        "summary_id": summary_id,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def chained(project: str, head: Head, events: Iterable[Event]) -> list[Entry]:
    """The events as entries after ``head``, in order."""
    entries: list[Entry] = []
    seq, prev = head.seq, head.hash
    for event in events:
        seq += 1
        detail = canonical_json(dict(event.detail))
        digest = entry_hash(project, seq, event.kind, event.at, event.summary_id, detail, prev)
        entries.append(
            Entry(project, seq, event.kind, event.at, event.summary_id, detail, prev, digest)
        )
        prev = digest
    return entries


@dataclass(frozen=True)
class Break:
    """One place where the chain is not what it should be."""

    seq: int
    reason: str


class ChainCheck:
    """Checks entries one at a time, in order of ``seq``: a chain of any length is walked
    in batches without holding it. ``start``: the head before the first entry fed (a
    project's whole chain starts at the genesis)."""

    def __init__(self, start: Head | None = None) -> None:
        self.expected = start or Head(0, GENESIS)

    def feed(self, entry: Entry) -> list[Break]:
        """Breaks found at ``entry``: a changed entry (its hash), a removed or reordered
        one (a gap, a wrong previous hash)."""
        found: list[Break] = []
        if entry.seq != self.expected.seq + 1:
            found.append(
                Break(entry.seq, f"expected entry {self.expected.seq + 1}, found {entry.seq}")
            )
        elif entry.prev_hash != self.expected.hash:
            found.append(Break(entry.seq, "its previous hash is not the hash of the entry before"))
        if entry.recomputed() != entry.hash:
            found.append(Break(entry.seq, "its content does not hash to its stored hash"))
        self.expected = Head(entry.seq, entry.hash)  # go on from what is there
        return found


def chain_breaks(entries: Iterable[Entry], start: Head | None = None) -> list[Break]:
    """Every break in entries given in order of ``seq``."""
    check = ChainCheck(start)
    return [found for entry in entries for found in check.feed(entry)]

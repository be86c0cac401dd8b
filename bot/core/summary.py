"""The monthly summary as a canonical document with a stable SHA-256.

The document is what a person signs. Canonical JSON (sorted keys, no spaces, UTF-8)
means the same hours always give the same bytes, so the hash identifies the content:
re-closing an unchanged month is recognised, and any later edit is detectable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.core.months import Month

DOCUMENT_SCHEMA = "timesign.monthly-summary/1"


@dataclass(frozen=True)
class WorkedDay:
    activity_ref: str
    activity_name: str
    activity_kind: str
    day: date
    minutes: int


@dataclass(frozen=True)
class SummaryDocument:
    text: str
    sha256: str
    total_minutes: int
    lines: tuple[tuple[str, int], ...]  # (activity name, minutes), in activity order


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build_summary(
    *,
    project_code: str,
    project_name: str,
    person_ref: str,
    person_name: str,
    person_kind: str,
    month: Month,
    days: Iterable[WorkedDay],
) -> SummaryDocument:
    by_activity: dict[str, list[WorkedDay]] = {}
    for worked in sorted(days, key=lambda d: (d.activity_ref, d.day)):
        if not month.contains(worked.day):
            raise ValueError(f"{worked.day} is outside {month}")
        by_activity.setdefault(worked.activity_ref, []).append(worked)
    lines = tuple(
        (entries[0].activity_name, sum(e.minutes for e in entries))
        for entries in by_activity.values()
    )
    activities = [
        {
            "ref": ref,
            "name": entries[0].activity_name,
            "kind": entries[0].activity_kind,
            "minutes": minutes,
            "days": [{"day": e.day.isoformat(), "minutes": e.minutes} for e in entries],
        }
        for (ref, entries), (_, minutes) in zip(by_activity.items(), lines, strict=True)
    ]
    total = sum(minutes for _, minutes in lines)
    document = {
        "schema": DOCUMENT_SCHEMA,
        "project": {"code": project_code, "name": project_name},
        "person": {"ref": person_ref, "name": person_name, "kind": person_kind},
        "month": str(month),
        "activities": activities,
        "total_minutes": total,
    }
    text = canonical_json(document)
    return SummaryDocument(text=text, sha256=sha256_hex(text), total_minutes=total, lines=lines)


def summary_lines(document_text: str) -> tuple[tuple[str, int], ...]:
    """The (activity, minutes) lines of a stored document, for re-rendering a message."""
    document = json.loads(document_text)
    return tuple((a["name"], a["minutes"]) for a in document["activities"])

"""Certificates and month exports, read from the evidence as it stands.

Both are built in the project's language unless the asker names another: they are
documents for the funding agency and the project's files, not chat answers. The files
are drawn in a thread: a large export takes seconds of CPU, and webhooks keep flowing.
"""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from bot.core.chat import Attachment
from bot.core.errors import InputError
from bot.core.i18n import Message
from bot.core.months import Month
from bot.usecases.context import Core
from bot.usecases.documents.models import Certificate, MonthExport, PersonMonth, SignatureEvidence
from bot.usecases.evidence.checking import check, ring_of
from bot.usecases.roster.find import find_person
from storage.month_records import month_entries, month_records
from storage.receipts import ReceiptRecord
from storage.tables import Project


async def certificate(
    core: Core, project: Project, person_text: str, month: Month, language: str
) -> tuple[Certificate, Attachment]:
    assert project.id is not None
    zone = ZoneInfo(project.time_zone)
    async with core.sessions() as session:
        person = await find_person(session, project, person_text)
        assert person.id is not None
        records = await month_records(session, project.id, str(month), person.id)
    if not records:
        raise InputError(
            Message(
                "%(ref)s has no summary for %(month)s yet; /close %(month)s sends one.",
                ref=person.ref,
                month=str(month),
            )
        )
    record = records[0]
    evidence = None
    if record.signature is not None:
        ring = await ring_of(core)
        verified = await check(
            core, ReceiptRecord(record.signature, record.summary, person, project), ring
        )
        key = ring.find(verified.key_id)
        evidence = SignatureEvidence(
            signed_at_local=verified.signed_at_local,
            channel=verified.channel,
            sender_masked=verified.sender,
            receipt=verified.receipt,
            receipt_url=core.receipt_url(verified.receipt),
            seal_valid=verified.verified,  # any disagreement: the certificate says so
            content_unchanged=verified.content_unchanged,
            key_fingerprint=key.fingerprint if key is not None else None,
            problems=tuple(str(p) for p in verified.problems),
        )
    made = Certificate(
        project_code=project.code,
        project_name=project.name,
        person_ref=person.ref,
        person_name=person.name,
        person_kind=person.kind,
        month=month,
        version=record.summary.version,
        sha256=record.summary.sha256,
        document=record.summary.document,
        state=record.summary.state,
        signature=evidence,
        generated_at_local=core.clock().astimezone(zone),
        dispute=(
            (record.summary.dispute_reason or "", record.summary.state_changed_at.astimezone(zone))
            if record.summary.state == "disputed"
            else None
        ),
    )
    content = await asyncio.to_thread(_draw_certificate, made, language)
    return made, Attachment(made.file_name, content)


async def month_export(
    core: Core, project: Project, month: Month, language: str
) -> tuple[MonthExport, Attachment]:
    assert project.id is not None
    zone = ZoneInfo(project.time_zone)
    async with core.sessions() as session:
        records = await month_records(session, project.id, str(month))
        entries = await month_entries(session, project.id, month.first_day, month.last_day)
    recorded: dict[str, int] = {}
    names: dict[str, tuple[str, str]] = {}
    for entry in entries:
        recorded[entry.person_ref] = recorded.get(entry.person_ref, 0) + entry.minutes
        names[entry.person_ref] = (entry.person_name, entry.person_kind)
    by_ref = {r.person.ref: r for r in records}
    people = []
    for ref in sorted(set(recorded) | set(by_ref)):
        record = by_ref.get(ref)
        signature = record.signature if record else None
        name, kind = (record.person.name, record.person.kind) if record else names[ref]
        people.append(
            PersonMonth(
                ref=ref,
                name=name,
                kind=kind,
                recorded_minutes=recorded.get(ref, 0),
                summary_minutes=record.summary.total_minutes if record else None,
                state=record.summary.state if record else None,
                version=record.summary.version if record else None,
                signed_at_local=signature.signed_at.astimezone(zone) if signature else None,
                channel=signature.channel if signature else None,
                receipt=signature.receipt if signature else None,
                sha256=record.summary.sha256 if record else None,
            )
        )
    if not people:
        raise InputError(
            Message("Nobody has hours in %(month)s; there is nothing to export.", month=str(month))
        )
    made = MonthExport(project.code, project.name, month, people, entries)
    content = await asyncio.to_thread(_draw_month, made, language)
    return made, Attachment(made.file_name, content)


# The renderers pull in fpdf2 and openpyxl (most of a CLI start-up's import time), so
# they are imported when a document is drawn, not when the command layer loads.
def _draw_certificate(made: Certificate, language: str) -> bytes:
    from bot.usecases.documents.certificate_pdf import render_certificate

    return render_certificate(made, language)


def _draw_month(made: MonthExport, language: str) -> bytes:
    from bot.usecases.documents.month_xlsx import render_month_xlsx

    return render_month_xlsx(made, language)

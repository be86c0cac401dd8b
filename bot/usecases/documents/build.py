"""Certificates and month exports, read from the evidence as it stands.

Both are built in the project's language unless the asker names another: they are
documents for the funding agency and the project's files, not chat answers. The files
are drawn in a thread: a large export takes seconds of CPU, and webhooks keep flowing.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.chat import Attachment
from bot.core.errors import InputError
from bot.core.i18n import Message
from bot.core.months import Month
from bot.core.seal_keys import KeyRing
from bot.core.states import SummaryState
from bot.usecases.context import Core
from bot.usecases.documents.models import Certificate, MonthExport, PersonMonth, SignatureEvidence
from bot.usecases.evidence.checking import check, ring_of
from bot.usecases.roster.find import find_person
from storage.month_records import MonthRecord, month_records
from storage.month_streams import MonthLine, month_days, month_lines
from storage.receipts import ReceiptRecord
from storage.tables import Project

if TYPE_CHECKING:
    from bot.usecases.documents.month_xlsx import MonthWorkbook


async def certificate(
    core: Core, project: Project, person_text: str, month: Month, language: str
) -> tuple[Certificate, Attachment]:
    assert project.id is not None
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
    made = await certificate_of(core, project, records[0], month, await ring_of(core))
    content = await asyncio.to_thread(_draw_certificate, made, language)
    return made, Attachment(made.file_name, content)


async def certificate_of(
    core: Core, project: Project, record: MonthRecord, month: Month, ring: KeyRing
) -> Certificate:
    """What a person's certificate says, checked against the evidence; not drawn yet."""
    zone = ZoneInfo(project.time_zone)
    person = record.person
    evidence = None
    if record.signature is not None:
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
    return Certificate(
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


async def draw_certificates(made: list[Certificate], language: str) -> bytes:
    """Many certificates as one PDF, a page (or more) each: the font is embedded once,
    which is most of what one certificate costs."""
    return await asyncio.to_thread(_draw_certificates, made, language)


async def month_export(
    core: Core, project: Project, month: Month, language: str
) -> tuple[MonthExport, Attachment]:
    """The month's workbook, written a batch at a time as the rows stream in."""
    assert project.id is not None
    zone = ZoneInfo(project.time_zone)
    book: MonthWorkbook | None = None
    people = recorded = signed = 0
    async with core.sessions() as session:
        try:
            async for lines in month_lines(session, project.id, month):
                if book is None:
                    book = await asyncio.to_thread(_open_month_workbook, language)
                rows = [_person_month(line, zone) for line in lines]
                await asyncio.to_thread(book.add_people, rows)
                people += len(rows)
                recorded += sum(line.recorded_minutes for line in lines)
                signed += sum(1 for line in lines if line.state == SummaryState.SIGNED)
            if book is None:
                raise InputError(
                    Message(
                        "Nobody has hours in %(month)s; there is nothing to export.",
                        month=str(month),
                    )
                )
            async for days in month_days(session, project.id, month):
                await asyncio.to_thread(book.add_days, days)
            content = await asyncio.to_thread(book.finish)
        except Exception:
            # Not on cancellation: a thread may still be writing then, and openpyxl
            # removes its files when the process ends.
            if book is not None:
                book.discard()
            raise
    made = MonthExport(project.code, project.name, month, people, recorded, signed)
    return made, Attachment(made.file_name, content)


def _person_month(line: MonthLine, zone: ZoneInfo) -> PersonMonth:
    return PersonMonth(
        ref=line.ref,
        name=line.name,
        kind=line.kind,
        recorded_minutes=line.recorded_minutes,
        summary_minutes=line.summary_minutes,
        state=line.state,
        version=line.version,
        signed_at_local=line.signed_at.astimezone(zone) if line.signed_at else None,
        channel=line.channel,
        receipt=line.receipt,
        sha256=line.sha256,
    )


# The renderers pull in fpdf2 and openpyxl (most of a CLI start-up's import time), so
# they are imported when a document is drawn, not when the command layer loads.
def _draw_certificate(made: Certificate, language: str) -> bytes:
    from bot.usecases.documents.certificate_pdf import render_certificate

    return render_certificate(made, language)


def _draw_certificates(made: list[Certificate], language: str) -> bytes:
    from bot.usecases.documents.certificate_pdf import render_certificates

    return render_certificates(made, language)


def _open_month_workbook(language: str) -> MonthWorkbook:
    from bot.usecases.documents.month_xlsx import MonthWorkbook

    return MonthWorkbook(language)

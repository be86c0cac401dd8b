"""``/evidence <month>``: everything an audit of a month needs, in one sealed ZIP.

Every person's certificate (one PDF, a page and a bookmark each: the font is embedded
once), the evidence file of each signature, the project's
evidence log around the month, the public keys, and an index (person, state, receipt,
content hash). ``timesign verify bundle.zip`` checks it with the public keys alone.
"""

from __future__ import annotations

import csv
import io
import json

from bot.core.chat import Attachment, Progress
from bot.core.evidence_bundle import CHAIN, KEYS, BundleFile, chain_lines, write_bundle
from bot.core.evidence_chain import Entry
from bot.core.months import Month
from bot.usecases.context import Core
from bot.usecases.documents.build import certificate_of, draw_certificates
from bot.usecases.documents.models import Certificate
from bot.usecases.evidence.checking import check, evidence_file_of, ring_of
from storage import evidence_log
from storage.month_records import month_records
from storage.receipts import ReceiptRecord
from storage.tables import Project


async def month_bundle(
    core: Core, project: Project, month: Month, language: str, progress: Progress | None = None
) -> Attachment:
    assert project.id is not None
    async with core.sessions() as session:
        records = await month_records(session, project.id, str(month))
    ring = await ring_of(core)
    files: list[BundleFile] = []
    index = io.StringIO()
    writer = csv.writer(index)
    writer.writerow(["person", "name", "state", "version", "receipt", "sha256", "verified"])
    summary_ids: list[int] = []
    certificates: list[Certificate] = []
    for done, record in enumerate(records, start=1):
        person, summary, signature = record.person, record.summary, record.signature
        assert summary.id is not None
        summary_ids.append(summary.id)
        certificates.append(await certificate_of(core, project, record, month, ring))
        receipt, verified = "", ""
        if signature is not None:
            receipt_record = ReceiptRecord(signature, summary, person, project)
            verification = await check(core, receipt_record, ring)
            receipt, verified = signature.receipt, "yes" if verification.verified else "no"
            evidence = await evidence_file_of(core, receipt_record)
            files.append(
                BundleFile(
                    f"evidence/{person.ref}-{signature.receipt}.json",
                    json.dumps(evidence, ensure_ascii=False, indent=1).encode(),
                )
            )
        writer.writerow(
            [
                person.ref,
                person.name,
                summary.state,
                summary.version,
                receipt,
                summary.sha256,
                verified,
            ]
        )
        if progress is not None:
            await progress(done, len(records))
    if certificates:
        drawn = await draw_certificates(certificates, language)
        files.append(BundleFile(f"certificates-{project.code}-{month}.pdf", drawn))
    entries = await _month_segment(core, project.id, set(summary_ids))
    files.append(BundleFile(CHAIN, chain_lines(entries)))
    files.append(BundleFile(KEYS, json.dumps(ring.as_json(), indent=1).encode()))
    files.append(BundleFile("index.csv", index.getvalue().encode("utf-8")))
    content = write_bundle(files, core.sealer, made_at=core.clock())
    return Attachment(f"evidence-{project.code}-{month}.zip", content)


async def _month_segment(core: Core, project_id: int, summary_ids: set[int]) -> list[Entry]:
    """The log from the month's first entry to its last, every entry between included,
    so the segment's links can be checked on their own."""
    segment: list[Entry] = []
    async for entry in evidence_log.entries(core.sessions, project_id):
        if segment or entry.summary_id in summary_ids:
            segment.append(entry)
    while segment and segment[-1].summary_id not in summary_ids:
        segment.pop()
    return segment

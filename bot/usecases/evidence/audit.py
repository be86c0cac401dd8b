"""``timesign audit verify``: every chain and every signature, checked as an auditor would.

It walks each project's evidence log (every hash, every link), checks every signature
as the receipt page does, and holds the log against the heads that signatures sealed:
a log rewritten with every hash recomputed still disagrees with a sealed head. It reads
in batches, so a chain of any length costs the same memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select

from bot.core.evidence_chain import ChainCheck, Head
from bot.usecases.context import Core
from bot.usecases.evidence.checking import check, ring_of
from storage import evidence_log
from storage.receipts import project_receipts, signed_without_signature
from storage.tables import Project


@dataclass
class AuditReport:
    projects: int = 0
    entries: int = 0
    signatures: int = 0
    breaks: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks

    def lines(self) -> list[str]:
        checked = (
            f"Checked {self.projects} project(s): {self.entries} evidence entries, "
            f"{self.signatures} signatures."
        )
        if self.intact:
            return [checked, "No breaks: every hash, link, seal and sealed head holds."]
        return [checked, f"{len(self.breaks)} break(s):", *(f"  {b}" for b in self.breaks)]


async def audit(core: Core, project_code: str | None = None) -> AuditReport:
    ring = await ring_of(core)
    async with core.sessions() as session:
        query = select(Project.id, Project.code).order_by(col(Project.code))
        if project_code is not None:
            query = query.where(col(Project.code) == project_code.upper())
        projects = [(pid, code) for pid, code in (await session.exec(query)).all() if pid]
    report = AuditReport()
    for project_id, code in projects:
        report.projects += 1
        sealed_heads: dict[int, tuple[str, str]] = {}  # seq -> (hash, receipt)
        async for record in project_receipts(core.sessions, project_id):
            report.signatures += 1
            verification = await check(core, record, ring)
            receipt = record.signature.receipt
            report.breaks += [f"{code} receipt {receipt}: {p}" for p in verification.problems]
            statement = verification.statement
            if statement is not None and statement.chain_seq is not None and statement.chain_hash:
                sealed_heads[statement.chain_seq] = (statement.chain_hash, receipt)
        for ref, month, version in await signed_without_signature(core.sessions, project_id):
            report.breaks.append(
                f"{code} {ref} {month} version {version}: marked signed, but no signature backs it"
            )
        walk = ChainCheck()
        async for entry in evidence_log.entries(core.sessions, project_id):
            report.entries += 1
            report.breaks += [f"{code} entry {b.seq}: {b.reason}" for b in walk.feed(entry)]
            sealed = sealed_heads.pop(entry.seq, None)
            if sealed is not None and sealed[0] != entry.hash:
                report.breaks.append(
                    f"{code} entry {entry.seq}: not the entry receipt {sealed[1]} sealed; "
                    "the history up to it was rewritten"
                )
        for seq, (_, receipt) in sorted(sealed_heads.items()):
            report.breaks.append(
                f"{code} entry {seq}: receipt {receipt} sealed it, but the log ends before it"
            )
        async with core.sessions() as session:
            head = await evidence_log.head_of(session, project_id)
        if head is not None and head != Head(walk.expected.seq, walk.expected.hash):
            report.breaks.append(
                f"{code}: the log's head says entry {head.seq}, the log ends at {walk.expected.seq}"
            )
    return report

"""The evidence behind one receipt, read in one go for the verification page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from storage.db import SessionFactory
from storage.tables import MonthlySummary, Person, Project, Signature


@dataclass(frozen=True)
class ReceiptRecord:
    signature: Signature
    summary: MonthlySummary
    person: Person
    project: Project


async def find_receipt(sessions: SessionFactory, receipt: str) -> ReceiptRecord | None:
    async with sessions() as session:
        row = (
            await session.exec(
                select(Signature, MonthlySummary, Person, Project)
                .join(MonthlySummary, col(MonthlySummary.id) == Signature.summary_id)
                .join(Person, col(Person.id) == MonthlySummary.person_id)
                .join(Project, col(Project.id) == MonthlySummary.project_id)
                .where(col(Signature.receipt) == receipt)
            )
        ).first()
    if row is None:
        return None
    return ReceiptRecord(*row)

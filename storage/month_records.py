"""A project's month as the evidence stands: each person's current summary and signature."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.states import SummaryState
from storage.tables import MonthlySummary, Person, Signature


@dataclass(frozen=True)
class MonthRecord:
    person: Person
    summary: MonthlySummary
    signature: Signature | None


async def month_records(
    session: AsyncSession, project_id: int, month: str, person_id: int | None = None
) -> list[MonthRecord]:
    """The current (not superseded) summary of each person, newest version, by reference."""
    query = (
        select(MonthlySummary, Person, Signature)
        .join(Person, col(Person.id) == MonthlySummary.person_id)
        .join(Signature, col(Signature.summary_id) == MonthlySummary.id, isouter=True)
        .where(
            MonthlySummary.project_id == project_id,
            MonthlySummary.month == month,
            MonthlySummary.state != SummaryState.SUPERSEDED,
        )
        .order_by(col(Person.ref), col(MonthlySummary.version).desc())
    )
    if person_id is not None:
        query = query.where(MonthlySummary.person_id == person_id)
    records: dict[int, MonthRecord] = {}
    for summary, person, signature in (await session.exec(query)).all():
        records.setdefault(summary.person_id, MonthRecord(person, summary, signature))
    return list(records.values())

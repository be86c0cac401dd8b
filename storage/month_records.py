"""A project's month as the evidence stands: each person's current summary and signature."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Activity, MonthlySummary, Person, Signature, TimeEntry


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
            MonthlySummary.state != "superseded",
        )
        .order_by(col(Person.ref), col(MonthlySummary.version).desc())
    )
    if person_id is not None:
        query = query.where(MonthlySummary.person_id == person_id)
    records: dict[int, MonthRecord] = {}
    for summary, person, signature in (await session.exec(query)).all():
        records.setdefault(summary.person_id, MonthRecord(person, summary, signature))
    return list(records.values())


async def month_entries(
    session: AsyncSession, project_id: int, first: date, last: date
) -> Sequence[tuple[TimeEntry, Person, Activity]]:
    """Every recorded day of the month, as it is recorded now, by person, day, activity."""
    query = (
        select(TimeEntry, Person, Activity)
        .join(Person, col(Person.id) == TimeEntry.person_id)
        .join(Activity, col(Activity.id) == TimeEntry.activity_id)
        .where(Person.project_id == project_id, TimeEntry.day >= first, TimeEntry.day <= last)
        .order_by(col(Person.ref), col(TimeEntry.day), col(Activity.ref))
    )
    return (await session.exec(query)).all()

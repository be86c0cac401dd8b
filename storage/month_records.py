"""A project's month as the evidence stands: each person's current summary and signature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.states import SummaryState
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


class RecordedDay(NamedTuple):
    person_ref: str
    person_name: str
    person_kind: str
    activity_ref: str
    activity_name: str
    activity_kind: str
    day: date
    minutes: int


async def month_entries(
    session: AsyncSession, project_id: int, first: date, last: date
) -> list[RecordedDay]:
    """Every recorded day of the month as it is recorded now, by person, day, activity.

    Plain columns, not table objects: an export reads tens of thousands of days."""
    people = {
        row[0]: row[1:]
        for row in await session.exec(
            select(col(Person.id), col(Person.ref), col(Person.name), col(Person.kind)).where(
                Person.project_id == project_id
            )
        )
    }
    activities = {
        row[0]: row[1:]
        for row in await session.exec(
            select(
                col(Activity.id), col(Activity.ref), col(Activity.name), col(Activity.kind)
            ).where(Activity.project_id == project_id)
        )
    }
    days = await session.exec(
        select(
            col(TimeEntry.person_id),
            col(TimeEntry.activity_id),
            col(TimeEntry.day),
            col(TimeEntry.minutes),
        )
        .join(Person, col(Person.id) == TimeEntry.person_id)
        .where(Person.project_id == project_id, TimeEntry.day >= first, TimeEntry.day <= last)
    )
    recorded = [
        RecordedDay(*people[person_id], *activities[activity_id], day, minutes)
        for person_id, activity_id, day, minutes in days
    ]
    recorded.sort(key=lambda d: (d.person_ref, d.day, d.activity_ref))
    return recorded

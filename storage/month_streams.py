"""A project's month for the export, streamed: a line per person, then every recorded day.

Each is one query ordered by the database and read as plain columns through a
server-side cursor a batch at a time, so an export holds one batch in memory however
large the project. The order is the people's and activities' references, which the
system makes (P-0001, A-001), so every collation sorts them as Python would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import NamedTuple, TypeVarTuple

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.months import Month
from bot.core.states import SummaryState
from storage.tables import Activity, MonthlySummary, Person, Signature, TimeEntry

BATCH = 2000
_Ts = TypeVarTuple("_Ts")


class MonthLine(NamedTuple):
    """A person with hours in the month or a current summary of it."""

    ref: str
    name: str
    kind: str
    recorded_minutes: int  # as recorded now
    summary_minutes: int | None  # None: the month was not sent to this person
    state: SummaryState | None
    version: int | None
    signed_at: datetime | None
    channel: str | None
    receipt: str | None
    sha256: str | None


class RecordedDay(NamedTuple):
    person_ref: str
    person_name: str
    activity_ref: str
    activity_name: str
    activity_kind: str
    day: date
    minutes: int


async def month_lines(
    session: AsyncSession, project_id: int, month: Month, *, batch: int = BATCH
) -> AsyncIterator[list[MonthLine]]:
    """Each person's current (newest, not superseded) summary and hours, by reference.

    The hours are looked up per person (by index), not joined from a grouped subquery:
    SQLite scans such a subquery once per person when the filter names it."""
    in_month = sa.and_(
        col(TimeEntry.person_id) == Person.id,
        col(TimeEntry.day) >= month.first_day,
        col(TimeEntry.day) <= month.last_day,
    )
    recorded = sa.select(sa.func.sum(col(TimeEntry.minutes))).where(in_month).scalar_subquery()
    query = (
        sa.select(
            col(Person.ref),
            col(Person.name),
            col(Person.kind),
            recorded,
            col(MonthlySummary.total_minutes),
            col(MonthlySummary.state),
            col(MonthlySummary.version),
            col(Signature.signed_at),
            col(Signature.channel),
            col(Signature.receipt),
            col(MonthlySummary.sha256),
        )
        .select_from(Person)
        .outerjoin(
            MonthlySummary,
            sa.and_(
                col(MonthlySummary.person_id) == Person.id,
                col(MonthlySummary.project_id) == project_id,
                col(MonthlySummary.month) == str(month),
                col(MonthlySummary.state) != SummaryState.SUPERSEDED,
            ),
        )
        .outerjoin(Signature, col(Signature.summary_id) == MonthlySummary.id)
        .where(
            col(Person.project_id) == project_id,
            sa.or_(col(MonthlySummary.id).is_not(None), sa.exists().where(in_month)),
        )
        .order_by(col(Person.ref), col(MonthlySummary.version).desc())
    )
    last_ref = None
    async for rows in _batches(session, query, batch):
        lines = []
        for ref, name, kind, minutes, *summary in rows:
            if ref != last_ref:  # an older current version comes second: not this line
                lines.append(MonthLine(ref, name, kind, minutes or 0, *summary))
                last_ref = ref
        yield lines


async def month_days(
    session: AsyncSession, project_id: int, month: Month, *, batch: int = BATCH
) -> AsyncIterator[list[RecordedDay]]:
    """Every recorded day of the month as it is recorded now, by person, day, activity."""
    query = (
        sa.select(
            col(Person.ref),
            col(Person.name),
            col(Activity.ref),
            col(Activity.name),
            col(Activity.kind),
            col(TimeEntry.day),
            col(TimeEntry.minutes),
        )
        .join(Person, col(Person.id) == TimeEntry.person_id)
        .join(Activity, col(Activity.id) == TimeEntry.activity_id)
        .where(
            col(Person.project_id) == project_id,
            col(TimeEntry.day) >= month.first_day,
            col(TimeEntry.day) <= month.last_day,
        )
        .order_by(col(Person.ref), col(TimeEntry.day), col(Activity.ref))
    )
    async for rows in _batches(session, query, batch):
        yield [RecordedDay(*row) for row in rows]


async def _batches(
    session: AsyncSession, query: sa.Select[*_Ts], batch: int
) -> AsyncIterator[list[sa.Row[*_Ts]]]:
    connection = await session.connection()
    result = await connection.stream(query.execution_options(yield_per=batch))
    async for rows in result.partitions():
        yield list(rows)

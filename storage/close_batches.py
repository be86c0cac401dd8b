"""The reads and writes of a month close, a batch of people at a time, in bulk.

Each read is one query for the whole batch and reads columns, not objects, where a
column serves; each write is one multi-row statement. A close of 100 000 people thus
costs a few statements per thousand people, in memory for one batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.states import CodeState, SummaryState
from bot.core.summary import WorkedDay
from storage.db import SessionFactory
from storage.queries import OPEN_STATES
from storage.tables import Activity, MonthlySummary, Person, SigningCode, TimeEntry


async def people_after(
    session: AsyncSession, project_id: int, after: int, limit: int
) -> Sequence[Person]:
    """The next ``limit`` active people by id: a resumable walk through the project."""
    query = (
        select(Person)
        .where(
            col(Person.project_id) == project_id,
            col(Person.active).is_(True),
            col(Person.id) > after,
        )
        .order_by(col(Person.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def active_count(session: AsyncSession, project_id: int) -> int:
    query = select(sa.func.count()).where(
        col(Person.project_id) == project_id, col(Person.active).is_(True)
    )
    return int((await session.exec(query)).one())


async def days_of(
    session: AsyncSession, person_ids: Sequence[int], first: date, last: date
) -> dict[int, list[WorkedDay]]:
    query = (
        sa.select(
            col(TimeEntry.person_id),
            col(Activity.ref),
            col(Activity.name),
            col(Activity.kind),
            col(TimeEntry.day),
            col(TimeEntry.minutes),
        )
        .join(Activity, col(Activity.id) == TimeEntry.activity_id)
        .where(
            col(TimeEntry.person_id).in_(person_ids),
            col(TimeEntry.day) >= first,
            col(TimeEntry.day) <= last,
        )
    )
    worked: dict[int, list[WorkedDay]] = defaultdict(list)
    connection = await session.connection()
    for person_id, ref, name, kind, day, minutes in (await connection.execute(query)).all():
        worked[person_id].append(WorkedDay(ref, name, kind, day, minutes))
    return worked


async def open_of(
    session: AsyncSession, person_ids: Sequence[int], month: str
) -> dict[int, tuple[int, str]]:
    """Each person's current summary of ``month``: (summary id, content SHA-256)."""
    query = select(MonthlySummary.person_id, MonthlySummary.id, MonthlySummary.sha256).where(
        col(MonthlySummary.person_id).in_(person_ids),
        col(MonthlySummary.month) == month,
        col(MonthlySummary.state).in_(OPEN_STATES),
    )
    return {p: (i, sha) for p, i, sha in (await session.exec(query)).all() if i is not None}


async def versions_of(
    session: AsyncSession, person_ids: Sequence[int], month: str
) -> dict[int, int]:
    query = (
        select(MonthlySummary.person_id, sa.func.max(MonthlySummary.version))
        .where(col(MonthlySummary.person_id).in_(person_ids), col(MonthlySummary.month) == month)
        .group_by(col(MonthlySummary.person_id))
    )
    return {p: int(v) for p, v in (await session.exec(query)).all()}


async def supersede_many(session: AsyncSession, summary_ids: Sequence[int], now: datetime) -> None:
    """Those summaries are history: their codes no longer sign."""
    if not summary_ids:
        return
    await session.exec(
        sa.update(MonthlySummary)
        .where(col(MonthlySummary.id).in_(summary_ids))
        .values(state=SummaryState.SUPERSEDED, state_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.exec(
        sa.update(SigningCode)
        .where(
            col(SigningCode.summary_id).in_(summary_ids),
            col(SigningCode.state) == CodeState.ACTIVE,
        )
        .values(state=CodeState.SUPERSEDED)
        .execution_options(synchronize_session=False)
    )


async def insert_summaries(session: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """The new summaries' ids, in the order of ``rows``."""
    if not rows:
        return []
    connection = await session.connection()
    statement = sa.insert(MonthlySummary).returning(
        MonthlySummary.__table__.c.id,  # type: ignore[attr-defined]
        sort_by_parameter_order=True,
    )
    return [int(i) for i in (await connection.execute(statement, rows)).scalars()]


async def insert_codes(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await (await session.connection()).execute(sa.insert(SigningCode), rows)


# The tables a close fills. Their planner statistics must follow the close: a first
# month's close starts from empty tables, and with statistics that still say "empty"
# PostgreSQL reads each batch's summaries with a full scan, so batch k costs k.
FILLED = ("monthly_summaries", "signing_codes", "outbox")


async def refresh_statistics(sessions: SessionFactory) -> None:
    """ANALYZE the filled tables on PostgreSQL (SQLite's planner needs no such help).
    Called after batches 1, 2, 4, 8 ...: the statistics stay within twice the truth for
    a handful of ANALYZEs, each a sample of at most 30 000 rows a table."""
    async with sessions() as session:
        connection = await session.connection()
        if connection.dialect.name != "postgresql":
            return
        await connection.execute(sa.text(f"ANALYZE {', '.join(FILLED)}"))
        await session.commit()

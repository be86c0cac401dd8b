"""The lease on a month close in progress: taken at its start, renewed each batch,
dropped at its end. Taking it is an upsert that only wins over a lapsed lease, so two
closes of one month never interleave, and one that died is taken over, not lost."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dialect_insert
from storage.tables import CloseRun


async def take(
    session: AsyncSession,
    project_id: int,
    month: str,
    *,
    holder: str,
    actor: str,
    now: datetime,
    until: datetime,
) -> bool:
    """The lease for ``holder``; False while another holder's lease runs."""
    insert = await dialect_insert(session)
    statement = insert(CloseRun).values(
        project_id=project_id,
        month=month,
        holder=holder,
        actor=actor,
        until=until,
        started_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["project_id", "month"],
        set_={"holder": holder, "until": until},
        where=CloseRun.__table__.c.until < now,  # type: ignore[attr-defined]
    ).returning(col(CloseRun.holder))
    return bool((await session.exec(statement)).scalar_one_or_none() == holder)


async def renew(
    session: AsyncSession, project_id: int, month: str, *, holder: str, until: datetime
) -> bool:
    """False when the lease was lost (it lapsed and another holder took it)."""
    result = await session.exec(
        sa.update(CloseRun)
        .where(
            col(CloseRun.project_id) == project_id,
            col(CloseRun.month) == month,
            col(CloseRun.holder) == holder,
        )
        .values(until=until)
    )
    return result.rowcount == 1


async def release(session: AsyncSession, project_id: int, month: str, *, holder: str) -> None:
    await session.exec(
        sa.delete(CloseRun).where(
            col(CloseRun.project_id) == project_id,
            col(CloseRun.month) == month,
            col(CloseRun.holder) == holder,
        )
    )


async def lapsed(session: AsyncSession, now: datetime) -> list[tuple[int, str, str]]:
    """Closes that were interrupted: (project id, month, actor)."""
    rows = await session.exec(
        select(CloseRun.project_id, CloseRun.month, CloseRun.actor).where(col(CloseRun.until) < now)
    )
    return [(p, m, a) for p, m, a in rows.all()]

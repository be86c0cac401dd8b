"""Counting inbound messages in the windows of their limits, shared by every process.

One upsert of all windows (``count = count + 1 RETURNING count``) in the caller's
transaction: two processes counting the same sender at once both land, in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.inbound_limits import Window
from storage.db import SessionFactory, insert_for, transaction
from storage.tables import InboundCount


async def count(session: AsyncSession, windows: Sequence[Window]) -> bool:
    """Count one message in every window; True while none is past its limit."""
    if not windows:
        return True
    connection = await session.connection()
    table = InboundCount.__table__  # type: ignore[attr-defined]
    statement = insert_for(connection.dialect.name)(InboundCount).values(
        [{"key": w.key, "window_start": w.start, "count": 1} for w in windows]
    )
    statement = statement.on_conflict_do_update(
        index_elements=["key", "window_start"], set_={"count": table.c.count + 1}
    ).returning(table.c.key, table.c.count)
    counted: dict[str, int] = dict((await connection.execute(statement)).all())
    return all(counted[w.key] <= w.limit for w in windows)


async def admit(sessions: SessionFactory, windows: Sequence[Window]) -> bool:
    async with transaction(sessions) as session:
        return await count(session, windows)


async def forget(sessions: SessionFactory, *, before: datetime) -> int:
    """Drop windows that started before ``before``; returns how many."""
    async with transaction(sessions) as session:
        result = await session.exec(
            sa.delete(InboundCount).where(col(InboundCount.window_start) < before)
        )
    return int(result.rowcount or 0)

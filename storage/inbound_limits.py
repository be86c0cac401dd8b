"""Counting inbound messages in the windows of their limits, shared by every process.

One upsert per window (``count = count + 1 RETURNING count``) in the caller's
transaction: two processes counting the same sender at once both land, in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.inbound_limits import Window
from storage.db import SessionFactory, dialect_insert, transaction
from storage.tables import InboundCount


async def count(session: AsyncSession, windows: Sequence[Window]) -> bool:
    """Count one message in every window; True while none is past its limit."""
    insert = await dialect_insert(session)
    within = True
    for window in windows:
        statement = insert(InboundCount).values(key=window.key, window_start=window.start, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"count": InboundCount.__table__.c.count + 1},  # type: ignore[attr-defined]
        ).returning(col(InboundCount.count))
        counted = (await session.exec(statement)).scalar_one()
        within = within and counted <= window.limit
    return within


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

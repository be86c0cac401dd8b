"""The superusers of the settings, kept in the database for those who have no settings.

Each web and worker process writes its list at start; a deployment runs both from the
same environment, so the rows are the settings' list.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import SessionFactory, dialect_insert, transaction
from storage.tables import Superuser


async def mirror(sessions: SessionFactory, ids: Collection[int], *, now: datetime) -> None:
    wanted = set(ids)
    async with transaction(sessions) as session:
        listed = set((await session.exec(select(col(Superuser.telegram_user_id)))).all())
        if listed - wanted:
            await session.exec(
                sa.delete(Superuser).where(col(Superuser.telegram_user_id).in_(listed - wanted))
            )
        if wanted - listed:
            # Two processes starting at once write the same rows: the second adds none.
            insert = await dialect_insert(session)
            await session.exec(
                insert(Superuser)
                .values([{"telegram_user_id": i, "listed_at": now} for i in wanted - listed])
                .on_conflict_do_nothing(index_elements=["telegram_user_id"])
            )


async def listed(session: AsyncSession) -> Sequence[int]:
    query = select(col(Superuser.telegram_user_id)).order_by(col(Superuser.telegram_user_id))
    return (await session.exec(query)).all()

"""Stored Telegram updates: accept (insert once per update id), claim, finish, forget.

A row is claimed only when its processing starts, with a lease: a process killed
mid-update leaves a claim that runs out, and any web process takes the row again.
Rows nobody claimed (a process killed before it got to them) are swept up as well.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from storage.claims import claim_row
from storage.db import SessionFactory, transaction
from storage.tables import TelegramUpdate


async def accept(
    sessions: SessionFactory, *, update_id: int, chat_id: int | None, body: str, now: datetime
) -> bool:
    """Store an update; False when it was stored before (Telegram sent it again)."""
    async with transaction(sessions) as session:
        stored = await claim_row(
            session,
            TelegramUpdate,
            ("update_id",),
            update_id=update_id,
            chat_id=chat_id,
            body=body,
            received_at=now,
        )
    return stored is not None


def _waiting(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(TelegramUpdate.done_at).is_(None),
        sa.or_(
            col(TelegramUpdate.claimed_until).is_(None), col(TelegramUpdate.claimed_until) < now
        ),
    )


async def claim(
    sessions: SessionFactory, update_id: int, *, worker: str, now: datetime, lease: timedelta
) -> str | None:
    """Take one update for processing; its body, or None if another process has it."""
    async with transaction(sessions) as session:
        result = await session.exec(
            sa.update(TelegramUpdate)
            .where(col(TelegramUpdate.update_id) == update_id, _waiting(now))
            .values(claimed_by=worker, claimed_until=now + lease)
        )
        if result.rowcount != 1:
            return None
        body = (
            await session.exec(
                select(TelegramUpdate.body).where(col(TelegramUpdate.update_id) == update_id)
            )
        ).one()
    return body


async def left_over(
    sessions: SessionFactory, *, now: datetime, older_than: timedelta, limit: int
) -> list[tuple[int, int | None]]:
    """Updates waiting since before ``now - older_than``: (update id, chat id), in order."""
    async with sessions() as session:
        rows = (
            await session.exec(
                select(TelegramUpdate.update_id, TelegramUpdate.chat_id)
                .where(_waiting(now), col(TelegramUpdate.received_at) < now - older_than)
                .order_by(col(TelegramUpdate.update_id))
                .limit(limit)
            )
        ).all()
    return [(update_id, chat_id) for update_id, chat_id in rows]


async def finish(sessions: SessionFactory, update_id: int, *, now: datetime) -> None:
    """Processed: the content goes (it may hold a code), the id stays a while."""
    async with transaction(sessions) as session:
        await session.exec(
            sa.update(TelegramUpdate)
            .where(col(TelegramUpdate.update_id) == update_id)
            .values(done_at=now, body=None, claimed_by=None, claimed_until=None)
        )


async def waiting_count(sessions: SessionFactory) -> int:
    async with sessions() as session:
        return int(
            (
                await session.exec(
                    select(sa.func.count()).where(col(TelegramUpdate.done_at).is_(None))
                )
            ).one()
        )


async def forget(sessions: SessionFactory, *, before: datetime) -> int:
    """Drop processed updates received before ``before``; returns how many."""
    async with transaction(sessions) as session:
        result = await session.exec(
            sa.delete(TelegramUpdate).where(
                col(TelegramUpdate.done_at).is_not(None), col(TelegramUpdate.received_at) < before
            )
        )
    return int(result.rowcount or 0)

"""Delivery reports in the outbox: forward-only state changes, and reports that came early.

A provider can report on a message before the worker has recorded the message's provider
id (Twilio calls back within milliseconds). Such a report is kept as an ``EarlyStatus``
and applied when the send is recorded. Both sides take a per-id lock first (an advisory
lock on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers anyway), so a report
either finds the id or is kept where the worker will find it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.states import OUTBOX_PROGRESS, OutboxState
from storage.tables import EarlyStatus, OutboxMessage


async def lock_provider_ids(session: AsyncSession, provider_ids: Iterable[str]) -> None:
    """Take the lock of each id (a whole batch's in one statement, in sorted order)."""
    ids = sorted({provider_id[:64] for provider_id in provider_ids})
    if ids and (await session.connection()).dialect.name == "postgresql":
        each = sa.func.unnest(sa.literal(ids, postgresql.ARRAY(sa.String))).column_valued("sid")
        await session.exec(select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(each))))


async def is_known(session: AsyncSession, provider_id: str) -> bool:
    query = select(OutboxMessage.id).where(
        col(OutboxMessage.provider_message_id) == provider_id[:64]
    )
    return (await session.exec(query)).first() is not None


async def keep_early(
    session: AsyncSession,
    provider_id: str,
    state: OutboxState,
    error: str | None,
    now: datetime,
) -> None:
    if await session.get(EarlyStatus, (provider_id[:64], state.value)) is None:
        session.add(
            EarlyStatus(
                provider_id=provider_id[:64],
                status=state.value,
                error_code=error[:20] if error else None,
                received_at=now,
            )
        )


async def take_early(
    session: AsyncSession, provider_ids: Iterable[str]
) -> dict[str, list[tuple[OutboxState, str | None]]]:
    """The reports kept for these ids (one query), removed as they are handed over."""
    ids = sorted({provider_id[:64] for provider_id in provider_ids})
    if not ids:
        return {}
    query = select(EarlyStatus).where(col(EarlyStatus.provider_id).in_(ids))
    taken: dict[str, list[tuple[OutboxState, str | None]]] = {}
    for early in (await session.exec(query)).all():
        if early.status in OutboxState.__members__.values():
            taken.setdefault(early.provider_id, []).append(
                (OutboxState(early.status), early.error_code)
            )
        await session.delete(early)
    return taken


async def advance(
    session: AsyncSession, provider_id: str, state: OutboxState, error: str | None
) -> OutboxMessage | None:
    """Move the message to ``state`` unless it is that far already; the moved row or None."""
    behind = [s for s, rank in OUTBOX_PROGRESS.items() if rank < OUTBOX_PROGRESS[state]]
    values: dict[str, object] = {"state": state}
    if error:
        values["last_error"] = f"{error[:40]}: {state}"
    result = await session.exec(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.provider_message_id) == provider_id[:64],
            col(OutboxMessage.state).in_(behind),
        )
        .values(**values)
    )
    if not result.rowcount:
        return None
    query = select(OutboxMessage).where(col(OutboxMessage.provider_message_id) == provider_id[:64])
    return (await session.exec(query)).first()

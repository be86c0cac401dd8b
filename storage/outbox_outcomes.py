"""What became of a claimed batch, written in bulk: one executemany per kind of outcome
(sent, retried, failed, back to wait), and only where the worker still holds the claim."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.states import OutboxState
from storage.tables import OutboxAttachment, OutboxMessage


async def finish(
    session: AsyncSession, worker: str, outcomes: Mapping[int, Mapping[str, object]]
) -> set[int]:
    """Record each message's outcome (column -> value), only where ``worker`` still holds
    the claim (a lease may have run out); returns the ids recorded.

    The rows still held are read first, locked on PostgreSQL so no claim can take one
    before the commit; then one executemany per kind of outcome (sent, retried, ...)."""
    if not outcomes:
        return set()
    held_query = select(OutboxMessage.id, OutboxMessage.attachment).where(
        col(OutboxMessage.id).in_(sorted(outcomes)),
        col(OutboxMessage.claimed_by) == worker,
        col(OutboxMessage.state) == OutboxState.SENDING,
    )
    if (await session.connection()).dialect.name == "postgresql":
        held_query = held_query.with_for_update()
    held = {row_id: key for row_id, key in (await session.exec(held_query)).all() if row_id}
    kinds: dict[tuple[str, ...], list[dict[str, object]]] = defaultdict(list)
    for row_id in sorted(held):
        values = outcomes[row_id]
        kinds[tuple(sorted(values))].append(
            {"row_id": row_id, **{f"new_{column}": value for column, value in values.items()}}
        )
    connection = await session.connection()
    for columns, rows in kinds.items():
        await connection.execute(
            sa.update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == sa.bindparam("row_id"),
                col(OutboxMessage.claimed_by) == worker,
            )
            .values(
                claimed_by=None,
                claimed_until=None,
                **{column: sa.bindparam(f"new_{column}") for column in columns},
            ),
            rows,
        )
    # A file is kept only until it is handed over (or given up on).
    done = (OutboxState.SENT, OutboxState.FAILED)
    files = [key for row_id, key in held.items() if key and outcomes[row_id].get("state") in done]
    if files:
        await session.exec(sa.delete(OutboxAttachment).where(col(OutboxAttachment.key).in_(files)))
    return set(held)


async def hold_to_window(session: AsyncSession, project_id: int, opening: datetime) -> int:
    """The project's window is shut: its queued windowed rows wait for ``opening``,
    untouched; returns how many. (Claimed ones are released by the worker's ``finish``.)"""
    result = await session.exec(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.project_id) == project_id,
            col(OutboxMessage.windowed).is_(True),
            col(OutboxMessage.state) == OutboxState.QUEUED,
            col(OutboxMessage.next_attempt_at) < opening,
        )
        .values(next_attempt_at=opening)
    )
    return int(result.rowcount or 0)

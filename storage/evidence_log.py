"""Appending to and reading a project's evidence log, in the caller's transaction.

An append locks the project's head row first (``UPDATE ... RETURNING``), so two
processes appending to one project at once take turns and never fork the chain; on
SQLite every writer takes turns anyway. It costs three statements however many events
it appends: move the head, insert the entries, store the new head's hash.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.evidence_chain import GENESIS, Entry, Event, Head, chained
from storage.db import SessionFactory, dialect_insert
from storage.tables import EvidenceEvent, EvidenceHead, Project


async def start_chain(session: AsyncSession, project_id: int) -> None:
    """A new project's chain, at the genesis."""
    insert = await dialect_insert(session)
    await session.exec(
        insert(EvidenceHead)
        .values(project_id=project_id, seq=0, hash=GENESIS)
        .on_conflict_do_nothing(index_elements=["project_id"])
    )


async def append(session: AsyncSession, project_id: int, events: Sequence[Event]) -> Head:
    """The events at the end of the project's chain; returns the new head."""
    connection = await session.connection()
    code_of = (
        sa.select(col(Project.code))
        .where(col(Project.id) == col(EvidenceHead.project_id))
        .scalar_subquery()
    )
    move = (
        sa.update(EvidenceHead)
        .where(col(EvidenceHead.project_id) == project_id)
        .values(seq=col(EvidenceHead.seq) + len(events))
        .returning(col(EvidenceHead.seq), col(EvidenceHead.hash), code_of)
    )
    moved = (await connection.execute(move)).first()
    if moved is None:  # a project made before its chain could be started
        await start_chain(session, project_id)
        moved = (await connection.execute(move)).one()
    new_seq, old_hash, code = moved
    before = Head(new_seq - len(events), old_hash)
    entries = chained(code, before, events)
    if not entries:
        return before
    await connection.execute(
        sa.insert(EvidenceEvent),
        [
            {
                "project_id": project_id,
                "seq": e.seq,
                "kind": e.kind,
                "at": e.at,
                "summary_id": e.summary_id,
                "detail": e.detail,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in entries
        ],
    )
    head = Head(entries[-1].seq, entries[-1].hash)
    await connection.execute(
        sa.update(EvidenceHead)
        .where(col(EvidenceHead.project_id) == project_id)
        .values(hash=head.hash)
    )
    return head


async def head_of(session: AsyncSession, project_id: int) -> Head | None:
    query = sa.select(col(EvidenceHead.seq), col(EvidenceHead.hash)).where(
        col(EvidenceHead.project_id) == project_id
    )
    row = (await (await session.connection()).execute(query)).first()
    return Head(*row) if row else None


async def entries(
    sessions: SessionFactory, project_id: int, *, batch: int = 5000
) -> AsyncIterator[Entry]:
    """The project's chain in order, read in batches by seq (bounded memory)."""
    after = 0
    while True:
        async with sessions() as session:
            rows = (
                await (await session.connection()).execute(
                    _entry_columns()
                    .where(
                        col(EvidenceEvent.project_id) == project_id, col(EvidenceEvent.seq) > after
                    )
                    .order_by(col(EvidenceEvent.seq))
                    .limit(batch)
                )
            ).all()
        if not rows:
            return
        for row in rows:
            yield Entry(*row)
        after = rows[-1][1]


async def summary_entries(sessions: SessionFactory, summary_id: int) -> list[Entry]:
    """The entries about one summary, in order: what its evidence file carries."""
    async with sessions() as session:
        rows = (
            await (await session.connection()).execute(
                _entry_columns()
                .where(col(EvidenceEvent.summary_id) == summary_id)
                .order_by(col(EvidenceEvent.seq))
            )
        ).all()
    return [Entry(*row) for row in rows]


def _entry_columns() -> sa.Select[str, int, str, datetime, int | None, str, str, str]:
    return sa.select(
        col(Project.code),
        col(EvidenceEvent.seq),
        col(EvidenceEvent.kind),
        col(EvidenceEvent.at),
        col(EvidenceEvent.summary_id),
        col(EvidenceEvent.detail),
        col(EvidenceEvent.prev_hash),
        col(EvidenceEvent.hash),
    ).join(Project, col(Project.id) == col(EvidenceEvent.project_id))

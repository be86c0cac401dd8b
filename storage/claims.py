"""Claiming a unique row: the one way work is done once across processes.

``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` on both databases: the first
transaction to insert the key gets the new row's id; any other gets None, and on
PostgreSQL it first waits for the first one to commit or roll back, so a claim is
never lost to a transaction that failed. No exception crosses into the use-cases.
The insert runs on the transaction's connection: a claim needs no ORM object.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_for


async def claim_row(
    session: AsyncSession, table: type[SQLModel], unique: Sequence[str], **values: Any
) -> Any | None:
    """Insert a row of ``table`` unless one with the same ``unique`` columns exists;
    returns the new row's primary key, or None when the key was taken."""
    connection = await session.connection()
    insert = insert_for(connection.dialect.name)
    primary = next(iter(table.__table__.primary_key.columns))  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(primary)
    )
    return (await connection.execute(statement)).scalar_one_or_none()

"""Retired seal keys, as listed for checking old seals; trusted only when vouched for."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from bot.core.seal_keys import KeyRing, PublicKey, SealKey, key_id_of, trusted_ring, unb64
from storage.db import SessionFactory, dialect_insert, transaction
from storage.tables import SealKeyRow


async def key_ring(sessions: SessionFactory, current: SealKey) -> KeyRing:
    """The current key and every retired one a trusted successor vouched for."""
    async with sessions() as session:
        rows = (await session.exec(select(SealKeyRow))).all()
    listed = []
    for row in rows:
        try:
            public = unb64(row.public_key)
        except ValueError:
            continue  # unreadable: not trusted, like any row nobody vouched for
        if key_id_of(public) == row.key_id:
            listed.append(PublicKey(row.key_id, public, row.vouched_by, row.vouch))
    return trusted_ring(current.public, listed)


async def retire(sessions: SessionFactory, old: SealKey, successor: SealKey, now: datetime) -> None:
    """List ``old`` as retired, vouched for by ``successor`` (a rotation)."""
    vouched = successor.vouch_for(old.public)
    assert vouched.vouched_by is not None and vouched.vouch is not None
    async with transaction(sessions) as session:
        insert = await dialect_insert(session)
        await session.exec(
            insert(SealKeyRow)
            .values(
                key_id=vouched.key_id,
                public_key=vouched.public_b64,
                vouched_by=vouched.vouched_by,
                vouch=vouched.vouch,
                retired_at=now,
            )
            .on_conflict_do_nothing(index_elements=["key_id"])
        )

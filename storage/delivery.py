"""Delivery state from provider callbacks.

Twilio's status callbacks can arrive out of order, so a state only ever moves forward
(a late 'sent' never overwrites 'delivered').
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from storage import audit
from storage.db import SessionFactory, transaction
from storage.tables import OutboxMessage

# Twilio's MessageStatus values, mapped onto our states with a rank: higher wins.
_STATES = {
    "queued": ("sent", 1),
    "accepted": ("sent", 1),
    "sending": ("sent", 1),
    "sent": ("sent", 1),
    "delivered": ("delivered", 3),
    "read": ("delivered", 3),
    "undelivered": ("undelivered", 2),
    "failed": ("failed", 2),
}
_RANK = {"queued": 0, "sending": 0, "sent": 1, "undelivered": 2, "failed": 2, "delivered": 3}


async def record_status(
    sessions: SessionFactory,
    *,
    provider_id: str,
    status: str,
    error_code: str | None,
    now: datetime,
) -> bool:
    """Apply a callback; False when it names no message of ours or would move backwards."""
    mapped = _STATES.get(status.lower())
    if mapped is None:
        return False
    state, rank = mapped
    lower = [name for name, r in _RANK.items() if r < rank]
    async with transaction(sessions) as session:
        values: dict[str, object] = {"state": state}
        if error_code:
            values["last_error"] = f"twilio {error_code[:20]}: {status}"
        result = await session.exec(
            sa.update(OutboxMessage)
            .where(
                col(OutboxMessage.provider_message_id) == provider_id[:64],
                col(OutboxMessage.state).in_(lower),
            )
            .values(**values)
        )
        if result.rowcount and state in ("undelivered", "failed"):
            audit.record(
                session,
                at=now,
                actor="twilio",
                action=f"outbox.{state}",
                provider_id=provider_id[:64],
                error_code=error_code,
            )
        return bool(result.rowcount)

"""Delivery state from provider callbacks.

Twilio's status callbacks can arrive out of order, so a state only ever moves forward
(a late 'sent' never overwrites 'delivered').
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit, notices
from storage.db import SessionFactory, transaction
from storage.tables import OutboxMessage, Person

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


FailureText = Callable[[str, Person, str], str]  # (language, person, reason) -> notice


async def record_status(
    sessions: SessionFactory,
    *,
    provider_id: str,
    status: str,
    error_code: str | None,
    now: datetime,
    failure_text: FailureText | None = None,
) -> bool:
    """Apply a callback; False when it names no message of ours or would move backwards.

    A participant's message that ends undelivered or failed is told to the project's
    coordinators (``failure_text`` renders the notice) in the same transaction.
    """
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
            if failure_text is not None:
                await _tell_failure(session, provider_id, status, error_code, failure_text, now)
        return bool(result.rowcount)


async def _tell_failure(
    session: AsyncSession,
    provider_id: str,
    status: str,
    error_code: str | None,
    failure_text: FailureText,
    now: datetime,
) -> None:
    query = select(OutboxMessage).where(col(OutboxMessage.provider_message_id) == provider_id[:64])
    row = (await session.exec(query)).first()
    if row is None or row.person_id is None or row.purpose in ("coordinator", "reply"):
        return
    person = await session.get(Person, row.person_id)
    if person is None:
        return
    reason = f"SMS {status}" + (f" (Twilio {error_code[:20]})" if error_code else "")
    await notices.tell_coordinators(
        session, person.project_id, lambda lang: failure_text(lang, person, reason), now=now
    )

"""Delivery state from provider callbacks.

Twilio's status callbacks can arrive out of order, so a state only ever moves forward
(a late 'sent' never overwrites 'delivered'). They can also arrive before the worker has
recorded the message's provider id: such a callback is kept as an ``EarlyStatus`` and
applied when the send is recorded. Both sides take a per-id lock first (an advisory
lock on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers anyway), so a callback
either finds the id or is kept where the worker will find it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit, notices
from storage.db import SessionFactory, transaction
from storage.tables import EarlyStatus, OutboxMessage, Person

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

# Renders a coordinator notice: (language, person_ref=, person_name=, reason=) -> text.
FailureText = Callable[..., str]


async def lock_provider_id(session: AsyncSession, provider_id: str) -> None:
    if (await session.connection()).dialect.name == "postgresql":
        lock = sa.func.pg_advisory_xact_lock(sa.func.hashtext(provider_id[:64]))
        await session.exec(select(lock))


async def record_status(
    sessions: SessionFactory,
    *,
    provider_id: str,
    status: str,
    error_code: str | None,
    now: datetime,
    failure_text: FailureText | None = None,
) -> bool:
    """Apply a callback; False when it is not a status we know or would move backwards.

    A participant's message that ends undelivered or failed is told to the project's
    coordinators (``failure_text`` renders the notice) in the same transaction.
    """
    if status.lower() not in _STATES:
        return False
    async with transaction(sessions) as session:
        await lock_provider_id(session, provider_id)
        known = await session.exec(
            select(OutboxMessage.id).where(
                col(OutboxMessage.provider_message_id) == provider_id[:64]
            )
        )
        if known.first() is None:
            early = await session.get(EarlyStatus, (provider_id[:64], status.lower()[:16]))
            if early is None:
                session.add(
                    EarlyStatus(
                        provider_id=provider_id[:64],
                        status=status.lower()[:16],
                        error_code=error_code[:20] if error_code else None,
                        received_at=now,
                    )
                )
            return False
        return await _apply(session, provider_id, status, error_code, now, failure_text)


async def apply_early_statuses(
    session: AsyncSession, provider_id: str, now: datetime, failure_text: FailureText | None
) -> None:
    """Called where the worker records a send (inside ``lock_provider_id``)."""
    query = select(EarlyStatus).where(col(EarlyStatus.provider_id) == provider_id[:64])
    for early in (await session.exec(query)).all():
        await _apply(session, provider_id, early.status, early.error_code, now, failure_text)
        await session.delete(early)


async def _apply(
    session: AsyncSession,
    provider_id: str,
    status: str,
    error_code: str | None,
    now: datetime,
    failure_text: FailureText | None,
) -> bool:
    state, rank = _STATES[status.lower()]
    lower = [name for name, r in _RANK.items() if r < rank]
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
        session,
        person.project_id,
        lambda lang: failure_text(
            lang, person_ref=person.ref, person_name=person.name, reason=reason
        ),
        now=now,
    )

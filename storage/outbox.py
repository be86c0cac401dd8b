"""The outbox: every outgoing message is a row before anyone is told it was sent.

Claims work the same on both databases: pick a candidate, then a conditional UPDATE
that must change exactly one row. PostgreSQL adds FOR UPDATE SKIP LOCKED so that
several workers pick different candidates instead of queueing on the same row;
SQLite ignores it and runs one writer at a time anyway.

A claim is fair: it passes over rows whose send slot is taken (a Telegram chat that
had its one message this second, a channel whose shared bucket is full), so they wait
untouched and the oldest row that can leave now goes first. One chat flooded with
answers thus holds back nobody else.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.rate_limits import CHAT_BUCKET_PREFIX
from bot.core.sms_segments import fit_sms
from bot.core.states import Channel, OutboxState
from storage.db import SessionFactory, transaction
from storage.tables import OutboxAttachment, OutboxMessage, RateBucket

QUEUED, SENDING, SENT, FAILED = (
    OutboxState.QUEUED,
    OutboxState.SENDING,
    OutboxState.SENT,
    OutboxState.FAILED,
)


@dataclass(frozen=True)
class Outgoing:
    channel: Channel
    address: str
    text: str
    purpose: str
    project_id: int | None = None
    person_id: int | None = None
    summary_id: int | None = None
    sealed_code: str | None = None
    validity_seconds: int | None = None
    buttons: tuple[tuple[str, str], ...] = ()  # Telegram inline buttons: (label, command)
    attachment: tuple[str, bytes] | None = None  # Telegram only: (file name, content)
    # Telegram only: a keyboard button that shares the person's own phone number, or
    # taking such a keyboard away again once it has done its work.
    contact_button: str | None = None
    remove_keyboard: bool = False
    windowed: bool = False  # wait for the project's sending window (needs project_id)


def _values(message: Outgoing, now: datetime) -> dict[str, Any]:
    """The row of a queued message; an SMS is fitted to its segment budget here, so the
    row holds exactly what the phone will show."""
    return {
        "project_id": message.project_id,
        "person_id": message.person_id,
        "summary_id": message.summary_id,
        "purpose": message.purpose,
        "channel": message.channel,
        "address": message.address,
        "text": fit_sms(message.text) if message.channel == "sms" else message.text,
        "sealed_code": message.sealed_code,
        "validity_seconds": message.validity_seconds,
        "buttons": json.dumps(message.buttons) if message.buttons else None,
        "keyboard": _keyboard(message),
        "windowed": message.windowed and message.project_id is not None,
        "state": QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def enqueue(session: AsyncSession, message: Outgoing, *, now: datetime) -> OutboxMessage:
    """Queue ``message`` (with its file, if any) in the caller's transaction."""
    row = OutboxMessage(**_values(message, now))
    if message.attachment is not None:
        name, content = message.attachment
        row.attachment = secrets.token_hex(16)
        session.add(
            OutboxAttachment(key=row.attachment, name=name[:120], content=content, created_at=now)
        )
    session.add(row)
    return row


async def enqueue_many(session: AsyncSession, messages: list[Outgoing], *, now: datetime) -> None:
    """Queue many messages in one statement (a month close); files are not for this."""
    if not messages:
        return
    assert all(m.attachment is None for m in messages), "files go through enqueue"
    connection = await session.connection()
    await connection.execute(sa.insert(OutboxMessage), [_values(m, now) for m in messages])


def _keyboard(message: Outgoing) -> str | None:
    if message.contact_button is not None:
        return json.dumps({"contact": message.contact_button})
    return json.dumps({"remove": True}) if message.remove_keyboard else None


def keyboard_of(row: OutboxMessage) -> tuple[str | None, bool]:
    """The row's reply keyboard: (share-contact button label, remove the keyboard)."""
    stored = json.loads(row.keyboard) if row.keyboard else {}
    return stored.get("contact"), bool(stored.get("remove"))


async def attachment_of(session: AsyncSession, row: OutboxMessage) -> tuple[str, bytes] | None:
    if row.attachment is None:
        return None
    stored = await session.get(OutboxAttachment, row.attachment)
    return (stored.name, stored.content) if stored is not None else None


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    # A 'sending' row whose lease ran out belongs to a worker that died mid-send.
    return sa.or_(
        sa.and_(col(OutboxMessage.state) == QUEUED, col(OutboxMessage.next_attempt_at) <= now),
        sa.and_(col(OutboxMessage.state) == SENDING, col(OutboxMessage.claimed_until) < now),
    )


def _slot_free(now: datetime, busy_channels: frozenset[str]) -> sa.ColumnElement[bool]:
    chat_busy = sa.exists().where(
        col(RateBucket.key) == sa.literal(CHAT_BUCKET_PREFIX) + col(OutboxMessage.address),
        col(RateBucket.next_free_at) > now,
    )
    free = sa.not_(sa.and_(col(OutboxMessage.channel) == Channel.TELEGRAM, chat_busy))
    if busy_channels:
        free = sa.and_(free, col(OutboxMessage.channel).not_in(sorted(busy_channels)))
    return free


async def claim(
    sessions: SessionFactory,
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    message_id: int | None = None,
    busy_channels: frozenset[str] = frozenset(),
) -> OutboxMessage | None:
    """Claim the oldest due message that may leave now (or ``message_id``) for ``worker``;
    None if none is free. ``busy_channels``: channels whose shared send bucket is full."""
    async with transaction(sessions) as session:
        query = select(OutboxMessage.id).where(_claimable(now))
        if message_id is not None:
            query = query.where(OutboxMessage.id == message_id)
        else:
            query = query.where(_slot_free(now, busy_channels))
        query = query.order_by(col(OutboxMessage.id)).limit(1)
        if (await session.connection()).dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        candidate = (await session.exec(query)).first()
        if candidate is None:
            return None
        # RETURNING the claimed row: one statement, not an UPDATE and a SELECT.
        claimed = await session.exec(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id) == candidate, _claimable(now))
            .values(
                state=SENDING,
                claimed_by=worker,
                claimed_until=now + lease,
                attempts=OutboxMessage.attempts + 1,
            )
            .returning(OutboxMessage)
            .execution_options(populate_existing=True)
        )
        row: OutboxMessage | None = claimed.scalar_one_or_none()
        return row


async def finish(session: AsyncSession, message_id: int, worker: str, **values: object) -> bool:
    """Record an outcome, only if ``worker`` still holds the claim (its lease may have run out)."""
    result = await session.exec(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.claimed_by) == worker,
            col(OutboxMessage.state) == SENDING,
        )
        .values(claimed_by=None, claimed_until=None, **values)
        .returning(col(OutboxMessage.attachment))
    )
    recorded = result.all()
    if not recorded:
        return False
    attachment = recorded[0][0]
    if attachment is not None and values.get("state") in (SENT, FAILED):
        # A file is kept only until it is handed over (or given up on).
        await session.exec(
            sa.delete(OutboxAttachment).where(col(OutboxAttachment.key) == attachment)
        )
    return True


async def hold_to_window(
    sessions: SessionFactory, project_id: int, opening: datetime, worker: str, message_id: int
) -> int:
    """The project's window is shut: its windowed rows wait for ``opening``, untouched
    (the claimed one too, with no attempt counted); returns how many were held."""
    async with transaction(sessions) as session:
        await finish(
            session,
            message_id,
            worker,
            state=QUEUED,
            next_attempt_at=opening,
            attempts=OutboxMessage.attempts - 1,
        )
        result = await session.exec(
            sa.update(OutboxMessage)
            .where(
                col(OutboxMessage.project_id) == project_id,
                col(OutboxMessage.windowed).is_(True),
                col(OutboxMessage.state) == QUEUED,
                col(OutboxMessage.next_attempt_at) < opening,
            )
            .values(next_attempt_at=opening)
        )
    return int(result.rowcount or 0) + 1


async def next_chance(sessions: SessionFactory, now: datetime) -> datetime | None:
    """The first moment a queued message may be sendable: its due time, or for one due
    already but waiting for a send slot, the moment the first slot frees."""
    async with sessions() as session:
        due = (
            await session.exec(
                select(sa.func.min(OutboxMessage.next_attempt_at)).where(
                    col(OutboxMessage.state) == QUEUED
                )
            )
        ).one()
        if due is None:
            return None
        due = _aware(due)
        if due > now:
            return due
        slot = (
            await session.exec(
                select(sa.func.min(RateBucket.next_free_at)).where(
                    col(RateBucket.next_free_at) > now
                )
            )
        ).one()
    return _aware(slot) if slot is not None else now


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; they are stored as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

"""The outbox: every outgoing message is a row before anyone is told it was sent.

Here messages are queued, in the caller's transaction, and read back for sending;
``storage.outbox_claims`` hands them to workers, ``storage.outbox_outcomes`` records
what became of them.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.sms_segments import fit_sms
from bot.core.states import Channel, OutboxState
from storage.tables import OutboxAttachment, OutboxMessage

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

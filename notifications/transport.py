"""The outbound seam: one transport per channel, one ``send()``, one error type.

Transports raise only ``bot.core.errors.DeliveryError``; its ``permanent`` flag is the one
decision the outbox dispatcher needs (retry later, or record and tell a coordinator).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Envelope:
    address: str  # E.164 phone for "sms", Telegram chat id as str for "telegram"
    text: str
    validity_seconds: int | None = None  # SMS only: Twilio drops it if not delivered by then
    status_callback: str | None = None  # SMS only: where Twilio reports delivery
    buttons: tuple[tuple[str, str], ...] = ()  # Telegram only: (label, callback data) rows
    attachment: tuple[str, bytes] | None = None  # Telegram only: a document; text is its caption
    contact_button: str | None = None  # Telegram only: a "share my phone number" keyboard
    remove_keyboard: bool = False  # Telegram only: take that keyboard away
    code: str | None = None  # the one-time code the text carries, for a transport to hide


@dataclass(frozen=True)
class Sent:
    provider_id: str  # Twilio MessageSid / Telegram message_id
    new_address: str | None = None  # Telegram moved the chat (ChatMigrated) and we followed


class Transport(Protocol):
    channel: str

    async def send(self, envelope: Envelope) -> Sent: ...

    async def aclose(self) -> None: ...

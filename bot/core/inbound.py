"""An inbound participant message as the conversation sees it, whatever carried it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.states import Channel


@dataclass(frozen=True)
class Inbound:
    channel: Channel
    provider_id: str  # Twilio MessageSid / Telegram update_id: the de-duplication key
    sender: str  # E.164 phone / Telegram chat id
    text: str
    language_hint: str | None = None  # e.g. Telegram's user language, for unknown senders

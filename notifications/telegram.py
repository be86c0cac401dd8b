"""Telegram messages through python-telegram-bot's Bot.

Classification is precise because PTB's hierarchy is not: ``BadRequest`` and
``TimedOut`` both subclass ``NetworkError``, so "retry on NetworkError" would retry a
400 forever. The Bot's lifecycle (initialize/shutdown) belongs to whoever built it.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.core.errors import DeliveryError
from notifications.transport import Envelope, Sent

CAPTION_LIMIT = 1024  # Telegram's limit for a document's caption


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(error: TelegramError) -> DeliveryError:
    if isinstance(error, RetryAfter):
        # Flood control: Telegram says exactly how long to wait.
        return DeliveryError(
            "telegram 429: flood control", permanent=False, retry_after=_seconds(error.retry_after)
        )
    if isinstance(error, Forbidden):
        # The person blocked the bot or deleted their account: no retry will reach them.
        return DeliveryError("telegram 403: bot blocked or user gone", permanent=True)
    if isinstance(error, BadRequest):
        if "chat not found" in error.message.lower():
            return DeliveryError("telegram 400: chat not found", permanent=True)
        return DeliveryError(f"telegram 400: {error.message[:80]}", permanent=True)
    if isinstance(error, InvalidToken):
        # A wrong token is our configuration, not the person: keep the message queued
        # (with backoff) so it goes out once an operator fixes the token.
        return DeliveryError("telegram: invalid bot token", permanent=False)
    if isinstance(error, TimedOut | NetworkError):
        return DeliveryError(f"telegram unreachable: {type(error).__name__}", permanent=False)
    return DeliveryError(f"telegram error: {type(error).__name__}", permanent=False)


Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def inline_keyboard(buttons: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup:
    """(label, callback data) pairs, one a row."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data)] for label, data in buttons]
    )


def _markup(envelope: Envelope) -> Markup | None:
    if envelope.buttons:
        return inline_keyboard(envelope.buttons)
    if envelope.contact_button is not None:
        button = KeyboardButton(envelope.contact_button, request_contact=True)
        return ReplyKeyboardMarkup([[button]], one_time_keyboard=True, resize_keyboard=True)
    return ReplyKeyboardRemove() if envelope.remove_keyboard else None


class TelegramTransport:
    channel = "telegram"

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, envelope: Envelope) -> Sent:
        markup = _markup(envelope)
        try:
            message = await self._post(int(envelope.address), envelope, markup)
        except ChatMigrated as migrated:
            # A group became a supergroup: follow it once, and report the new id.
            new_chat = migrated.new_chat_id
            try:
                message = await self._post(new_chat, envelope, markup)
            except TelegramError as error:
                raise classify(error) from None
            return Sent(provider_id=str(message.message_id), new_address=str(new_chat))
        except TelegramError as error:
            raise classify(error) from None
        return Sent(provider_id=str(message.message_id))

    async def _post(self, chat_id: int, envelope: Envelope, markup: Markup | None) -> Message:
        if envelope.attachment is None:
            return await self._bot.send_message(
                chat_id=chat_id, text=envelope.text, reply_markup=markup
            )
        name, content = envelope.attachment
        return await self._bot.send_document(
            chat_id=chat_id,
            document=InputFile(content, filename=name),
            caption=envelope.text[:CAPTION_LIMIT] or None,
            reply_markup=markup,
        )

    async def aclose(self) -> None:
        return None  # the Bot belongs to the caller (the web app or the worker runtime)

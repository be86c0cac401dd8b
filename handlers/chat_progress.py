"""'Closing… 40 %' in the chat while a long close runs: one message, edited in place.

A progress line is no evidence and no answer, so it goes straight to the Bot API, not
through the outbox; it is edited at most every two seconds, and a failure to show it
changes nothing. A close done in one batch shows no progress line at all.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram.error import TelegramError

from bot.core.i18n import Message

log = logging.getLogger(__name__)

EDIT_EVERY = 2.0  # seconds


class ChatProgress:
    def __init__(self, bot: Any, chat_id: int, language: str) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._language = language
        self._message_id: int | None = None
        self._shown_at = 0.0

    async def __call__(self, done: int, total: int) -> None:
        finished = done >= total
        if self._message_id is None and finished:
            return
        recently = time.monotonic() - self._shown_at < EDIT_EVERY
        if self._message_id is not None and not finished and recently:
            return
        text = Message("Closing… %(percent)s", percent=f"{done * 100 // max(total, 1)} %")
        line = text.text(self._language)
        try:
            if self._message_id is None:
                sent = await self._bot.send_message(self._chat_id, line)
                self._message_id = sent.message_id
            else:
                await self._bot.edit_message_text(line, self._chat_id, self._message_id)
        except TelegramError as error:
            log.info("progress line not shown: %s", type(error).__name__)
        self._shown_at = time.monotonic()

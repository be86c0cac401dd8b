"""A pressed Previous / Next shows its page in place of the message the button is on.

A page reports no change and is no evidence, so like the progress line it goes straight
to the Bot API (editMessageText), not through the outbox. When Telegram refuses the edit
(the message is gone or too old to edit, flood control), the caller sends the page as a
new message through the outbox instead, so a press is never left unanswered.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import MaybeInaccessibleMessage
from telegram.error import BadRequest, TelegramError

from bot.core.chat import CommandReply
from notifications.telegram import inline_keyboard

log = logging.getLogger(__name__)


async def show_in_place(bot: Any, message: MaybeInaccessibleMessage, reply: CommandReply) -> bool:
    """Whether ``message`` now shows ``reply`` (or already did)."""
    try:
        await bot.edit_message_text(
            reply.text,
            chat_id=message.chat.id,
            message_id=message.message_id,
            reply_markup=inline_keyboard(reply.buttons),
        )
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return True  # the same page pressed twice: it is shown already
        log.info("page not shown in place: %s", error.message[:80])
        return False
    except TelegramError as error:
        log.info("page not shown in place: %s", type(error).__name__)
        return False
    return True

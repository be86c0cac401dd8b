"""What a Telegram update must look like before PTB reads it.

PTB trusts its input, and what it builds from a number beyond 64 bits or a message
without a sender fails later, in a handler. The webhook and the polling loop both ask.
"""

from __future__ import annotations

import re
from typing import Any

MAX_DEPTH = 12  # a reply to a message that quotes another: Telegram nests a few levels
ID_LIMIT = 2**53  # Telegram ids fit in 52 bits; a BIGINT column holds 63
DATE_LIMIT = 2**33  # seconds since 1970: past the year 2200


def update_problem(data: object) -> str | None:
    """What makes ``data`` no update the handlers can act on, or None.

    Checked before PTB reads it: PTB trusts its input, and what it builds from a number
    beyond 64 bits or a message without a sender fails later, in a handler.
    """
    if not isinstance(data, dict) or not _plain_int(data.get("update_id"), ID_LIMIT):
        return "no update_id"
    if _depth(data) > MAX_DEPTH:
        return "nested too deeply"
    if "message" in data:
        return _message_problem(data["message"])
    if "callback_query" in data:
        query = data["callback_query"]
        if not isinstance(query, dict) or not _sender_ok(query.get("from")):
            return "a button press without its sender"
        if not isinstance(query.get("data", ""), str) or not isinstance(query.get("id"), str):
            return "a button press without its id or data"
    return None


def _message_problem(message: object) -> str | None:
    if not isinstance(message, dict):
        return "a message that is not an object"
    chat = message.get("chat")
    if not isinstance(chat, dict) or not _plain_int(chat.get("id"), ID_LIMIT):
        return "a message without its chat"
    if not _sender_ok(message.get("from")):
        return "a message without its sender"
    if not _plain_int(message.get("date"), DATE_LIMIT) or message["date"] < 0:
        return "a message without a date"
    for field in ("text", "caption"):
        if field in message and not isinstance(message[field], str):
            return f"a {field} that is not a string"
    return None


def _sender_ok(sender: object) -> bool:
    return isinstance(sender, dict) and _plain_int(sender.get("id"), ID_LIMIT)


def _plain_int(value: object, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -limit < value < limit


def _depth(value: object, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


_SURROGATE = re.compile("[\ud800-\udfff]")  # half of a pair: JSON can escape it, UTF-8 cannot


def storable(value: Any) -> Any:
    """``value`` with every string encodable as UTF-8: lone surrogates become U+FFFD,
    so the text is kept, visibly damaged, and never left to the driver. NUL stays: a
    command holding one is refused with a sentence, a reply's text is cleaned where it
    is stored (``handlers.telegram_bot``), and JSON keeps it escaped in the stored row."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value

"""POST /webhooks/telegram: authenticate, parse, hand the update to PTB's queue, answer 200.

Answering at once (the update is processed from the queue) keeps Telegram from
re-sending while we work; the de-duplication gate catches the re-sends that happen anyway.
"""

from __future__ import annotations

import hmac
import json

from aiohttp import web
from telegram import Update

from handlers.keys import CONFIG, TELEGRAM

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


async def telegram_webhook(request: web.Request) -> web.Response:
    application = request.app.get(TELEGRAM)
    expected = request.app[CONFIG].telegram_webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    if (
        application is None
        or expected is None
        or not hmac.compare_digest(given.encode(), expected.encode())
    ):
        raise web.HTTPForbidden(text="Wrong or missing secret token.\n")
    try:
        data = json.loads(await request.read())
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("not an update")
        update = Update.de_json(data, application.bot)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise web.HTTPBadRequest(text="The body is not a Telegram update.\n") from None
    await application.update_queue.put(update)
    return web.Response(text="ok")

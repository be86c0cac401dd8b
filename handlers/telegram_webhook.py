"""POST /webhooks/telegram: authenticate, check, store the update, answer 200.

The 200 is a promise: Telegram never sends an acknowledged update again, so it is given
only once the update is in the database (``handlers.update_pump`` processes it from
there). Answering before the processing keeps Telegram from re-sending while we work;
a re-sent update finds its row and acts no second time.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update

from bot.core.states import Channel
from bot.usecases.signing.inbound_gate import admit_sender
from handlers import metrics
from handlers.keys import CONFIG, CORE, PUMP, TELEGRAM
from handlers.update_pump import chat_of
from handlers.update_shape import storable, update_problem

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


async def telegram_webhook(request: web.Request) -> web.Response:
    application = request.app.get(TELEGRAM)
    expected = request.app[CONFIG].telegram_webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    if (
        application is None
        or expected is None
        or not hmac.compare_digest(given.encode(errors="replace"), expected.encode())
    ):
        raise web.HTTPForbidden(text="Wrong or missing secret token.\n")
    try:
        data = json.loads(await request.read())
    except (ValueError, RecursionError):
        raise web.HTTPBadRequest(text="The body is not JSON.\n") from None
    problem = update_problem(data)
    if problem is not None:
        raise web.HTTPBadRequest(text=f"The body is not a Telegram update: {problem}.\n")
    data = storable(data)  # after the depth check: it walks every level
    try:
        update = Update.de_json(data, application.bot)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
        raise web.HTTPBadRequest(text="The body is not a Telegram update.\n") from None
    del update  # read once to know it can be read again when it is processed
    try:
        chat = chat_of(data)
        if chat is not None and not await admit_sender(
            request.app[CORE], Channel.TELEGRAM, str(chat)
        ):
            metrics.INBOUND_REFUSED.labels(channel=Channel.TELEGRAM).inc()
            return web.Response(text="ok")  # counted, and nothing more
        await request.app[PUMP].accept(data)
    except Exception:
        # Not stored, so no promise: Telegram keeps the update and sends it again.
        log.exception("telegram update could not be stored")
        raise web.HTTPServiceUnavailable(text="Not stored; send it again later.\n") from None
    return web.Response(text="ok")

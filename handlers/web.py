"""The web app factory: every route of ``timesign serve`` and the Telegram lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.usecases.context import Core
from handlers.command_menu import set_command_menus
from handlers.health import healthz
from handlers.keys import CONFIG, CORE, DISPATCHER, PUMP, TELEGRAM
from handlers.metrics_page import metrics_page
from handlers.public_keys import KEYS_PATH, public_keys
from handlers.receipt_page import receipt_page
from handlers.telegram_bot import TelegramApp
from handlers.telegram_webhook import telegram_webhook
from handlers.twilio_webhooks import inbound_sms, status_callback
from handlers.update_pump import UpdatePump
from handlers.web_config import WebConfig
from notifications.dispatcher import Dispatcher

WEBHOOK_PATH = "/webhooks/telegram"
MAX_BODY = 1024 * 1024  # webhooks are small; a larger body is refused before parsing


def create_app(
    *,
    config: WebConfig,
    core: Core,
    dispatcher: Dispatcher,
    telegram: TelegramApp | None = None,
    polling: bool = False,
    worker: str = "web",
) -> web.Application:
    """``polling``: fetch Telegram updates by long polling (no public URL) instead of
    receiving them on the webhook; ``worker``: this process's name on its claims."""
    app = web.Application(client_max_size=MAX_BODY)
    app[CONFIG] = config
    app[CORE] = core
    app[DISPATCHER] = dispatcher
    if telegram is not None:
        app[TELEGRAM] = telegram
        app[PUMP] = UpdatePump(telegram, core, worker, polling=polling)
        app.cleanup_ctx.append(_telegram_lifecycle)
    app.router.add_post(WEBHOOK_PATH, telegram_webhook)
    app.router.add_post("/webhooks/twilio/sms", inbound_sms)
    app.router.add_post("/webhooks/twilio/status", status_callback)
    app.router.add_get("/r/{receipt}", receipt_page)
    app.router.add_get(KEYS_PATH, public_keys)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    app.on_response_prepare.append(_no_server_banner)
    return app


async def _no_server_banner(_request: web.Request, response: web.StreamResponse) -> None:
    """The software and its version are nobody's business: no Server header."""
    response.headers.pop("Server", None)


async def _telegram_lifecycle(app: web.Application) -> AsyncIterator[None]:
    application = app[TELEGRAM]
    config = app[CONFIG]
    pump = app[PUMP]
    await application.initialize()
    if config.public_url and config.telegram_webhook_secret and not pump.polling:
        await application.bot.set_webhook(
            url=config.public_url + WEBHOOK_PATH,
            secret_token=config.telegram_webhook_secret,
            allowed_updates=["message", "callback_query"],
        )
    await set_command_menus(application.bot)
    await application.start()
    await pump.start()  # polling, if so, and the sweep for what a dead process left
    yield
    await pump.stop()
    await application.stop()
    await application.shutdown()

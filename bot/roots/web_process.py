"""The web process's parts joined once: the PTB application, its handlers, the routes.

``timesign serve`` and the tests build the web process through here, so the tests see
what a deployment runs.
"""

from __future__ import annotations

from aiohttp import web

from bot.commands.runner import CommandLayer
from bot.roots.config import Settings
from bot.roots.wiring import Runtime
from handlers.telegram_bot import TelegramApp, install_handlers, new_application
from handlers.web import create_app
from handlers.web_config import WebConfig


def telegram_application(settings: Settings) -> TelegramApp | None:
    """Telegram by webhook when there is a public URL, else by long polling (local use)."""
    if settings.telegram_token is None:
        return None
    return new_application(
        token=settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url or "https://api.telegram.org/bot",
    )


def web_config(settings: Settings) -> WebConfig:
    secret, token = settings.telegram_webhook_secret, settings.twilio_auth_token
    metrics = settings.metrics_token
    return WebConfig(
        public_url=settings.public_url,
        telegram_webhook_secret=secret.get_secret_value() if secret else None,
        twilio_auth_token=token.get_secret_value() if token else None,
        metrics_token=metrics.get_secret_value() if metrics else None,
    )


def web_app(settings: Settings, runtime: Runtime, telegram: TelegramApp | None) -> web.Application:
    if telegram is not None:
        install_handlers(
            telegram,
            runtime.core,
            runtime.dispatcher,
            CommandLayer(runtime.core),
            settings.admin_telegram_ids,
        )
    return create_app(
        config=web_config(settings),
        core=runtime.core,
        dispatcher=runtime.dispatcher,
        telegram=telegram,
        polling=settings.public_url is None,
        worker=runtime.dispatcher.worker,
    )

"""``timesign serve``: the aiohttp web process, with Telegram by webhook or long polling."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.roots.config import Settings
from bot.roots.wiring import build_runtime
from handlers.telegram_bot import install_handlers, new_application
from handlers.web import create_app

log = logging.getLogger(__name__)


async def serve(settings: Settings, *, host: str, port: int, dev: bool) -> None:
    telegram = None
    if settings.telegram_token is not None:
        telegram = new_application(
            token=settings.telegram_token.get_secret_value(),
            base_url=settings.telegram_api_url or "https://api.telegram.org/bot",
            polling=settings.public_url is None,
        )
    runtime = await build_runtime(
        settings, dev=dev, telegram_bot=telegram.bot if telegram else None
    )
    if telegram is not None:
        install_handlers(telegram, runtime.core, runtime.dispatcher, settings.admin_telegram_ids)
    app = create_app(
        settings=settings, core=runtime.core, dispatcher=runtime.dispatcher, telegram=telegram
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    mode = "off" if telegram is None else ("webhook" if settings.public_url else "long polling")
    log.info("serving on http://%s:%d (Telegram: %s)", host, port, mode)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await runtime.aclose()

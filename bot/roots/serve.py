"""``timesign serve``: the aiohttp web process, with Telegram by webhook or long polling."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.roots.config import Settings
from bot.roots.web_process import telegram_application, web_app
from bot.roots.wiring import build_runtime

log = logging.getLogger(__name__)


async def serve(settings: Settings, *, host: str, port: int, dev: bool) -> None:
    telegram = telegram_application(settings)
    runtime = await build_runtime(
        settings, dev=dev, telegram_bot=telegram.bot if telegram else None
    )
    app = web_app(settings, runtime, telegram)
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

"""``timesign serve``: the aiohttp web process, with Telegram by webhook or long polling."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.roots.config import Settings
from bot.roots.web_process import telegram_application, web_app
from bot.roots.wiring import build_runtime

log = logging.getLogger(__name__)


def quiet_bad_requests(record: logging.LogRecord) -> bool:
    """A malformed request line (any scanner sends them) is one INFO line, not a
    traceback at ERROR: it is the client's fault, and nothing was done."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, HttpProcessingError):
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.msg, record.args = "bad request refused: %s", (error.message,)
        record.exc_info, record.exc_text = None, None
    return True


async def serve(settings: Settings, *, host: str, port: int, dev: bool) -> None:
    logging.getLogger("aiohttp.server").addFilter(quiet_bad_requests)
    telegram = telegram_application(settings)
    runtime = await build_runtime(
        settings, dev=dev, telegram_bot=telegram.bot if telegram else None
    )
    app = web_app(settings, runtime, telegram)
    runner = web.AppRunner(app)
    await runner.setup()
    # What is built by now lives as long as the process. Frozen, a full collection no
    # longer walks it: one triggered by a long answer (/unsigned for 2 000 people makes
    # tens of thousands of objects) took 100-250 ms instead of 20-50.
    gc.collect()
    gc.freeze()
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

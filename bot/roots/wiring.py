"""The composition root: settings in, a running set of adapters out, built once.

Only here (and in the CLI that calls it) do the core and the adapters meet.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from dataclasses import dataclass, field
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.core.rate_limits import RatePolicy
from bot.roots.config import Settings
from bot.roots.core import build_core
from bot.usecases.context import Clock, Core, system_clock
from notifications.console import ConsoleTransport
from notifications.dispatcher import BATCH, Dispatcher
from notifications.telegram import TelegramTransport
from notifications.transport import Transport
from notifications.twilio_sms import TwilioSmsTransport
from storage import superusers
from storage.db import create_engine
from storage.rate_limits import RateLimiter


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    core: Core
    transports: dict[str, Transport]
    dispatcher: Dispatcher
    _bots: list[Bot] = field(default_factory=list)

    async def aclose(self) -> None:
        for transport in self.transports.values():
            await transport.aclose()
        for bot in self._bots:
            await bot.shutdown()
        await self.engine.dispose()


async def build_runtime(
    settings: Settings,
    *,
    dev: bool = False,
    clock: Clock = system_clock,
    console: TextIO = sys.stdout,
    telegram_bot: Bot | None = None,
    limit_rates: bool = True,
) -> Runtime:
    """Everything a web or worker process needs. ``telegram_bot``: reuse the web process's
    PTB bot for sending, so one process keeps one HTTP pool to Telegram. ``limit_rates``
    off only for tests whose clock stands still (a second message to a chat would wait)."""
    engine = create_engine(settings.database_url)
    core = build_core(settings, engine, dev=dev, clock=clock)
    await superusers.mirror(core.sessions, settings.admin_telegram_ids, now=clock())
    transports: dict[str, Transport] = {}
    bots: list[Bot] = []
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from:
        transports["sms"] = TwilioSmsTransport(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token.get_secret_value(),
            sender=settings.twilio_from,
            api_url=settings.twilio_api_url or "https://api.twilio.com",
        )
    else:
        transports["sms"] = ConsoleTransport("sms", console, reveal_codes=dev)
    if settings.telegram_token is not None:
        if telegram_bot is None:
            telegram_bot = Bot(
                settings.telegram_token.get_secret_value(),
                base_url=settings.telegram_api_url or "https://api.telegram.org/bot",
                # PTB's default is one connection: a batch sent side by side would wait
                # for it and time out in the pool.
                request=HTTPXRequest(connection_pool_size=BATCH),
            )
            await telegram_bot.initialize()
            bots.append(telegram_bot)
        transports["telegram"] = TelegramTransport(telegram_bot)
    else:
        transports["telegram"] = ConsoleTransport("telegram", console, reveal_codes=dev)
    status_callback = (
        f"{settings.public_url}/webhooks/twilio/status" if settings.public_url else None
    )
    dispatcher = Dispatcher(
        core.sessions,
        transports,
        key=core.key,
        clock=clock,
        worker=worker_name(),
        status_callback=status_callback,
        limiter=RateLimiter(
            core.sessions,
            RatePolicy(
                sms_per_second=settings.twilio_messages_per_second,
                sms_sender=settings.twilio_from or "console",
                channels=frozenset(
                    name
                    for name, transport in transports.items()
                    if not isinstance(transport, ConsoleTransport)
                ),
            ),
        )
        if limit_rates
        else None,
    )
    return Runtime(settings, engine, core, transports, dispatcher, bots)

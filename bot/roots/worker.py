"""``timesign worker``: rounds of scheduled closes, due reminders and outbox delivery.

On SIGTERM (a platform restart gives 30 s before the kill) the current batch is
finished and the loop exits; a message claimed but never finished is re-claimed by
any worker once its lease runs out, so a kill loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from datetime import datetime, timedelta

from bot.core.inbound_limits import KEEP_WINDOWS
from bot.roots.config import Settings
from bot.usecases.closing.scheduled import (
    run_due_resends,
    run_interrupted_closes,
    run_scheduled_closes,
)
from bot.usecases.context import Clock, Core, system_clock
from bot.usecases.reminding.reminders import send_due_reminders
from notifications.dispatcher import Dispatcher
from storage import inbound_limits, telegram_updates

log = logging.getLogger(__name__)

KEEP_UPDATE_IDS = timedelta(days=2)  # Telegram re-sends within hours, if at all


def clock_from(at: datetime | None) -> Clock:
    """``--at``: the clock starts at that moment and runs on from there."""
    if at is None:
        return system_clock
    started = time.monotonic()
    return lambda: at + timedelta(seconds=time.monotonic() - started)


async def run_due(dispatcher: Dispatcher, stop: asyncio.Event | None = None) -> int:
    """Deliver everything due now, batch by batch; returns how many messages went to a
    transport (one that waits for a send slot counts when it goes)."""
    handled = 0
    while stop is None or not stop.is_set():
        batch = await dispatcher.handle_batch()
        if not batch.claimed:
            break
        handled += batch.attempted
    return handled


async def run_round(core: Core, dispatcher: Dispatcher, stop: asyncio.Event | None = None) -> int:
    """Everything due as of ``core.clock()``: closes and re-sends first, so their
    messages (and the reminders') go out in the same round. Returns how many messages
    were handled."""
    await run_interrupted_closes(core)
    await run_scheduled_closes(core)
    await run_due_resends(core)
    await send_due_reminders(core)
    await dispatcher.forget_idle_rate_slots()
    await telegram_updates.forget(core.sessions, before=core.clock() - KEEP_UPDATE_IDS)
    await inbound_limits.forget(core.sessions, before=core.clock() - KEEP_WINDOWS)
    return await run_due(dispatcher, stop)


async def run_worker(core: Core, dispatcher: Dispatcher, *, once: bool, poll_seconds: float) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    total = 0
    while not stop.is_set():
        total += await run_round(core, dispatcher, stop)
        if once:
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                stop.wait(), timeout=await pause_before_next(dispatcher, poll_seconds)
            )
    log.info("worker stopping after %d messages", total)
    return total


MIN_PAUSE = 0.01  # seconds: a free send slot is taken at once, not at the next poll


async def pause_before_next(dispatcher: Dispatcher, poll_seconds: float) -> float:
    """Sleep until the next queued message may go (a send slot frees, a retry is due),
    at most a poll: rate-limited delivery keeps its configured pace."""
    wait = await dispatcher.seconds_to_next()
    return poll_seconds if wait is None else min(max(wait, MIN_PAUSE), poll_seconds)


async def main(settings: Settings, *, once: bool, at: datetime | None, dev: bool) -> int:
    from bot.roots.wiring import build_runtime

    runtime = await build_runtime(settings, dev=dev, clock=clock_from(at))
    try:
        await run_worker(
            runtime.core,
            runtime.dispatcher,
            once=once,
            poll_seconds=settings.worker_poll_seconds,
        )
    finally:
        await runtime.aclose()
    return 0

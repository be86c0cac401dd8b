"""Telegram updates: stored before they are acknowledged, then processed from storage.

Telegram never sends an update again once it heard 200 (by webhook) or once the next
``getUpdates`` confirmed its offset (by long polling), so an update only held in memory
dies with the process. Here the webhook and the polling loop store each update first;
processing claims it from the table, and a sweep takes up what a killed process left.

One chat's updates are processed one at a time, in the order they came, so its answers
leave in the order of the messages that caused them; different chats run side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from bot.usecases.context import Core
from bot.usecases.signing.inbound_gate import admit_sender
from handlers import metrics
from handlers.update_shape import storable, update_problem
from storage import telegram_updates

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)  # a claim a killed process left runs out after this
LEFT_OVER_AFTER = timedelta(seconds=2)  # unclaimed this long: its process is gone
SWEEP_SECONDS = 5.0
SWEEP_BATCH = 200
POLL_TIMEOUT = 25  # seconds Telegram holds a getUpdates open
CONCURRENT_UPDATES = 16  # a long export in one chat must not hold up the others
ALLOWED_UPDATES = ["message", "callback_query"]


def chat_of(data: dict[str, Any]) -> int | None:
    """The chat an (already shape-checked) update answers to: a button press answers
    its presser's private chat."""
    if isinstance(data.get("message"), dict):
        return int(data["message"]["chat"]["id"])
    if isinstance(data.get("callback_query"), dict):
        return int(data["callback_query"]["from"]["id"])
    return None


@dataclass
class _Turn:
    """Who waits for one chat's lock, so the lock goes once nobody does."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class UpdatePump:
    def __init__(self, application: Any, core: Core, worker: str, *, polling: bool) -> None:
        self._application = application
        self._core = core
        self._worker = worker
        self._polling = polling
        self._slots = asyncio.Semaphore(CONCURRENT_UPDATES)
        self._turns: dict[int | None, _Turn] = {}
        self._running: dict[int, asyncio.Task[None]] = {}
        self._background: list[asyncio.Task[None]] = []

    @property
    def polling(self) -> bool:
        return self._polling

    async def accept(self, data: dict[str, Any]) -> bool:
        """Store the update and start on it; False if it was stored before."""
        update_id, chat_id = int(data["update_id"]), chat_of(data)
        stored = await telegram_updates.accept(
            self._core.sessions,
            update_id=update_id,
            chat_id=chat_id,
            body=json.dumps(data),  # ASCII: any string survives both databases
            now=self._core.clock(),
        )
        if stored:
            self._start(update_id, chat_id)
        return stored

    async def _admit_and_accept(self, data: dict[str, Any]) -> None:
        chat = chat_of(data)
        if chat is not None and not await admit_sender(self._core, "telegram", str(chat)):
            metrics.INBOUND_REFUSED.labels(channel="telegram").inc()
            return
        await self.accept(data)

    def _start(self, update_id: int, chat_id: int | None) -> None:
        if update_id in self._running:
            return
        task = asyncio.create_task(self._process(update_id, chat_id))
        self._running[update_id] = task
        task.add_done_callback(lambda _task: self._running.pop(update_id, None))

    async def _process(self, update_id: int, chat_id: int | None) -> None:
        turn = self._turns.setdefault(chat_id, _Turn())
        turn.users += 1
        try:
            async with turn.lock, self._slots:
                await self._process_claimed(update_id)
        except Exception:
            # The database went away, say: the row stays, and a sweep takes it up again.
            log.exception("telegram update %s: processing failed; it will be retried", update_id)
        finally:
            turn.users -= 1
            if turn.users == 0:
                self._turns.pop(chat_id, None)

    async def _process_claimed(self, update_id: int) -> None:
        sessions, clock = self._core.sessions, self._core.clock
        body = await telegram_updates.claim(
            sessions, update_id, worker=self._worker, now=clock(), lease=LEASE
        )
        if body is None:
            return  # another process has it, or has done it
        try:
            update = Update.de_json(json.loads(body), self._application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("telegram update %s could not be read back; dropped", update_id)
        else:
            # PTB routes a handler's failure to the error handler; nothing escapes here.
            await self._application.process_update(update)
        await telegram_updates.finish(sessions, update_id, now=clock())

    async def sweep(self) -> int:
        """Start on updates left by a process that died; returns how many."""
        found = await telegram_updates.left_over(
            self._core.sessions,
            now=self._core.clock(),
            older_than=LEFT_OVER_AFTER,
            limit=SWEEP_BATCH,
        )
        for update_id, chat_id in found:
            self._start(update_id, chat_id)
        return len(found)

    async def settled(self) -> None:
        """Until every update started here has been processed."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    async def start(self) -> None:
        self._background.append(asyncio.create_task(self._sweep_forever()))
        if self._polling:
            await self._application.bot.delete_webhook(drop_pending_updates=False)
            self._background.append(asyncio.create_task(self._poll_forever()))

    async def stop(self, grace: float = 10.0) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background.clear()
        try:
            await asyncio.wait_for(self.settled(), timeout=grace)
        except TimeoutError:
            # What is left keeps its row; another process takes it once the lease ends.
            for task in list(self._running.values()):
                task.cancel()

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("telegram updates: sweep failed")
            await asyncio.sleep(SWEEP_SECONDS)

    async def _poll_forever(self) -> None:
        """Long polling: an offset is confirmed (by the next call) only once every
        update before it is stored."""
        offset: int | None = None
        while True:
            try:
                found = await self._application.bot.do_api_request(
                    "get_updates",
                    api_kwargs={
                        "offset": offset,
                        "timeout": POLL_TIMEOUT,
                        "allowed_updates": ALLOWED_UPDATES,
                    },
                    read_timeout=POLL_TIMEOUT + 10,
                )
            except TelegramError as error:
                log.warning("telegram polling: %s; trying again", type(error).__name__)
                await asyncio.sleep(5)
                continue
            try:
                for data in found if isinstance(found, list) else []:
                    if update_problem(data) is None:
                        await self._admit_and_accept(storable(data))
                    else:
                        log.warning("telegram polling: an update that is not one; skipped")
                    if isinstance(data, dict) and isinstance(data.get("update_id"), int):
                        offset = max(offset or 0, data["update_id"] + 1)
            except Exception:
                # Not stored: the offset stays, so Telegram hands the rest over again.
                log.exception("telegram polling: an update could not be stored")
                await asyncio.sleep(5)
                continue
            if not found:
                await asyncio.sleep(0.5)  # a server that answers at once must not spin us

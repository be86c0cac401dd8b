"""The outbox dispatcher: claim one message, hand it to its channel's transport, record.

It knows transports only through the ``Transport`` protocol and one error type:
a transient ``DeliveryError`` is retried later with backoff (or when the provider
said), a permanent one is recorded and a coordinator is told. The code a message
carries is decrypted only for the send and erased once the provider has it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.code_box import CODE_MARKER, open_code
from bot.core.errors import DeliveryError
from bot.core.reminders import window_opening
from bot.usecases.context import Clock
from bot.usecases.delivery.failures import after_permanent_failure
from bot.usecases.delivery.reports import apply_early_reports
from notifications.transport import Envelope, Transport
from storage import audit, delivery
from storage.db import SessionFactory, transaction
from storage.outbox import (
    FAILED,
    QUEUED,
    SENT,
    attachment_of,
    claim,
    finish,
    hold_to_window,
    keyboard_of,
    next_chance,
)
from storage.rate_limits import RateLimiter
from storage.tables import OutboxMessage, Person, Project

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
WINDOW_CACHE = timedelta(minutes=1)  # a changed sending window counts within a minute
ANSWER_WAIT = 5.0  # seconds a direct answer waits for its chat's slot before the worker


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class Dispatcher:
    def __init__(
        self,
        sessions: SessionFactory,
        transports: Mapping[str, Transport],
        *,
        key: bytes,
        clock: Clock,
        worker: str,
        status_callback: str | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._sessions = sessions
        self._transports = transports
        self._key = key
        self._clock = clock
        self._worker = worker
        self._status_callback = status_callback
        self._limiter = limiter
        self._windows: dict[int, tuple[datetime, Project]] = {}  # read at, project

    @property
    def worker(self) -> str:
        """This process's name on the rows it claims."""
        return self._worker

    async def handle_one(self) -> bool:
        """Deliver the oldest due message that may leave now; False when none may."""
        now = self._clock()
        busy = await self._limiter.busy_channels(now) if self._limiter else frozenset()
        row = await claim(
            self._sessions, worker=self._worker, now=now, lease=LEASE, busy_channels=busy
        )
        if row is None:
            return False
        await self._deliver(row)
        return True

    async def seconds_to_next(self) -> float | None:
        """How long until a queued message may be sendable (None: the queue is empty)."""
        now = self._clock()
        moment = await next_chance(self._sessions, now)
        return None if moment is None else max((moment - now).total_seconds(), 0.0)

    async def forget_idle_rate_slots(self) -> int:
        """Let go of the send-rate rows of chats idle for a day (hourly at most)."""
        if self._limiter is None:
            return 0
        return await self._limiter.forget_idle_chats(self._clock())

    async def deliver_now(self, message_id: int, *, wait: float = ANSWER_WAIT) -> bool:
        """Send one just-queued message from this process, waiting up to ``wait`` seconds
        for its send slot (a chat takes one message a second), so an answer neither
        depends on a worker running nor overtakes the one before it. Past that, or if
        sending fails, the worker takes over."""
        row = await claim(
            self._sessions,
            worker=self._worker,
            now=self._clock(),
            lease=LEASE,
            message_id=message_id,
        )
        if row is None:
            return False
        await self._deliver(row, wait=wait)
        return True

    async def _slot(self, row: OutboxMessage, wait: float) -> datetime | None:
        """Reserve the row's send slot, waiting for it up to ``wait`` seconds of real
        time: None when it is ours, else when to try again."""
        assert self._limiter is not None
        deadline = time.monotonic() + wait
        while True:
            retry_at = await self._limiter.reserve(row.channel, row.address, self._clock())
            if retry_at is None:
                return None
            pause = (retry_at - self._clock()).total_seconds()
            if pause <= 0 or time.monotonic() + pause > deadline:
                return retry_at
            await asyncio.sleep(pause)

    async def _window_opening(self, project_id: int) -> datetime | None:
        """When the project's sending window next opens, or None while it is open."""
        now = self._clock()
        cached = self._windows.get(project_id)
        if cached is None or now - cached[0] > WINDOW_CACHE:
            async with self._sessions() as session:
                project = await session.get(Project, project_id)
            if project is None:
                return None
            cached = (now, project)
            self._windows[project_id] = cached
        opening = window_opening(cached[1], now)
        return opening if opening > now else None

    async def _deliver(self, row: OutboxMessage, *, wait: float = 0.0) -> None:
        assert row.id is not None
        if row.windowed and row.project_id is not None:
            opening = await self._window_opening(row.project_id)
            if opening is not None:
                held = await hold_to_window(
                    self._sessions, row.project_id, opening, self._worker, row.id
                )
                log.info(
                    "outbox: %d message(s) of project %s wait for its sending window (%s)",
                    held,
                    row.project_id,
                    opening.isoformat(),
                )
                return
        if self._limiter is not None:
            retry_at = await self._slot(row, wait)
            if retry_at is not None:
                await self._postpone(row, retry_at)
                return
        text, code = row.text, None
        if row.sealed_code is not None:
            code = open_code(self._key, row.sealed_code)
            if code is None:
                await self._fail(row, "the code was sealed with another secret key")
                return
            text = text.replace(CODE_MARKER, code)
        attachment = None
        if row.attachment is not None:
            async with self._sessions() as session:
                attachment = await attachment_of(session, row)
            if attachment is None:
                await self._fail(row, "the attached file is gone")
                return
        contact_button, remove_keyboard = keyboard_of(row)
        envelope = Envelope(
            address=row.address,
            text=text,
            validity_seconds=row.validity_seconds,
            status_callback=self._status_callback if row.channel == "sms" else None,
            buttons=tuple((label, data) for label, data in json.loads(row.buttons or "[]")),
            attachment=attachment,
            contact_button=contact_button,
            remove_keyboard=remove_keyboard,
            code=code if row.sealed_code is not None else None,
        )
        try:
            sent = await self._transports[row.channel].send(envelope)
        except DeliveryError as error:
            if error.permanent or row.attempts >= MAX_ATTEMPTS:
                await self._fail(row, error.reason, opted_out=error.opted_out)
            else:
                await self._retry(row, error)
            return
        now = self._clock()
        async with transaction(self._sessions) as session:
            values: dict[str, object] = {
                "state": SENT,
                "provider_message_id": sent.provider_id[:64],
                "sent_at": now,
                "sealed_code": None,
                "last_error": None,
            }
            if sent.new_address is not None:
                values["address"] = sent.new_address
                await self._follow_migration(session, row, int(sent.new_address))
            # A callback that beat us here waits as an EarlyStatus; the lock orders us.
            await delivery.lock_provider_id(session, sent.provider_id)
            if not await finish(session, row.id, self._worker, **values):
                log.warning("outbox %s: sent, but the claim had expired", row.id)
            await apply_early_reports(session, sent.provider_id, reporter=row.channel, now=now)
        log.info("outbox %s: sent over %s (%s)", row.id, row.channel, row.purpose)

    async def _postpone(self, row: OutboxMessage, retry_at: datetime) -> None:
        # No send slot free yet: back in the queue, and this claim was no attempt.
        assert row.id is not None
        async with transaction(self._sessions) as session:
            await finish(
                session,
                row.id,
                self._worker,
                state=QUEUED,
                next_attempt_at=retry_at,
                attempts=row.attempts - 1,
            )
        log.debug("outbox %s: rate limited until %s", row.id, retry_at.isoformat())

    async def _retry(self, row: OutboxMessage, error: DeliveryError) -> None:
        assert row.id is not None
        wait = backoff(row.attempts)
        if error.retry_after is not None:
            wait = max(wait, timedelta(seconds=error.retry_after))
            if self._limiter is not None:
                # The provider is flooded: every worker waits, not only this one.
                await self._limiter.hold(
                    row.channel, self._clock() + timedelta(seconds=error.retry_after)
                )
        async with transaction(self._sessions) as session:
            await finish(
                session,
                row.id,
                self._worker,
                state=QUEUED,
                next_attempt_at=self._clock() + wait,
                last_error=error.reason[:300],
            )
        log.info("outbox %s: transient failure (%s), retry in %s", row.id, error.reason, wait)

    async def _fail(self, row: OutboxMessage, reason: str, *, opted_out: bool = False) -> None:
        assert row.id is not None
        now = self._clock()
        async with transaction(self._sessions) as session:
            if not await finish(
                session,
                row.id,
                self._worker,
                state=FAILED,
                last_error=reason[:300],
                sealed_code=None,
            ):
                return
            audit.record(
                session,
                at=now,
                actor="system",
                action="outbox.failed",
                project_id=row.project_id,
                outbox_id=row.id,
                channel=row.channel,
                reason=reason,
            )
            await after_permanent_failure(
                session, row, reason, opted_out=opted_out, reporter=row.channel, now=now
            )
        log.warning("outbox %s: failed for good over %s: %s", row.id, row.channel, reason)

    async def _follow_migration(
        self, session: AsyncSession, row: OutboxMessage, new_chat: int
    ) -> None:
        if row.person_id is not None:
            person = await session.get(Person, row.person_id)
            if person is not None:
                person.telegram_chat_id = new_chat
                session.add(person)

"""The outbox dispatcher: claim a batch, hand each message to its channel's transport,
record what became of the batch at once.

It knows transports only through the ``Transport`` protocol and one error type:
a transient ``DeliveryError`` is retried later with backoff (or when the provider
said), a permanent one is recorded and a coordinator is told. The code a message
carries is decrypted only for the send and erased once the provider has it.

A batch costs a few statements whatever its size: the free send slots read, one claim,
one reservation of the slots its messages need, one transaction of outcomes. It claims
no more of a channel than the channel's shared bucket lets leave now, and a message
whose chat or provider has no slot left goes back to the queue uncounted. It is sent
concurrently, but the messages to one address go one after the other, in order; after
a provider's "too many", the batch sends nothing more over that channel.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.code_box import CODE_MARKER, open_code
from bot.core.errors import DeliveryError
from bot.core.reminders import window_opening
from bot.usecases.context import Clock
from notifications.outcomes import Outcomes
from notifications.transport import Envelope, Transport
from storage.db import SessionFactory
from storage.outbox import attachment_of, keyboard_of
from storage.outbox_claims import claim, claim_ids, next_chance
from storage.rate_limits import RateLimiter
from storage.tables import OutboxMessage, Project

log = logging.getLogger(__name__)

BATCH = 50  # messages a claim takes at most: sent side by side, recorded together
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
WINDOW_CACHE = timedelta(minutes=1)  # a changed sending window counts within a minute
ANSWER_WAIT = 5.0  # seconds a direct answer waits for its chat's slot before the worker


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True)
class Handled:
    """One batch: ``claimed`` messages (none: nothing may leave now), of which
    ``attempted`` went to a transport; the others wait for a send slot or the window."""

    claimed: int
    attempted: int


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

    async def handle_batch(self) -> Handled:
        """Deliver a batch of the oldest due messages that may leave now."""
        now = self._clock()
        free = await self._limiter.free_slots(now) if self._limiter else {}
        limits = {channel: min(BATCH, free.get(channel, BATCH)) for channel in self._transports}
        rows = await claim(
            self._sessions,
            worker=self._worker,
            now=now,
            lease=LEASE,
            limits=limits,
            one_per_address=self._limiter.policy.per_address if self._limiter else (),
        )
        return await self._deliver(rows)

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
        rows = await claim_ids(
            self._sessions, worker=self._worker, now=self._clock(), lease=LEASE, ids=[message_id]
        )
        return (await self._deliver(rows, wait=wait)).claimed > 0

    async def _deliver(self, rows: Sequence[OutboxMessage], *, wait: float = 0.0) -> Handled:
        outcomes = Outcomes()
        going = await self._within_window(rows, outcomes)
        if self._limiter is not None and going:
            retry = await self._reserve(going, wait)
            for row, at in zip(going, retry, strict=True):
                if at is not None:
                    log.debug("outbox %s: rate limited until %s", row.id, at.isoformat())
                    outcomes.release(row, at)
            going = [row for row, at in zip(going, retry, strict=True) if at is None]
        by_address: dict[tuple[str, str], list[OutboxMessage]] = {}
        for row in going:
            by_address.setdefault((row.channel, row.address), []).append(row)
        held: dict[str, datetime] = {}  # channel -> when its provider takes more
        results = await asyncio.gather(
            *(self._send_in_order(each, outcomes, held) for each in by_address.values()),
            return_exceptions=True,
        )
        if rows:
            await outcomes.record(self._sessions, self._worker, self._clock())
        for result in results:
            if isinstance(result, BaseException):
                # Not a DeliveryError: a bug. What did go out is recorded above.
                raise result
        return Handled(claimed=len(rows), attempted=len(rows) - outcomes.released)

    async def _within_window(
        self, rows: Sequence[OutboxMessage], outcomes: Outcomes
    ) -> list[OutboxMessage]:
        """The rows that may go now; a windowed row of a project whose window is shut
        waits for its opening, and so do the project's other waiting rows."""
        going = []
        for row in rows:
            if row.windowed and row.project_id is not None:
                opening = await self._window_opening(row.project_id)
                if opening is not None:
                    outcomes.hold_window(row, row.project_id, opening)
                    continue
            going.append(row)
        return going

    async def _reserve(self, rows: Sequence[OutboxMessage], wait: float) -> list[datetime | None]:
        """Reserve the rows' send slots, waiting for them up to ``wait`` seconds of real
        time: None for a row whose slot is ours, else when to try it again."""
        assert self._limiter is not None
        deadline = time.monotonic() + wait
        answers = await self._limiter.reserve([(r.channel, r.address) for r in rows], self._clock())
        while True:
            waiting = [n for n, at in enumerate(answers) if at is not None]
            if not waiting:
                return answers
            latest = max(at for at in answers if at is not None)
            pause = (latest - self._clock()).total_seconds()
            if pause <= 0 or time.monotonic() + pause > deadline:
                return answers
            await asyncio.sleep(pause)
            again = await self._limiter.reserve(
                [(rows[n].channel, rows[n].address) for n in waiting], self._clock()
            )
            for n, at in zip(waiting, again, strict=True):
                answers[n] = at

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

    async def _send_in_order(
        self, rows: Sequence[OutboxMessage], outcomes: Outcomes, held: dict[str, datetime]
    ) -> None:
        for row in rows:
            if row.channel in held:
                outcomes.release(row, held[row.channel])
                continue
            try:
                envelope = await self._envelope(row)
                # Sent when handed over: a slow answer must not blur the send rate.
                handed_over = self._clock()
                sent = await self._transports[row.channel].send(envelope)
            except DeliveryError as error:
                await self._after_error(row, error, outcomes, held)
                continue
            outcomes.succeeded(row, sent, handed_over)

    async def _envelope(self, row: OutboxMessage) -> Envelope:
        text, code = row.text, None
        if row.sealed_code is not None:
            code = open_code(self._key, row.sealed_code)
            if code is None:
                raise DeliveryError("the code was sealed with another secret key", permanent=True)
            text = text.replace(CODE_MARKER, code)
        attachment = None
        if row.attachment is not None:
            async with self._sessions() as session:
                attachment = await attachment_of(session, row)
            if attachment is None:
                raise DeliveryError("the attached file is gone", permanent=True)
        contact_button, remove_keyboard = keyboard_of(row)
        return Envelope(
            address=row.address,
            text=text,
            validity_seconds=row.validity_seconds,
            status_callback=self._status_callback if row.channel == "sms" else None,
            buttons=tuple((label, data) for label, data in json.loads(row.buttons or "[]")),
            attachment=attachment,
            contact_button=contact_button,
            remove_keyboard=remove_keyboard,
            code=code,
        )

    async def _after_error(
        self,
        row: OutboxMessage,
        error: DeliveryError,
        outcomes: Outcomes,
        held: dict[str, datetime],
    ) -> None:
        if error.permanent or row.attempts >= MAX_ATTEMPTS:
            outcomes.fail(row, error.reason, opted_out=error.opted_out)
            return
        wait = backoff(row.attempts)
        if error.retry_after is not None:
            wait = max(wait, timedelta(seconds=error.retry_after))
            until = self._clock() + timedelta(seconds=error.retry_after)
            held[row.channel] = max(until, held.get(row.channel, until))
            if self._limiter is not None:
                # The provider is flooded: every worker waits, not only this one.
                await self._limiter.hold(row.channel, until)
        outcomes.retry(row, self._clock() + wait, error.reason)
        log.info("outbox %s: transient failure (%s), retry in %s", row.id, error.reason, wait)

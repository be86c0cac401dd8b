"""Outbox throughput: messages/second the dispatcher delivers to an in-process transport.

Run: ``.venv/bin/python bench/outbox_throughput.py [--messages N]``. SQLite always (a
temporary file); PostgreSQL when TIMESIGN_TEST_POSTGRES_URL is set (a temporary
database, dropped afterwards). Not part of the test suite.

Per database it measures, on freshly queued rows each time:
  baseline   a plain loop doing the least a delivery must do: one transaction that
             reads the oldest queued row and one that marks it sent
  1 worker   Dispatcher.handle_one() until the queue is empty (claim with lease,
             send, record)
  2 workers  two dispatchers with their own names racing on the same queue
and prints each rate with its ratio to the baseline. The transport answers at once, so
the figures are the database cost of crash-safe delivery, not a provider's speed.

``--flood`` adds the fairness scenario, with send-rate limits on (SMS at
``--sms-rate`` a second, Telegram one a second per chat) and the wall clock: the SMS
rate of 500 month-end SMS alone, and again queued behind 1 000 answers to one chat,
and the ratio of the two (goal >= 0.95).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.rate_limits import RatePolicy
from bot.roots.worker import pause_before_next, run_due
from notifications.dispatcher import Dispatcher
from notifications.transport import Envelope, Sent
from storage.db import SessionFactory, create_engine, session_factory, transaction
from storage.migrate import upgrade
from storage.outbox import Outgoing, enqueue
from storage.rate_limits import RateLimiter
from storage.tables import OutboxMessage, RateBucket


class InstantTransport:
    def __init__(self) -> None:
        self.sent = 0

    async def send(self, envelope: Envelope) -> Sent:
        self.sent += 1
        return Sent(provider_id=f"SM{uuid.uuid4().hex}")

    async def aclose(self) -> None:
        return None


def now() -> datetime:
    return datetime.now(UTC)


async def queue(sessions: SessionFactory, n: int) -> None:
    at = now()
    rows = [
        {
            "purpose": "coordinator",
            "channel": "sms",
            "address": f"+4672{i:07d}",
            "text": f"bench-{i}",
            "state": "queued",
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
        for i in range(n)
    ]
    async with transaction(sessions) as session:
        await (await session.connection()).execute(sa.insert(OutboxMessage), rows)


async def baseline(sessions: SessionFactory, n: int) -> None:
    for _ in range(n):
        async with transaction(sessions) as session:
            row_id = (
                await session.exec(
                    select(OutboxMessage.id)
                    .where(col(OutboxMessage.state) == "queued")
                    .order_by(col(OutboxMessage.id))
                    .limit(1)
                )
            ).first()
        async with transaction(sessions) as session:
            await session.exec(
                sa.update(OutboxMessage)
                .where(col(OutboxMessage.id) == row_id)
                .values(state="sent", provider_message_id=f"SM{uuid.uuid4().hex}")
            )


def dispatchers(
    sessions: SessionFactory, count: int, limiter: RateLimiter | None = None
) -> list[Dispatcher]:
    return [
        Dispatcher(
            sessions,
            {"sms": InstantTransport(), "telegram": InstantTransport()},
            key=b"bench-secret-key-0123456789",
            clock=now,
            worker=f"bench-{i}",
            limiter=limiter,
        )
        for i in range(count)
    ]


async def sms_rate(sessions: SessionFactory, sms: int, flood: int, per_second: float) -> float:
    """SMS a second through one rate-limited worker, with ``flood`` answers to one chat
    queued ahead of them; measured from the first SMS to the last, past the first burst."""
    async with transaction(sessions) as session:
        await session.exec(sa.delete(OutboxMessage))
        await session.exec(sa.delete(RateBucket))
        at = now()
        for n in range(flood):
            enqueue(session, Outgoing("telegram", "8001", f"answer {n}", "reply"), now=at)
        for n in range(sms):
            enqueue(session, Outgoing("sms", f"+467020{n:05d}", "x", "month_end"), now=at)
    policy = RatePolicy(sms_per_second=per_second, sms_sender="bench")
    (worker,) = dispatchers(sessions, 1, RateLimiter(sessions, policy))
    while True:
        async with sessions() as session:
            left = (
                await session.exec(
                    select(sa.func.count()).where(
                        col(OutboxMessage.channel) == "sms", col(OutboxMessage.state) != "sent"
                    )
                )
            ).one()
        if not left:
            break
        await run_due(worker)
        await asyncio.sleep(await pause_before_next(worker, 1.0))
    async with sessions() as session:
        times = sorted(
            (
                await session.exec(
                    select(OutboxMessage.sent_at).where(col(OutboxMessage.channel) == "sms")
                )
            ).all()
        )
    first, last = times[0], times[-1]
    assert first is not None and last is not None
    return (sms - policy.shared("sms").slots) / (last - first).total_seconds()


async def fairness(label: str, url: str, per_second: float) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        alone = await sms_rate(sessions, 500, 0, per_second)
        flooded = await sms_rate(sessions, 500, 1000, per_second)
    finally:
        await engine.dispose()
    print(f"{label}: 500 SMS at {per_second:g}/s, rate limits on")
    print(f"  alone                        {alone:8.1f} SMS/s")
    print(f"  behind 1 000 answers to a chat {flooded:6.1f} SMS/s  ({flooded / alone:.2f} x alone)")


async def drain(dispatcher: Dispatcher) -> None:
    while await dispatcher.handle_one():
        pass


async def workers(sessions: SessionFactory, count: int) -> None:
    await asyncio.gather(*(drain(d) for d in dispatchers(sessions, count)))


async def timed(
    sessions: SessionFactory, n: int, run: Callable[[SessionFactory], Awaitable[None]]
) -> float:
    async with transaction(sessions) as session:
        await session.exec(sa.delete(OutboxMessage))
    await queue(sessions, n)
    started = time.perf_counter()
    await run(sessions)
    elapsed = time.perf_counter() - started
    async with transaction(sessions) as session:
        left = (
            await session.exec(select(sa.func.count()).where(col(OutboxMessage.state) != "sent"))
        ).one()
    if left:
        raise SystemExit(f"{left} messages were not sent")
    return n / elapsed


async def measure(label: str, url: str, n: int, flood_rate: float | None = None) -> None:
    if flood_rate is not None:
        await fairness(label, url, flood_rate)
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        base = await timed(sessions, n, lambda s: baseline(s, n))
        one = await timed(sessions, n, lambda s: workers(s, 1))
        two = await timed(sessions, n, lambda s: workers(s, 2))
    finally:
        await engine.dispose()
    print(f"{label} ({n} messages)")
    print(f"  baseline select+update loop {base:8.0f} msg/s")
    print(f"  dispatcher, 1 worker        {one:8.0f} msg/s  ({one / base:.2f} x baseline)")
    print(
        f"  dispatcher, 2 workers       {two:8.0f} msg/s  ({two / base:.2f} x baseline, "
        f"{two / one:.2f} x 1 worker)"
    )


async def postgres(base_url: str, n: int, flood_rate: float | None) -> None:
    import asyncpg

    parts = urlsplit(base_url)
    admin_url = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))
    name = f"timesign_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = urlunsplit(("postgresql+asyncpg", parts.netloc, f"/{name}", parts.query, ""))
    try:
        await asyncio.to_thread(upgrade, url)
        await measure("PostgreSQL", url, n, flood_rate)
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--flood", action="store_true", help="also the fairness scenario")
    parser.add_argument("--sms-rate", type=float, default=30.0)
    args = parser.parse_args()
    flood_rate = args.sms_rate if args.flood else None
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{directory}/bench.db"
        await asyncio.to_thread(upgrade, url)
        await measure("SQLite", url, args.messages, flood_rate)
    postgres_url = os.environ.get("TIMESIGN_TEST_POSTGRES_URL")
    if postgres_url:
        await postgres(postgres_url, args.messages, flood_rate)
    else:
        print("PostgreSQL skipped: TIMESIGN_TEST_POSTGRES_URL is not set")


if __name__ == "__main__":
    asyncio.run(main())

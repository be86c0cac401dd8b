"""Outbox throughput: messages/second the worker delivers to a transport that answers at once.

Run: ``.venv/bin/python bench/outbox_throughput.py [--people N] [--runs 3] [--flood]``
(``--people``: messages queued). SQLite always (a temporary file); PostgreSQL when
TIMESIGN_TEST_POSTGRES_URL is set (a temporary database, dropped afterwards). Not part
of the test suite.

Every figure is a child process draining the same freshly queued rows (PostgreSQL
vacuumed and analysed first), timed from a start signal given after imports and
connecting, to the moment the last child has drained the queue:
  baseline   a bare loop doing the least a delivery must do per message: one
             transaction that reads the oldest queued row, one that marks it sent
  1 worker   the product's worker loop (bot.roots.worker.run_due: claim a batch with a
             lease, send it, record the outcomes)
  2 workers  PostgreSQL: two such processes on one queue, as the Procfile runs them
It prints the median of ``--runs`` runs of each, with the worker's ratio to the
baseline of the same run and two workers' ratio to one, and the CPU the children spent
per message: on a shared machine the one figure that does not depend on what else runs
(two workers on free cores scale as far as their CPU, PostgreSQL's and its WAL allow).
The transport answers at once, so the figures are the database cost of crash-safe
delivery, not a provider's speed.

``--flood`` adds the fairness scenario, with send-rate limits on (SMS at
``--sms-rate`` a second, Telegram one a second per chat) and the wall clock: the SMS
rate of 500 month-end SMS alone, and again queued behind 1 000 answers to one chat,
and the ratio of the two (goal >= 0.95).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
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


async def baseline(sessions: SessionFactory) -> int:
    sent = 0
    while True:
        async with transaction(sessions) as session:
            row_id = (
                await session.exec(
                    select(OutboxMessage.id)
                    .where(col(OutboxMessage.state) == "queued")
                    .order_by(col(OutboxMessage.id))
                    .limit(1)
                )
            ).first()
        if row_id is None:
            return sent
        async with transaction(sessions) as session:
            await session.exec(
                sa.update(OutboxMessage)
                .where(col(OutboxMessage.id) == row_id)
                .values(state="sent", provider_message_id=f"SM{uuid.uuid4().hex}")
            )
        sent += 1


def dispatchers(
    sessions: SessionFactory, count: int, limiter: RateLimiter | None = None, name: str = "bench"
) -> list[Dispatcher]:
    return [
        Dispatcher(
            sessions,
            {"sms": InstantTransport(), "telegram": InstantTransport()},
            key=b"bench-secret-key-0123456789",
            clock=now,
            worker=f"{name}-{i}",
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


async def child(role: str, url: str) -> None:
    """One process of the race: connect, say ready, wait for the start, drain, report."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            await session.exec(select(sa.func.count()).select_from(OutboxMessage))
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        cpu = time.process_time()
        if role == "baseline":
            handled = await baseline(sessions)
        else:
            # Named by process: two workers must never hold the same name.
            (worker,) = dispatchers(sessions, 1, name=f"bench-{os.getpid()}")
            handled = await run_due(worker)
        # CLOCK_MONOTONIC is one clock for every process: the parent compares it.
        print(handled, time.monotonic(), time.process_time() - cpu, flush=True)
    finally:
        await engine.dispose()


async def fresh_queue(url: str, n: int) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        async with transaction(sessions) as session:
            await session.exec(sa.delete(OutboxMessage))
        await queue(sessions, n)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM ANALYZE outbox")
    finally:
        await engine.dispose()


async def race(url: str, role: str, processes: int, n: int) -> tuple[float, float]:
    """Messages a second ``processes`` children of ``role`` deliver from ``n`` queued, and
    the CPU seconds they spent on it: on a shared machine the one figure that does not
    depend on what else runs."""
    await fresh_queue(url, n)
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--child",
            role,
            "--url",
            url,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    for each in children:
        assert each.stdout is not None and each.stdin is not None
        if (await each.stdout.readline()).strip() != b"ready":
            raise SystemExit(f"a {role} child failed to start")
    started = time.monotonic()
    for each in children:
        assert each.stdin is not None
        each.stdin.write(b"go\n")
        await each.stdin.drain()
    outputs = [(await each.communicate())[0].split() for each in children]
    elapsed = max(float(done) for _, done, _ in outputs) - started  # not the processes' exit
    if any(each.returncode for each in children):
        raise SystemExit(f"a {role} child failed")
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            left = (
                await session.exec(
                    select(sa.func.count()).where(col(OutboxMessage.state) != "sent")
                )
            ).one()
    finally:
        await engine.dispose()
    handled = sum(int(count) for count, _, _ in outputs)
    if left or handled != n:
        raise SystemExit(f"{role}: {left} messages not sent, {handled} handled of {n}")
    return n / elapsed, sum(float(cpu) for _, _, cpu in outputs)


def median(values: list[float]) -> float:
    return statistics.median(values)


async def measure(label: str, url: str, n: int, runs: int, two: bool) -> None:
    figures: dict[str, list[tuple[float, float]]] = {"base": [], "one": [], "two": []}
    for _ in range(runs):
        figures["base"].append(await race(url, "baseline", 1, n))
        figures["one"].append(await race(url, "worker", 1, n))
        if two:
            figures["two"].append(await race(url, "worker", 2, n))

    def rate(kind: str) -> float:
        return median([each for each, _ in figures[kind]])

    def cpu(kind: str) -> str:
        micros = median([seconds for _, seconds in figures[kind]]) / n * 1e6
        return f"CPU {micros:4.0f} us/msg"

    ratio = [o / b for (o, _), (b, _) in zip(figures["one"], figures["base"], strict=True)]
    load = os.getloadavg()[0]  # a shared machine: how busy it was, to read the figures by
    print(f"{label}: {n} messages, median of {runs} runs, load {load:.1f} at the end")
    print(f"  baseline select+update loop {rate('base'):6.0f} msg/s  {cpu('base')}")
    print(
        f"  outbox, 1 worker            {rate('one'):6.0f} msg/s  {cpu('one')}"
        f"  {median(ratio):5.2f} x baseline (runs {_listed(ratio)})"
    )
    if two:
        scale = [t / o for (t, _), (o, _) in zip(figures["two"], figures["one"], strict=True)]
        print(
            f"  outbox, 2 worker processes  {rate('two'):6.0f} msg/s  {cpu('two')}"
            f"  {median(scale):5.2f} x 1 worker (runs {_listed(scale)})"
        )


def _listed(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


async def postgres(base_url: str, n: int, runs: int, flood_rate: float | None) -> None:
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
        if flood_rate is not None:
            await fairness("PostgreSQL", url, flood_rate)
        await measure("PostgreSQL", url, n, runs, two=True)
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", "--messages", dest="people", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--flood", action="store_true", help="also the fairness scenario")
    parser.add_argument("--sms-rate", type=float, default=30.0)
    parser.add_argument("--child", choices=("baseline", "worker"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        await child(args.child, args.url)
        return
    flood_rate = args.sms_rate if args.flood else None
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{directory}/bench.db"
        await asyncio.to_thread(upgrade, url)
        if flood_rate is not None:
            await fairness("SQLite", url, flood_rate)
        await measure("SQLite", url, args.people, args.runs, two=False)
    postgres_url = os.environ.get("TIMESIGN_TEST_POSTGRES_URL")
    if postgres_url:
        await postgres(postgres_url, args.people, args.runs, flood_rate)
    else:
        print("PostgreSQL skipped: TIMESIGN_TEST_POSTGRES_URL is not set")


if __name__ == "__main__":
    asyncio.run(main())

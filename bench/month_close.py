"""Month close at the size of a large municipality: the product against a baseline.

    .venv/bin/python bench/month_close.py [--people 10000] [--days 20] [--postgres]

Records ``--days`` working days for each of ``--people`` people (bulk inserts), then
runs, each in a child process of its own so that its peak memory is its own:

  baseline  the least a close must do: stream the month's entries in person order,
            build each person's document, SHA-256 it and HMAC a code per person in
            Python, and bulk-insert one row per person, in batches
  product   bot.usecases.closing.month_close.close_month: summaries, codes, sealed
            messages in the outbox, audit

and prints seconds and peak RSS of each, with the product's ratio to the baseline.
SQLite always (a temporary file); PostgreSQL too with ``--postgres`` and
TIMESIGN_TEST_POSTGRES_URL set (a temporary database, dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.months import Month  # noqa: E402
from bot.usecases.closing.month_close import close_month  # noqa: E402
from bot.usecases.context import Core  # noqa: E402
from bot.usecases.roster.registry import create_project  # noqa: E402
from storage.db import create_engine, session_factory, transaction  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.tables import Activity, Person, TimeEntry  # noqa: E402

MONTH = Month(2026, 10)
NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
KEY = b"bench-secret-key-0123456789abcdef"
BATCH = 5000


def core_for(url: str) -> Core:
    return Core(sessions=session_factory(create_engine(url)), secret_key=KEY, clock=lambda: NOW)


async def seed(url: str, people: int, days: int) -> None:
    core = core_for(url)
    project = await create_project(core, code="BENCH", name="Benchmark", actor="bench")
    workdays = [
        d
        for d in (MONTH.first_day + timedelta(days=n) for n in range(31))
        if d.weekday() < 5 and MONTH.contains(d)
    ][:days]
    rng = random.Random(2026)
    async with transaction(core.sessions) as session:
        activity = Activity(
            project_id=project.id or 0,
            ref="A-001",
            name="Svenska för yrket",
            kind="training",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            created_at=NOW,
        )
        session.add(activity)
        await session.flush()
        activity_id = activity.id
    for start in range(1, people + 1, BATCH):
        numbers = range(start, min(start + BATCH, people + 1))
        async with transaction(core.sessions) as session:
            connection = await session.connection()
            await connection.execute(
                sa.insert(Person),
                [
                    {
                        "project_id": project.id,
                        "ref": f"P-{n:06d}",
                        "name": f"Person {n}",
                        "phone": f"+4670{n:07d}",
                        "kind": "participant",
                        "language": "sv",
                        "channel": "sms",
                        "active": True,
                        "reduced_hours": False,
                        "sms_opted_out": False,
                        "created_at": NOW,
                    }
                    for n in numbers
                ],
            )
            ids = (
                await connection.execute(
                    sa.select(Person.id).where(  # type: ignore[call-overload]
                        Person.ref.in_([f"P-{n:06d}" for n in numbers])  # type: ignore[attr-defined]
                    )
                )
            ).scalars()
            await connection.execute(
                sa.insert(TimeEntry),
                [
                    {
                        "person_id": person_id,
                        "activity_id": activity_id,
                        "day": day,
                        "minutes": rng.choice((240, 360, 450, 480)),
                        "recorded_at": NOW,
                    }
                    for person_id in ids
                    for day in workdays
                ],
            )
    await core.sessions.kw["bind"].dispose()  # type: ignore[attr-defined]


async def baseline(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            sa.text(
                "CREATE TABLE IF NOT EXISTS bench_baseline (person_id INTEGER, sha TEXT, mac TEXT)"
            )
        )
    query = sa.text(
        "SELECT e.person_id, a.ref, a.name, e.day, e.minutes FROM time_entries e "
        "JOIN activities a ON a.id = e.activity_id "
        "WHERE e.day BETWEEN :first AND :last ORDER BY e.person_id, e.day"
    )
    rows: list[dict[str, object]] = []
    current: int | None = None
    days: list[list[object]] = []

    def finish(person_id: int) -> None:
        text = json.dumps({"person": person_id, "days": days}, sort_keys=True, default=str)
        sha = hashlib.sha256(text.encode()).hexdigest()
        mac = hmac.new(KEY, sha.encode() + b"123456", hashlib.sha256).hexdigest()
        rows.append({"person_id": person_id, "sha": sha, "mac": mac})

    async with engine.begin() as writer:  # one connection: SQLite has one writer
        result = await writer.stream(query, {"first": MONTH.first_day, "last": MONTH.last_day})
        async for person_id, ref, name, day, minutes in result:
            if person_id != current:
                if current is not None:
                    finish(current)
                current, days = person_id, []
            days.append([ref, name, str(day), minutes])
            if len(rows) >= 1000:
                await writer.execute(
                    sa.text("INSERT INTO bench_baseline VALUES (:person_id, :sha, :mac)"), rows
                )
                rows = []
        if current is not None:
            finish(current)
        if rows:
            await writer.execute(
                sa.text("INSERT INTO bench_baseline VALUES (:person_id, :sha, :mac)"), rows
            )
    await engine.dispose()


async def product(url: str) -> None:
    core = core_for(url)
    report = await close_month(core, "BENCH", MONTH, actor="bench")
    assert report.sent, "nothing was sent"
    await core.sessions.kw["bind"].dispose()  # type: ignore[attr-defined]


def child(kind: str, url: str) -> tuple[float, float]:
    """Run ``kind`` in a fresh process: (seconds of the work itself, peak RSS in MB)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    seconds, rss = done.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(rss)


def measure(label: str, url: str, people: int, days: int) -> None:
    asyncio.run(seed(url, people, days))
    base_s, base_mb = child("baseline", url)
    prod_s, prod_mb = child("product", url)
    print(f"{label}: {people} people, {people * days} entries")
    print(f"  baseline {base_s:8.1f} s  {base_mb:7.0f} MB")
    print(f"  product  {prod_s:8.1f} s  {prod_mb:7.0f} MB  ({prod_s / base_s:.2f} x baseline)")


def postgres(base_url: str, people: int, days: int) -> None:
    import asyncpg

    parts = urlsplit(base_url)
    admin_url = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))
    name = f"timesign_bench_{uuid.uuid4().hex[:10]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(admin_url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = urlunsplit(("postgresql+asyncpg", parts.netloc, f"/{name}", parts.query, ""))
    try:
        upgrade(url)
        measure("PostgreSQL", url, people, days)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--child", choices=("baseline", "product"))
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        started = time.perf_counter()
        asyncio.run(baseline(args.url) if args.child == "baseline" else product(args.url))
        seconds = time.perf_counter() - started
        print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        upgrade(url)
        measure("SQLite", url, args.people, args.days)
    postgres_url = os.environ.get("TIMESIGN_TEST_POSTGRES_URL")
    if args.postgres and postgres_url:
        postgres(postgres_url, args.people, args.days)
    elif args.postgres:
        print("PostgreSQL skipped: TIMESIGN_TEST_POSTGRES_URL is not set")


if __name__ == "__main__":
    main()

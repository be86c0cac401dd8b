"""Documents: how long a month export and a certificate take for a large project.

Run: ``.venv/bin/python bench/documents.py [--people N]`` (SQLite, a temporary file).
Not part of the test suite.

It records 20 working days of hours for N people (default 2 000: 40 000 days), closes
the month, then measures:
  baseline     the least an export must do: read the month's rows in one query and
               write them, unformatted, to a write-only workbook
  /export      bot.usecases.documents.build.month_export: summaries with evidence, recorded days,
               translated headings, hours and dates as typed cells
  certificate  bot.usecases.documents.build.certificate for one person, repeated
and prints each time with the export's ratio to the baseline, so a slower machine
shows the same ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.months import Month
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from bot.usecases.documents.build import certificate, month_export
from bot.usecases.roster.registry import create_project
from storage.db import create_engine, session_factory, transaction
from storage.migrate import upgrade
from storage.tables import Activity, Person, Project, TimeEntry

MONTH = Month(2026, 10)
NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


async def seed(core: Core, people: int) -> Project:
    project = await create_project(core, code="BENCH", name="Benchmark", actor="bench")
    assert project.id is not None
    workdays = [
        d
        for d in (MONTH.first_day + timedelta(days=n) for n in range(31))
        if d.weekday() < 5 and MONTH.contains(d)
    ][:20]
    async with transaction(core.sessions) as session:
        activity = Activity(
            project_id=project.id,
            ref="A-001",
            name="Svenska för yrket",
            kind="training",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            created_at=NOW,
        )
        session.add(activity)
        rows = [
            Person(
                project_id=project.id,
                ref=f"P-{n:05d}",
                name=f"Person {n}",
                phone=f"+4670{n:07d}",
                created_at=NOW,
            )
            for n in range(1, people + 1)
        ]
        session.add_all(rows)
        await session.flush()
        assert activity.id is not None
        session.add_all(
            TimeEntry(
                person_id=person.id or 0,
                activity_id=activity.id,
                day=day,
                minutes=random.choice((240, 360, 450, 480)),
                recorded_at=NOW,
            )
            for person in rows
            for day in workdays
        )
    await close_month(core, project.code, MONTH, actor="bench")
    return project


async def baseline(core: Core, project: Project) -> bytes:
    async with core.sessions() as session:
        rows = (
            await session.exec(
                select(
                    col(Person.ref), col(Person.name), col(TimeEntry.day), col(TimeEntry.minutes)
                )
                .join(TimeEntry, col(TimeEntry.person_id) == Person.id)
                .where(Person.project_id == project.id)
            )
        ).all()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Hours")
    for row in rows:
        sheet.append(list(row))
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


async def timed(label: str, work: Awaitable[object]) -> float:
    started = time.perf_counter()
    await work
    seconds = time.perf_counter() - started
    print(f"  {label:<12} {seconds:7.2f} s")
    return seconds


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--certificates", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        core = Core(sessions=session_factory(engine), secret_key=b"k" * 32, clock=lambda: NOW)
        project = await seed(core, args.people)
        print(f"SQLite, {args.people} people, {args.people * 20} recorded days")
        base = await timed("baseline", baseline(core, project))
        full = await timed("/export", month_export(core, project, MONTH, "sv"))
        print(f"  /export is {full / base:.2f}x the baseline")
        started = time.perf_counter()
        for n in range(1, args.certificates + 1):
            await certificate(core, project, f"P-{n:05d}", MONTH, "sv")
        each = (time.perf_counter() - started) / args.certificates
        print(f"  certificate  {each * 1000:7.1f} ms each ({args.certificates} made)")
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())

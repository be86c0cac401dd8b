"""Documents: how long a month export and a certificate take for a large project.

    .venv/bin/python bench/documents.py [--people 2000] [--runs 3] [--certificates 50]

Records 20 working days for each of ``--people`` people (bulk inserts), closes the month
and marks four people in five signed, then runs, each in a child process of its own so
that its peak memory is its own, ``--runs`` times in turn:

  baseline     the least an export must do: read each sheet's rows in one query (the
               people with their current summary and signature, then every recorded
               day, both in the workbook's order), all at once, and append them
               unformatted to a write-only workbook: the same two sheets and cells
  /export      bot.usecases.documents.build.month_export: the same rows streamed in
               batches, translated headings and states, hours as numbers, local times
  certificate  bot.usecases.documents.build.certificate for people across the project

and prints the medians: seconds (wall clock, and CPU of all threads, steadier on a busy
machine) and peak RSS of each, the export's ratio to the baseline, and milliseconds per
certificate, which stay flat as the project grows if the certificate path is linear.
The baseline once wrote one sheet of four columns, 160 000 cells for 2 000 people
against the export's 302 000: it measured the cells, not what the export adds to them.
SQLite, a temporary file. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import sqlalchemy as sa
from openpyxl import Workbook
from sqlmodel import col, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.months import Month  # noqa: E402
from bot.core.states import SummaryState  # noqa: E402
from bot.usecases.closing.month_close import close_month  # noqa: E402
from bot.usecases.context import Core  # noqa: E402
from bot.usecases.documents.build import certificate, month_export  # noqa: E402
from bot.usecases.roster.registry import create_project  # noqa: E402
from storage.db import create_engine, session_factory, transaction  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.tables import (  # noqa: E402
    Activity,
    MonthlySummary,
    Person,
    Project,
    Signature,
    TimeEntry,
)

MONTH = Month(2026, 10)
NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
BATCH = 5000


def core_for(url: str) -> Core:
    return Core(
        sessions=session_factory(create_engine(url)), secret_key=b"k" * 32, clock=lambda: NOW
    )


async def seed(url: str, people: int) -> None:
    core = core_for(url)
    project = await create_project(core, code="BENCH", name="Benchmark", actor="bench")
    workdays = [
        d
        for d in (MONTH.first_day + timedelta(days=n) for n in range(31))
        if d.weekday() < 5 and MONTH.contains(d)
    ][:20]
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
                        "ref": f"P-{n:05d}",
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
            first, last = f"P-{numbers[0]:05d}", f"P-{numbers[-1]:05d}"
            ids = (
                await connection.execute(
                    sa.select(col(Person.id)).where(col(Person.ref).between(first, last))
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
    await close_month(core, project.code, MONTH, actor="bench")
    await sign_most(core)
    await core.sessions.kw["bind"].dispose()


async def sign_most(core: Core) -> None:
    """Four in five summaries signed, so the export carries their evidence (the export
    reads it; it does not check seals, so these are not sealed)."""
    async with transaction(core.sessions) as session:
        connection = await session.connection()
        summaries = (
            await connection.execute(
                sa.select(col(MonthlySummary.id), col(MonthlySummary.sha256)).where(
                    col(MonthlySummary.id) % 5 != 0
                )
            )
        ).all()
        await connection.execute(
            sa.insert(Signature),
            [
                {
                    "summary_id": summary_id,
                    "summary_sha256": sha256,
                    "channel": "sms",
                    "sender": "+46700000000",
                    "provider_message_id": f"SM{summary_id:032d}",
                    "signed_at": NOW + timedelta(minutes=int(summary_id) % 600),
                    "receipt": f"TS-{summary_id:04d}-BNCH-0000",
                    "seal": "0" * 64,
                }
                for summary_id, sha256 in summaries
            ],
        )
        await connection.execute(
            sa.update(MonthlySummary)
            .where(col(MonthlySummary.id) % 5 != 0)
            .values(state=SummaryState.SIGNED)
        )


async def project_of(core: Core) -> Project:
    async with core.sessions() as session:
        return (await session.exec(select(Project))).one()


async def baseline(core: Core, project_id: int) -> bytes:
    recorded = (
        sa.select(col(TimeEntry.person_id), sa.func.sum(col(TimeEntry.minutes)).label("minutes"))
        .where(col(TimeEntry.day).between(MONTH.first_day, MONTH.last_day))
        .group_by(col(TimeEntry.person_id))
        .subquery()
    )
    people_query = (
        sa.select(
            col(Person.ref),
            col(Person.name),
            col(Person.kind),
            recorded.c.minutes,
            col(MonthlySummary.total_minutes),
            col(MonthlySummary.state),
            col(MonthlySummary.version),
            col(Signature.signed_at),
            col(Signature.channel),
            col(Signature.receipt),
            col(MonthlySummary.sha256),
        )
        .join(recorded, recorded.c.person_id == Person.id)
        .join(MonthlySummary, col(MonthlySummary.person_id) == Person.id)
        .outerjoin(Signature, col(Signature.summary_id) == MonthlySummary.id)
        .where(col(Person.project_id) == project_id, col(MonthlySummary.month) == str(MONTH))
        .order_by(col(Person.ref))
    )
    days_query = (
        sa.select(
            col(Person.ref),
            col(Person.name),
            col(Activity.ref),
            col(Activity.name),
            col(Activity.kind),
            col(TimeEntry.day),
            col(TimeEntry.minutes),
        )
        .join(Person, col(Person.id) == TimeEntry.person_id)
        .join(Activity, col(Activity.id) == TimeEntry.activity_id)
        .where(
            col(Person.project_id) == project_id,
            col(TimeEntry.day).between(MONTH.first_day, MONTH.last_day),
        )
        .order_by(col(Person.ref), col(TimeEntry.day), col(Activity.ref))
    )
    workbook = Workbook(write_only=True)
    async with core.sessions() as session:
        connection = await session.connection()
        people = workbook.create_sheet("Summaries")
        people.append(["heading"] * 11)
        for *row, signed_at, channel, receipt, sha256 in (
            await connection.execute(people_query)
        ).all():
            # openpyxl takes no time zone: the one change a row needs to be written
            signed = signed_at.replace(tzinfo=None) if signed_at else None
            people.append([*row, signed, channel, receipt, sha256])
        days = workbook.create_sheet("Hours")
        days.append(["heading"] * 7)
        for day in (await connection.execute(days_query)).all():
            days.append(tuple(day))
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


async def export(core: Core, project: Project) -> bytes:
    _, attachment = await month_export(core, project, MONTH, "sv")
    return attachment.content


async def certificates(core: Core, project: Project, people: int, count: int) -> None:
    refs = [f"P-{1 + n * (people - 1) // max(count - 1, 1):05d}" for n in range(count)]
    for ref in refs:
        await certificate(core, project, ref, MONTH, "sv")


async def run_child(kind: str, url: str, people: int, count: int) -> tuple[float, float]:
    core = core_for(url)
    project = await project_of(core)
    assert project.id is not None
    import fpdf  # noqa: F401  the renderers' libraries, loaded before the clock starts

    started, cpu = time.perf_counter(), time.process_time()
    if kind == "baseline":
        await baseline(core, project.id)
    elif kind == "export":
        await export(core, project)
    else:
        await certificates(core, project, people, count)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    await core.sessions.kw["bind"].dispose()
    return seconds, cpu


def child(kind: str, url: str, people: int, count: int) -> tuple[float, float, float]:
    """Run ``kind`` in a fresh process: seconds of the work itself (wall clock and CPU,
    all threads), and the process's peak RSS in MB."""
    command = [sys.executable, __file__, "--child", kind, "--url", url]
    command += ["--people", str(people), "--certificates", str(count)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    seconds, cpu, rss = done.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(cpu), float(rss)


def medians(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    wall, cpu, rss = (statistics.median(run[n] for run in runs) for n in range(3))
    return wall, cpu, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--certificates", type=int, default=50)
    parser.add_argument("--child", choices=("baseline", "export", "certificates"))
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        seconds, cpu = asyncio.run(run_child(args.child, args.url, args.people, args.certificates))
        print(seconds, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        upgrade(url)
        started = time.perf_counter()
        asyncio.run(seed(url, args.people))
        print(
            f"SQLite, {args.people} people, {args.people * 20} recorded days "
            f"(seeded and closed in {time.perf_counter() - started:.0f} s)"
        )
        runs: dict[str, list[tuple[float, float, float]]] = {"baseline": [], "export": []}
        for n in range(args.runs):
            for kind in ("baseline", "export") if n % 2 == 0 else ("export", "baseline"):
                runs[kind].append(child(kind, url, args.people, args.certificates))
            base, made = runs["baseline"][-1], runs["export"][-1]
            print(
                f"  run {n + 1}: baseline {base[0]:6.2f} s, /export {made[0]:6.2f} s: "
                f"{made[0] / base[0]:.2f}x (CPU {made[1] / base[1]:.2f}x)"
            )
        base_s, base_cpu, base_mb = medians(runs["baseline"])
        made_s, made_cpu, made_mb = medians(runs["export"])
        print(f"medians of {args.runs} runs (wall clock, CPU of all threads, peak RSS):")
        print(f"  baseline     {base_s:7.2f} s  {base_cpu:7.2f} s CPU  {base_mb:5.0f} MB")
        print(f"  /export      {made_s:7.2f} s  {made_cpu:7.2f} s CPU  {made_mb:5.0f} MB")
        print(
            f"  /export is {made_s / base_s:.2f}x the baseline ({made_cpu / base_cpu:.2f}x in CPU)"
        )
        seconds, _, rss = child("certificates", url, args.people, args.certificates)
        print(
            f"  certificate  {seconds / args.certificates * 1000:7.1f} ms each "
            f"({args.certificates} across the project, peak RSS {rss:.0f} MB)"
        )


if __name__ == "__main__":
    main()

"""The month close in batches: killed half way it is finished, not repeated; two closes
of one month never interleave; progress is told after each batch."""

from __future__ import annotations

import asyncio
import random
import sys
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from bot.core.errors import InputError
from bot.core.months import Month
from bot.usecases.closing.month_close import BATCH, close_month
from bot.usecases.closing.scheduled import run_interrupted_closes
from bot.usecases.context import Core
from bot.usecases.roster.registry import create_project
from storage import close_runs
from storage.db import transaction
from storage.tables import (
    Activity,
    CloseRun,
    MonthlySummary,
    OutboxMessage,
    Person,
    SigningCode,
    TimeEntry,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.processes import process_env, start
from tests.stack import SUPERUSER_ID, Clock, Stack, say_command

OCTOBER = Month(2026, 10)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))


async def seed_many(core: Core, people: int) -> None:
    """``people`` people with ten days each, by bulk insert."""
    project = await create_project(core, code="ESF-1", name="Jobbsteget", actor="test")
    rng = random.Random(7)
    async with transaction(core.sessions) as session:
        activity = Activity(
            project_id=project.id or 0,
            ref="A-001",
            name="Svenska",
            kind="training",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            created_at=core.clock(),
        )
        session.add(activity)
        await session.flush()
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
                    "sms_opted_out": False,
                    "reduced_hours": False,
                    "created_at": core.clock(),
                }
                for n in range(1, people + 1)
            ],
        )
        ids = (await session.exec(select(Person.id))).all()
        await connection.execute(
            sa.insert(TimeEntry),
            [
                {
                    "person_id": person_id,
                    "activity_id": activity.id,
                    "day": date(2026, 10, day),
                    "minutes": rng.choice((240, 360, 480)),
                    "recorded_at": core.clock(),
                }
                for person_id in ids
                for day in (1, 2, 5, 6, 7, 8, 9, 12, 13, 14)
            ],
        )


async def counts(core: Core) -> dict[str, int]:
    async with core.sessions() as session:

        async def count(query: sa.Select[tuple[int]]) -> int:
            return int((await session.exec(query)).one())  # type: ignore[call-overload]

        return {
            "summaries": await count(select(sa.func.count()).select_from(MonthlySummary)),
            "sent": await count(select(sa.func.count()).where(col(MonthlySummary.state) == "sent")),
            "codes": await count(select(sa.func.count()).select_from(SigningCode)),
            "messages": await count(select(sa.func.count()).select_from(OutboxMessage)),
            "runs": await count(select(sa.func.count()).select_from(CloseRun)),
        }


CLOSE_SCRIPT = """
import asyncio, sys
from bot.core.months import Month
from bot.roots.config import load_settings
from bot.roots.core import build_core
from bot.usecases.closing.month_close import close_month
from storage.db import create_engine
from tests.stack import SEAL_KEY, SECRET_KEY
url = sys.argv[1]
settings = load_settings({"database_url": url, "secret_key": SECRET_KEY, "seal_key": SEAL_KEY})
core = build_core(settings, create_engine(settings.database_url), dev=False,
                  clock=__import__("bot.usecases.context", fromlist=["x"]).system_clock)
async def progress(done, total):
    if done >= int(sys.argv[2]):  # stands still here, to be killed between batches
        print("waiting", flush=True)
        await asyncio.sleep(3600)
asyncio.run(close_month(core, "ESF-1", Month(2026, 10), actor="telegram:1", progress=progress))
"""


@pytest.mark.slow
async def test_a_close_killed_half_way_is_finished_by_the_worker_without_duplicates(
    core: Core, clock: Clock, database_url: str, tmp_path: Path
) -> None:
    people = 6 * BATCH
    await seed_many(core, people)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CLOSE_SCRIPT,
        database_url,
        str(3 * BATCH),
        cwd=str(Path(__file__).parent.parent),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 120)
        assert line == b"waiting\n"
    finally:
        process.kill()  # SIGKILL, after three committed batches
        await process.wait()
    at_kill = await counts(core)
    print(f"killed after {at_kill['summaries']} of {people} summaries")
    assert at_kill["summaries"] == 3 * BATCH
    assert at_kill["runs"] == 1  # the interrupted close's lease is still there
    assert at_kill["summaries"] == at_kill["codes"] == at_kill["messages"]  # whole batches

    # While the lease runs nobody resumes it; once it ran out the worker does.
    assert await run_interrupted_closes(core) == []
    clock.advance(minutes=3)
    (report,) = await run_interrupted_closes(core)
    assert len(report.sent) == people - at_kill["summaries"]
    assert len(report.unchanged) == at_kill["summaries"]
    final = await counts(core)
    assert final == {
        "summaries": people,
        "sent": people,
        "codes": people,
        "messages": people,
        "runs": 0,
    }
    async with core.sessions() as session:
        per_person = Counter((await session.exec(select(MonthlySummary.person_id))).all())
    assert set(per_person.values()) == {1}


async def test_a_second_close_of_the_month_waits_for_the_first(core: Core, clock: Clock) -> None:
    await seed_many(core, 10)
    async with transaction(core.sessions) as session:
        project_id = (await session.exec(select(Person.project_id))).first()
        assert project_id is not None
        assert await close_runs.take(
            session,
            project_id,
            "2026-10",
            holder="someone-else",
            actor="telegram:2",
            now=clock(),
            until=clock() + timedelta(minutes=2),
        )
    with pytest.raises(InputError) as refused:
        await close_month(core, "ESF-1", OCTOBER, actor="telegram:1")
    assert refused.value.message.text("en") == (
        "A close of 2026-10 is already running; its answer will come."
    )
    assert (await counts(core))["summaries"] == 0


async def test_progress_is_told_after_each_batch(core: Core) -> None:
    await seed_many(core, BATCH + 10)
    heard: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        heard.append((done, total))

    report = await close_month(core, "ESF-1", OCTOBER, actor="test", progress=progress)
    assert heard == [(BATCH, BATCH + 10), (BATCH + 10, BATCH + 10)]
    assert len(report.sent) == BATCH + 10
    again = await close_month(replace(core), "ESF-1", OCTOBER, actor="test")
    assert len(again.unchanged) == BATCH + 10 and again.sent == []


async def test_a_long_close_in_the_chat_shows_its_progress_in_one_edited_message(
    stack: Stack, fake_telegram: FakeTelegram
) -> None:
    await seed_many(stack.core, BATCH + 500)
    await say_command(stack, fake_telegram, SUPERUSER_ID, "/project use ESF-1")
    before = len(fake_telegram.texts_to(SUPERUSER_ID))
    await say_command(stack, fake_telegram, SUPERUSER_ID, "/close 2026-10 confirmed")
    await stack.settled(30)
    progress, answer = fake_telegram.texts_to(SUPERUSER_ID)[before:]
    assert progress == "Closing… 66 %"  # the progress line, then the answer
    assert answer.startswith("Closed 2026-10 for 1500 people:"), answer
    edits = [c["text"] for c in fake_telegram.calls("editMessageText")]
    assert edits == ["Closing… 100 %"]


async def test_the_shell_draws_a_progress_bar_for_a_long_close(
    core: Core, database_url: str, tmp_path: Path
) -> None:
    await seed_many(core, BATCH + 200)
    env = process_env(database_url, "http://127.0.0.1:9")
    shell = await start(
        ["admin", "--project", "ESF-1", "--dev", "close", "2026-10", "--yes"], env, tmp_path, "sh"
    )
    assert await shell.wait() == 0
    output = shell.output()
    assert "closing" in output and f"{BATCH + 200}/{BATCH + 200}" in output, output
    assert "Closed 2026-10 for 1200 people:" in output

"""The evidence log's chain: appended in order, never forked, every break named."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import sqlalchemy as sa

from bot.core.evidence_chain import Event, EventKind, chain_breaks
from bot.usecases.context import Core
from bot.usecases.roster.registry import create_project
from storage import evidence_log
from storage.db import create_engine, session_factory, transaction
from storage.tables import Project
from tests.test_tamper import run_sql

AT = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


async def project_id(core: Core) -> int:
    project: Project = await create_project(core, code="ESF-1", name="Log", actor="test")
    assert project.id is not None
    return project.id


async def append_one(core: Core, pid: int, n: int) -> None:
    async with transaction(core.sessions) as session:
        await evidence_log.append(
            session, pid, [Event(EventKind.WRONG_TRY, AT, summary_id=n, detail={"n": n})]
        )


async def chain(core: Core, pid: int) -> list[evidence_log.Entry]:
    return [entry async for entry in evidence_log.entries(core.sessions, pid, batch=7)]


async def test_appends_make_one_unbroken_chain_read_back_in_batches(core: Core) -> None:
    pid = await project_id(core)
    for n in range(10):
        await append_one(core, pid, n)
    async with transaction(core.sessions) as session:
        head = await evidence_log.append(
            session, pid, [Event(EventKind.SIGNED, AT, detail={"k": k}) for k in range(5)]
        )
    entries = await chain(core, pid)
    assert [e.seq for e in entries] == list(range(1, 16))
    assert (head.seq, head.hash) == (15, entries[-1].hash)
    assert chain_breaks(entries) == []


async def test_concurrent_appends_from_two_pools_never_fork_the_chain(
    core: Core, database_url: str
) -> None:
    """Two engines stand for two processes; each appends 40 entries as fast as it can."""
    pid = await project_id(core)
    other = create_engine(database_url)
    try:
        second = Core(sessions=session_factory(other), secret_key=core.secret_key)

        async def burst(c: Core, base: int) -> None:
            for n in range(40):
                await append_one(c, pid, base + n)

        await asyncio.gather(burst(core, 0), burst(second, 1000))
    finally:
        await other.dispose()
    entries = await chain(core, pid)
    assert [e.seq for e in entries] == list(range(1, 81))
    assert chain_breaks(entries) == []


async def test_an_edited_entry_and_a_removed_entry_are_named(core: Core) -> None:
    pid = await project_id(core)
    for n in range(6):
        await append_one(core, pid, n)
    await run_sql(
        core, "UPDATE evidence_events SET detail = :forged WHERE seq = 2", forged='{"n":99}'
    )
    await run_sql(core, "DELETE FROM evidence_events WHERE seq = 5")
    breaks = chain_breaks(await chain(core, pid))
    assert [(b.seq, b.reason) for b in breaks] == [
        (2, "its content does not hash to its stored hash"),
        (6, "expected entry 5, found 6"),
    ]


async def test_a_rewritten_history_with_recomputed_hashes_breaks_at_the_sealed_head(
    core: Core,
) -> None:
    """Rewriting an entry and every hash after it leaves a consistent chain, but not the
    head a signature sealed: the later check compares against that."""
    pid = await project_id(core)
    for n in range(4):
        await append_one(core, pid, n)
    sealed_head = (await chain(core, pid))[-1]
    async with core.sessions() as session, session.begin():
        await (await session.connection()).execute(sa.text("DELETE FROM evidence_events"))
        await (await session.connection()).execute(
            sa.text("UPDATE evidence_heads SET seq = 0, hash = :g"), {"g": "0" * 64}
        )
    for n in (0, 1, 7, 3):  # the third event rewritten
        await append_one(core, pid, n)
    rewritten = await chain(core, pid)
    assert chain_breaks(rewritten) == []
    assert rewritten[-1].seq == sealed_head.seq and rewritten[-1].hash != sealed_head.hash

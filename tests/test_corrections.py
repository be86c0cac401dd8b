"""A changed month that was already sent: superseded at once, re-sent at the next sending hour."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlmodel import col, select

from bot.core.months import Month
from bot.usecases.closing.month_close import close_month, resend_month
from bot.usecases.closing.scheduled import run_due_resends
from bot.usecases.context import Core
from bot.usecases.recording.hours import record_hours
from storage.tables import MonthlySummary, OutboxMessage, Resend
from tests.stack import PROJECT, Clock, seed_project
from tests.test_signing import code_for, reply

OCTOBER = Month(2026, 10)


async def states(core: Core) -> list[tuple[int, str]]:
    async with core.sessions() as session:
        rows = await session.exec(
            select(MonthlySummary)
            .where(MonthlySummary.person_id == 1)
            .order_by(col(MonthlySummary.version))
        )
        return [(s.version, s.state) for s in rows.all()]


async def correct(core: Core, minutes: int = 300):  # type: ignore[no-untyped-def]
    return await record_hours(
        core,
        PROJECT,
        person_ref="P-0001",
        activity_ref="A-001",
        day=date(2026, 10, 2),
        minutes=minutes,
        actor="test",
        correction=True,
    )


async def month_end_messages(core: Core) -> int:
    async with core.sessions() as session:
        rows = await session.exec(
            select(OutboxMessage).where(
                OutboxMessage.person_id == 1, OutboxMessage.purpose == "month_end"
            )
        )
        return len(rows.all())


async def test_a_correction_supersedes_the_signature_and_the_worker_resends(core: Core) -> None:
    project = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]
    assert (await reply(core, phone, await code_for(core, phone))).outcome == "signed"

    recorded = await correct(core)

    assert recorded.resend is not None and recorded.resend.was_signed
    assert recorded.resend.version == 1
    assert await states(core) == [(1, "superseded")]  # the receipt says so from now on
    assert recorded.resend.due_at == core.clock()  # a Tuesday at 10:00 in Stockholm
    [report] = await run_due_resends(core)
    assert report.sent == ["P-0001"] and report.unchanged == ["P-0002", "P-0003"]
    assert await states(core) == [(1, "superseded"), (2, "sent")]
    assert await month_end_messages(core) == 2
    assert await run_due_resends(core) == []  # once


async def test_a_change_at_night_waits_for_the_sending_window(core: Core, clock: Clock) -> None:
    await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    clock.now = datetime(2026, 11, 6, 20, 0, tzinfo=UTC)  # Friday 21:00 in Stockholm
    recorded = await record_hours(
        core,
        PROJECT,
        person_ref="P-0001",
        activity_ref="A-001",
        day=date(2026, 10, 2),
        minutes=300,
        actor="test",
    )
    assert recorded.resend is not None and not recorded.resend.was_signed
    assert recorded.resend.due_at == datetime(2026, 11, 9, 8, 0, tzinfo=UTC)  # Monday 09:00
    assert await run_due_resends(core) == []
    clock.now = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
    [report] = await run_due_resends(core)
    assert report.sent == ["P-0001"]


async def test_close_sends_a_correction_at_once_and_the_worker_then_has_nothing(
    core: Core,
) -> None:
    await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    await correct(core)
    report = await close_month(core, PROJECT, OCTOBER, actor="test")
    assert report.sent == ["P-0001"]
    assert await run_due_resends(core) == []
    async with core.sessions() as session:
        assert (await session.exec(select(Resend))).all() == []


async def test_racing_workers_resend_a_month_once(core: Core) -> None:
    await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    await correct(core)
    reports = await asyncio.gather(*(resend_month(core, PROJECT, OCTOBER) for _ in range(4)))
    assert len([r for r in reports if r is not None]) == 1
    assert await month_end_messages(core) == 2

"""Reminders, the scheduled close and ``worker --once --at``, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from bot.core.errors import InputError
from bot.core.months import Month
from bot.core.reminders import ReminderPolicy, next_allowed, next_reminder
from bot.core.schedule import month_to_close
from bot.roots.config import load_settings
from bot.roots.worker import main as worker_main
from bot.usecases.closing.month_close import close_month
from bot.usecases.closing.scheduled import run_scheduled_closes
from bot.usecases.context import Core
from bot.usecases.reminding.on_request import reissue, remind_now
from bot.usecases.reminding.reminders import send_due_reminders
from storage.tables import (
    AuditEvent,
    Coordinator,
    MonthlySummary,
    OutboxMessage,
    Project,
    ScheduledRun,
    SigningCode,
)
from tests.stack import CURRENT_TIME, PROJECT, SEAL_KEY, SECRET_KEY, Clock, seed_project

OCTOBER = Month(2026, 10)
POLICY = ReminderPolicy()
STOCKHOLM = "Europe/Stockholm"


def local(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo(STOCKHOLM))  # type: ignore[misc]


def allowed(moment: datetime) -> datetime:
    return next_allowed(moment, zone=STOCKHOLM, country="SE", policy=POLICY)


# --- the pure policy ---------------------------------------------------------------


def test_reminder_inside_the_window_goes_out_at_once() -> None:
    assert allowed(local(2026, 11, 10, 18, 59)) == local(2026, 11, 10, 18, 59)
    assert allowed(local(2026, 11, 10, 9, 0)) == local(2026, 11, 10, 9, 0)


def test_reminder_due_at_exactly_19_waits_for_9_next_working_day() -> None:
    assert allowed(local(2026, 11, 10, 19, 0)) == local(2026, 11, 11, 9, 0)


def test_reminder_before_9_waits_for_9_same_day() -> None:
    assert allowed(local(2026, 11, 10, 6, 30)) == local(2026, 11, 10, 9, 0)


@pytest.mark.parametrize("day", [7, 8])  # Saturday, Sunday
def test_reminder_on_a_weekend_waits_for_monday_morning(day: int) -> None:
    assert allowed(local(2026, 11, day, 12, 0)) == local(2026, 11, 9, 9, 0)


def test_reminder_on_a_swedish_holiday_waits_for_the_next_working_day() -> None:
    # Epiphany, Tuesday 6 January 2026.
    assert allowed(local(2026, 1, 6, 10, 0)) == local(2026, 1, 7, 9, 0)
    # Christmas Eve (de facto) to Sunday 27 December: Monday 28 December.
    assert allowed(local(2026, 12, 24, 10, 0)) == local(2026, 12, 28, 9, 0)


def test_allowed_moment_is_in_utc_when_asked_in_utc() -> None:
    moment = allowed(datetime(2026, 11, 7, 12, 0, tzinfo=UTC))
    assert moment == local(2026, 11, 9, 9, 0) and moment.tzinfo == UTC


def test_reminders_follow_the_policy_and_the_third_is_the_last() -> None:
    sent = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)  # Tuesday 10:00 local

    def due(count: int, last: datetime | None) -> datetime | None:
        return next_reminder(
            last or sent,
            zone=STOCKHOLM,
            country="SE",
            policy=POLICY,
            sent_at=sent,
            reminders_sent=count,
            last_reminder_at=last,
        )

    first = due(0, None)
    assert first == local(2026, 11, 6, 10, 0)
    assert first is not None
    second = due(1, first)
    assert second == local(2026, 11, 9, 10, 0)
    assert second is not None
    assert due(2, second) == local(2026, 11, 12, 10, 0)
    assert due(3, local(2026, 11, 12, 10, 0)) is None


def test_a_late_reminder_is_due_at_once_not_in_the_past() -> None:
    now = local(2026, 11, 20, 11, 0)
    sent = local(2026, 11, 3, 10, 0)
    assert (
        next_reminder(
            now, zone=STOCKHOLM, country="SE", policy=POLICY, sent_at=sent, reminders_sent=0
        )
        == now
    )


def test_month_to_close_is_due_from_the_set_moment() -> None:
    def due(now: datetime) -> Month | None:
        return month_to_close(now, zone=STOCKHOLM, day=3, at=time(8, 0))

    assert due(local(2026, 11, 3, 7, 59)) is None
    assert due(local(2026, 11, 3, 8, 0)) == OCTOBER
    assert month_to_close(local(2026, 11, 30), zone=STOCKHOLM, day=None, at=None) is None
    # Day 31 in a 30-day month is its last day.
    assert month_to_close(local(2026, 11, 30, 9), zone=STOCKHOLM, day=31, at=time(8)) == OCTOBER


# --- reminders in the database -------------------------------------------------------


async def rows(core: Core, table: type, *where: sa.ColumnElement[bool]) -> list:  # type: ignore[type-arg]
    async with core.sessions() as session:
        return list((await session.exec(select(table).where(*where))).all())


async def set_project(core: Core, **values: object) -> None:
    async with core.sessions() as session, session.begin():
        await session.exec(sa.update(Project).where(col(Project.code) == PROJECT).values(**values))


async def add_coordinator(core: Core) -> None:
    project = (await rows(core, Project))[0]
    async with core.sessions() as session, session.begin():
        session.add(
            Coordinator(
                project_id=project.id,
                telegram_user_id=4242,
                role="coordinator",
                created_at=CURRENT_TIME,
            )
        )


async def run_next_due(core: Core, clock: Clock) -> int:
    due = [s.next_reminder_at for s in await rows(core, MonthlySummary) if s.next_reminder_at]
    clock.now = min(due)
    return await send_due_reminders(core)


def reminders(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    return [m for m in messages if m.purpose == "reminder"]


async def test_close_schedules_the_first_reminder_three_working_days_later(core: Core) -> None:
    await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    summaries = await rows(core, MonthlySummary)
    assert {s.next_reminder_at for s in summaries} == {local(2026, 11, 6, 10, 0)}
    assert await send_due_reminders(core) == 0


async def test_expired_code_comes_back_new_with_the_reminder(core: Core, clock: Clock) -> None:
    await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    assert await run_next_due(core, clock) == 3  # 72 h: the first code has just expired
    sent = reminders(await rows(core, OutboxMessage))
    assert len(sent) == 3 and all(m.sealed_code for m in sent)
    assert all("Påminnelse" in m.text and "Totalt" in m.text for m in sent)
    codes = await rows(core, SigningCode)
    assert sorted(c.state for c in codes) == ["active"] * 3 + ["superseded"] * 3


async def test_reminder_with_a_valid_code_says_when_it_expires(core: Core, clock: Clock) -> None:
    await seed_project(core)
    await set_project(core, reminder_first_days=1)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    assert await run_next_due(core, clock) == 3
    sent = reminders(await rows(core, OutboxMessage))
    assert all(m.sealed_code is None and "gäller till 6 nov. 10:00" in m.text for m in sent)
    assert len(await rows(core, SigningCode)) == 3


async def test_third_reminder_is_the_last_then_coordinators_get_one_list(
    core: Core, clock: Clock
) -> None:
    await seed_project(core)
    await add_coordinator(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    for _ in range(3):
        assert await run_next_due(core, clock) == 3
    summaries = await rows(core, MonthlySummary)
    assert {(s.reminders_sent, s.next_reminder_at) for s in summaries} == {(3, None)}
    clock.advance(days=30)
    assert await send_due_reminders(core) == 0
    messages = await rows(core, OutboxMessage)
    assert len(reminders(messages)) == 9
    lists = [m for m in messages if m.purpose == "coordinator"]
    assert len(lists) == 1 and lists[0].address == "4242"
    assert all(f"P-000{n} Person {n}" in lists[0].text for n in (1, 2, 3))
    assert len(await rows(core, ScheduledRun, col(ScheduledRun.kind) == "unsigned_list")) == 1


async def test_two_workers_racing_send_each_reminder_once(core: Core, clock: Clock) -> None:
    await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    clock.now = local(2026, 11, 6, 10, 0)
    counts = await asyncio.gather(send_due_reminders(core), send_due_reminders(core))
    assert sum(counts) == 3
    assert len(reminders(await rows(core, OutboxMessage))) == 3


async def test_remind_now_counts_and_reissue_supersedes(core: Core, clock: Clock) -> None:
    await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    answer = await remind_now(core, PROJECT, OCTOBER, actor="test")
    assert str(answer) == f"Reminded 3 people who have not signed 2026-10 in {PROJECT}."
    assert {s.reminders_sent for s in await rows(core, MonthlySummary)} == {1}
    answer = await reissue(core, PROJECT, "P-0002", OCTOBER, actor="test")
    assert str(answer).startswith("A new code for 2026-10 is on its way to P-0002 Person 2")
    codes = await rows(core, SigningCode)
    assert sorted(c.state for c in codes) == ["active"] * 3 + ["superseded"]
    with pytest.raises(InputError, match="no summary for 2026-09"):
        await reissue(core, PROJECT, "P-0002", Month(2026, 9), actor="test")
    with pytest.raises(InputError, match="There is no project"):
        await remind_now(core, "NOPE", OCTOBER, actor="test")
    with pytest.raises(InputError, match="has not started"):
        await remind_now(core, PROJECT, Month(2027, 1), actor="test")


# --- the scheduled close and the worker -----------------------------------------------


async def test_scheduled_close_happens_once_with_two_workers_racing(
    core: Core, clock: Clock
) -> None:
    await seed_project(core)
    await set_project(core, close_day=3, close_time=time(10, 0))
    clock.now = local(2026, 11, 3, 9, 59)
    assert await run_scheduled_closes(core) == []
    clock.now = local(2026, 11, 3, 10, 0)
    reports = await asyncio.gather(run_scheduled_closes(core), run_scheduled_closes(core))
    assert sum(len(r) for r in reports) == 1
    clock.advance(days=2)  # a restarted worker, later
    assert await run_scheduled_closes(core) == []
    closes = await rows(core, AuditEvent, col(AuditEvent.action) == "month.close")
    assert len(closes) == 1 and closes[0].actor == "system:schedule"
    assert len(await rows(core, OutboxMessage)) == 3
    assert len(await rows(core, ScheduledRun)) == 1


async def test_worker_once_at_closes_reminds_and_delivers(core: Core, database_url: str) -> None:
    await seed_project(core)
    await set_project(core, close_day=2, close_time=time(8, 0))
    settings = load_settings(
        {"database_url": database_url, "secret_key": SECRET_KEY, "seal_key": SEAL_KEY}
    )

    await worker_main(settings, once=True, at=CURRENT_TIME, dev=False)
    messages = await rows(core, OutboxMessage)
    assert [m.state for m in messages] == ["sent"] * 3
    assert all(m.sealed_code is None for m in messages)

    await worker_main(
        settings, once=True, at=CURRENT_TIME + timedelta(days=3, minutes=1), dev=False
    )
    sent = reminders(await rows(core, OutboxMessage))
    assert [m.state for m in sent] == ["sent"] * 3
    assert await run_scheduled_closes(core) == []

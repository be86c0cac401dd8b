"""What the schedule sends participants unasked waits for the project's sending window:
09:00-19:00 local on working days (the project's reminder hours), not on public holidays.

The worker's round is run at the moments a worker might happen to run (``worker
--once --at`` does exactly this; one test runs it as a process) with a scheduled close
and reminders that fell due before; Stockholm is UTC+1 in November and December.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col, select

from bot.roots.worker import run_round
from storage.db import transaction
from storage.tables import MonthlySummary, OutboxMessage, Project, SigningCode
from tests.fakes.twilio_api import FakeTwilio
from tests.processes import process_env, start
from tests.stack import Stack, seed_project


def local(text: str) -> datetime:
    """A Stockholm wall-clock time in November or December 2026, as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) - timedelta(hours=1)


async def schedule_close_at_midnight_on_the_first(stack: Stack) -> None:
    await seed_project(stack.core)
    async with transaction(stack.core.sessions) as session:
        await session.exec(sa.update(Project).values(close_day=1, close_time=time(0, 0)))


async def round_at(stack: Stack, moment: datetime) -> None:
    stack.clock.now = moment
    await run_round(stack.core, stack.runtime.dispatcher)


async def test_a_close_due_on_a_sunday_sends_monday_at_nine_with_the_code_counted_from_then(
    stack: Stack, fake_twilio: FakeTwilio
) -> None:
    await schedule_close_at_midnight_on_the_first(stack)
    await round_at(stack, local("2026-11-01T12:00"))  # Sunday: the close is made...
    async with stack.core.sessions() as session:
        summaries = (await session.exec(select(MonthlySummary))).all()
        codes = (await session.exec(select(SigningCode))).all()
    assert len(summaries) == 3
    assert fake_twilio.messages == []  # ...and waits
    opening = local("2026-11-02T09:00")
    assert {c.expires_at.replace(tzinfo=UTC) for c in codes} == {opening + timedelta(hours=72)}
    await round_at(stack, local("2026-11-02T08:59"))
    assert fake_twilio.messages == []
    await round_at(stack, opening)
    assert len(fake_twilio.messages) == 3
    assert "5 nov" in fake_twilio.messages[0]["Body"]  # the code's day, as the text says


async def test_reminders_due_before_wait_past_19_weekends_and_christmas(
    stack: Stack, fake_twilio: FakeTwilio
) -> None:
    await schedule_close_at_midnight_on_the_first(stack)
    await round_at(stack, local("2026-11-02T09:00"))
    assert len(fake_twilio.messages) == 3  # the month-end summaries
    # The first reminders fell due on Wednesday 4 November at 09:00; no worker ran.
    for closed in ("2026-11-04T19:01", "2026-11-04T20:00", "2026-11-07T10:00", "2026-11-08T10:00"):
        await round_at(stack, local(closed))
        assert len(fake_twilio.messages) == 3, closed
    await round_at(stack, local("2026-11-09T09:00"))  # Monday
    assert len(fake_twilio.messages) == 6
    # The second reminders fall due three days later; the worker next runs at Christmas.
    await round_at(stack, local("2026-12-25T10:00"))
    await round_at(stack, local("2026-12-26T10:00"))
    assert len(fake_twilio.messages) == 6
    await round_at(stack, local("2026-12-28T09:30"))
    assert len(fake_twilio.messages) == 9


async def test_what_was_queued_in_the_window_stops_at_19_and_goes_on_next_morning(
    stack: Stack, fake_twilio: FakeTwilio
) -> None:
    await schedule_close_at_midnight_on_the_first(stack)
    stack.clock.now = local("2026-11-02T18:59")
    from bot.usecases.closing.scheduled import run_scheduled_closes

    await run_scheduled_closes(stack.core)  # queued inside the window...
    await round_at(stack, local("2026-11-02T19:00"))  # ...but the worker came late
    assert fake_twilio.messages == []
    async with stack.core.sessions() as session:
        waiting = (await session.exec(select(OutboxMessage))).all()
    assert {r.next_attempt_at.replace(tzinfo=UTC) for r in waiting} == {local("2026-11-03T09:00")}
    assert {r.attempts for r in waiting} == {0}
    await round_at(stack, local("2026-11-03T09:00"))
    assert len(fake_twilio.messages) == 3


async def test_coordinators_asking_at_night_are_answered_at_once(
    stack: Stack, fake_twilio: FakeTwilio
) -> None:
    from bot.core.months import Month
    from bot.usecases.closing.month_close import close_month

    await seed_project(stack.core)
    stack.clock.now = local("2026-11-07T21:00")  # a Saturday night
    await close_month(stack.core, "ESF-1", Month(2026, 10), actor="telegram:1")
    await stack.deliver()
    assert len(fake_twilio.messages) == 3  # asked for now, so sent now


async def test_worker_once_at_saturday_sends_nothing_to_participants(
    stack: Stack, fake_twilio: FakeTwilio, database_url: str, tmp_path: Path
) -> None:
    await schedule_close_at_midnight_on_the_first(stack)
    env = process_env(database_url, fake_twilio.url, TIMESIGN_TWILIO_MESSAGES_PER_SECOND="50")
    at = local("2026-11-07T12:00").isoformat()
    worker = await start(["worker", "--once", "--at", at], env, tmp_path, "worker")
    assert await worker.wait() == 0, worker.output()
    async with stack.core.sessions() as session:
        queued = (
            await session.exec(select(OutboxMessage).where(col(OutboxMessage.state) == "queued"))
        ).all()
    assert len(queued) == 3 and fake_twilio.messages == []
    at = local("2026-11-09T09:00").isoformat()
    worker = await start(["worker", "--once", "--at", at], env, tmp_path, "worker-monday")
    assert await worker.wait() == 0, worker.output()
    assert len(fake_twilio.messages) == 3

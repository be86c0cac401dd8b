"""Send-rate limits kept in the database hold across workers: two dispatchers, each with
its own engine (as two worker processes would have), share one database and the fake
providers; on SQLite and PostgreSQL. Times are the test clock's, as stored in sent_at."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.core.errors import ConfigError
from bot.core.rate_limits import RatePolicy, bucket, decide
from bot.roots.config import load_settings
from bot.roots.worker import pause_before_next, run_due
from notifications.dispatcher import Dispatcher, Handled
from storage.db import create_engine, session_factory
from storage.outbox import Outgoing, enqueue
from storage.rate_limits import RateLimiter
from storage.tables import OutboxMessage, RateBucket
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.stack import Stack

SENDER = "+46700000000"
SMS_PER_SECOND = 2.0
TICK = timedelta(milliseconds=100)


def utc(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@pytest.fixture
async def workers(stack: Stack, database_url: str) -> AsyncIterator[tuple[Dispatcher, Dispatcher]]:
    policy = RatePolicy(sms_per_second=SMS_PER_SECOND, sms_sender=SENDER)
    engine = create_engine(database_url)
    built = []
    for name, sessions in (
        ("worker-a", stack.core.sessions),
        ("worker-b", session_factory(engine)),
    ):
        built.append(
            Dispatcher(
                sessions,
                stack.runtime.transports,
                key=stack.core.key,
                clock=stack.clock,
                worker=name,
                limiter=RateLimiter(sessions, policy),
            )
        )
    yield built[0], built[1]
    await engine.dispose()


async def queue(stack: Stack, *messages: tuple[str, str]) -> None:
    async with stack.core.sessions() as session, session.begin():
        for n, (channel, address) in enumerate(messages):
            enqueue(
                session,
                Outgoing(channel=channel, address=address, text=f"message {n}", purpose="reply"),
                now=stack.clock(),
            )


async def rows(stack: Stack) -> list[OutboxMessage]:
    async with stack.core.sessions() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await session.exec(query)).all())


async def both_until_idle(a: Dispatcher, b: Dispatcher) -> None:
    async def drain(worker: Dispatcher) -> None:
        while (await worker.handle_batch()).claimed:
            pass

    await asyncio.gather(drain(a), drain(b))


def most_in_one_second(moments: list[datetime]) -> int:
    moments = sorted(moments)
    return max(
        (sum(1 for m in moments if start <= m < start + timedelta(seconds=1)) for start in moments),
        default=0,
    )


def test_slots_give_at_most_the_rate_in_any_second() -> None:
    now = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    per_bot = bucket("telegram:bot", 30)
    assert per_bot.slots == 30 and len(set(per_bot.slot_keys())) == 30
    slow = bucket("sms:x", 0.5)
    assert slow.slots == 1 and slow.period == timedelta(seconds=2)
    assert bucket("sms:x", 1 / 3).period == timedelta(microseconds=3_000_000)
    free: dict[str, datetime | None] = {}
    for _ in range(30):
        decision = decide((per_bot,), free, now)
        assert decision.retry_at is None
        free.update(decision.take)
    refused = decide((per_bot,), free, now)
    assert refused.take == {} and refused.retry_at == now + timedelta(seconds=1)
    fast = bucket("sms:x", 3000)
    assert fast.slots == 30 and fast.period == timedelta(milliseconds=10)
    with pytest.raises(ValueError):
        bucket("sms:x", 0)


def test_the_twilio_rate_setting_must_be_above_zero() -> None:
    assert load_settings({}).twilio_messages_per_second == 1
    assert load_settings({"twilio_messages_per_second": "0.5"}).twilio_messages_per_second == 0.5
    with pytest.raises(ConfigError, match="TIMESIGN_TWILIO_MESSAGES_PER_SECOND"):
        load_settings({"twilio_messages_per_second": "0"})


async def test_two_workers_keep_one_message_a_second_per_chat_and_the_sms_rate(
    stack: Stack,
    workers: tuple[Dispatcher, Dispatcher],
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    a, b = workers
    phones = [f"+4670111000{n}" for n in range(4)]
    await queue(
        stack,
        *[("telegram", "5001")] * 4,
        *[("telegram", "5002")] * 2,
        *[("sms", phones[n % 4]) for n in range(8)],
    )
    started = stack.clock()
    for _ in range(60):
        await both_until_idle(a, b)
        stack.clock.advance(seconds=TICK.total_seconds())

    sent = await rows(stack)
    assert all(row.state == "sent" for row in sent)
    assert all(row.attempts == 1 for row in sent)  # waiting for a slot is no attempt
    assert {row.claimed_by for row in sent} == {None}
    for chat in ("5001", "5002"):
        times = sorted(utc(r.sent_at) for r in sent if r.address == chat)
        assert all(
            later - earlier >= timedelta(seconds=1) for earlier, later in itertools.pairwise(times)
        )
        assert len(fake_telegram.texts_to(chat)) == len(times)
    sms_times = [utc(r.sent_at) for r in sent if r.channel == "sms"]
    assert most_in_one_second(sms_times) == SMS_PER_SECOND
    assert len(fake_twilio.messages) == 8  # nothing twice
    # 8 SMS at 2 a second: the last leaves between 3 and 4 seconds in.
    assert started + timedelta(seconds=3) <= max(sms_times) < started + timedelta(seconds=4)


async def test_a_telegram_429_seen_by_one_worker_makes_the_other_wait(
    stack: Stack, workers: tuple[Dispatcher, Dispatcher], fake_telegram: FakeTelegram
) -> None:
    a, b = workers
    await queue(stack, ("telegram", "6001"))
    fake_telegram.fail_next(
        status=429, description="Too Many Requests: retry after 5", parameters={"retry_after": 5}
    )
    started = stack.clock()

    assert (await a.handle_batch()).attempted == 1  # 6001 meets flood control
    await queue(stack, ("telegram", "6002"))
    assert not (await b.handle_batch()).claimed  # 6002, another chat, is held back all the same
    assert len(fake_telegram.calls("sendMessage")) == 1
    first, second = await rows(stack)
    assert first.state == "queued" and first.attempts == 1
    # Passed over untouched: the claim sees the bot's bucket is held.
    assert second.state == "queued" and second.attempts == 0 and second.claimed_by is None
    assert utc(second.next_attempt_at) == started

    stack.clock.advance(seconds=4.9)
    assert not (await b.handle_batch()).claimed
    assert len(fake_telegram.calls("sendMessage")) == 1
    stack.clock.advance(seconds=0.1)
    assert (await b.handle_batch()).attempted == 1
    assert fake_telegram.texts_to("6002") == ["message 0"]


async def test_a_twilio_429_holds_the_sender_for_every_worker(
    stack: Stack, workers: tuple[Dispatcher, Dispatcher], fake_twilio: FakeTwilio
) -> None:
    a, b = workers
    await queue(stack, ("sms", "+46701110001"))
    fake_twilio.fail_next(status=429, code=20429, retry_after=7)
    started = stack.clock()

    assert (await a.handle_batch()).attempted == 1
    await queue(stack, ("sms", "+46701110002"))
    assert not (await b.handle_batch()).claimed  # the sender is held: nothing may leave
    assert fake_twilio.requests == 1
    _, second = await rows(stack)
    assert second.state == "queued" and second.attempts == 0
    assert utc(second.next_attempt_at) == started
    stack.clock.advance(seconds=7)
    assert (await b.handle_batch()).attempted == 1
    assert fake_twilio.requests == 2


async def test_a_batch_takes_one_message_a_chat_and_the_next_waits_untouched(
    stack: Stack, workers: tuple[Dispatcher, Dispatcher], fake_telegram: FakeTelegram
) -> None:
    a, b = workers
    await queue(stack, ("telegram", "5101"), ("telegram", "5101"), ("telegram", "5102"))
    started = stack.clock()

    assert await a.handle_batch() == Handled(claimed=2, attempted=2)
    assert fake_telegram.texts_to("5101") == ["message 0"]
    assert fake_telegram.texts_to("5102") == ["message 2"]
    _, waiting, _ = await rows(stack)
    assert waiting.state == "queued" and waiting.attempts == 0 and waiting.claimed_by is None
    assert utc(waiting.next_attempt_at) == started
    assert await b.handle_batch() == Handled(claimed=0, attempted=0)  # the chat had its turn
    stack.clock.advance(seconds=1)
    assert await b.handle_batch() == Handled(claimed=1, attempted=1)
    assert fake_telegram.texts_to("5101") == ["message 0", "message 1"]


async def test_after_a_429_a_batch_sends_nothing_more_over_that_channel(
    stack: Stack, workers: tuple[Dispatcher, Dispatcher], fake_twilio: FakeTwilio
) -> None:
    a, _ = workers
    # Two SMS to one phone go one after the other, so the 429 comes before the second.
    await queue(stack, ("sms", "+46701110001"), ("sms", "+46701110001"))
    fake_twilio.fail_next(status=429, code=20429, retry_after=7)
    started = stack.clock()

    assert await a.handle_batch() == Handled(claimed=2, attempted=1)
    assert fake_twilio.requests == 1
    first, second = await rows(stack)
    assert first.state == "queued" and first.attempts == 1 and first.last_error is not None
    assert second.state == "queued" and second.attempts == 0 and second.last_error is None
    assert utc(second.next_attempt_at) == started + timedelta(seconds=7)


async def test_thirty_telegram_messages_a_second_per_bot_across_chats(
    stack: Stack, workers: tuple[Dispatcher, Dispatcher], fake_telegram: FakeTelegram
) -> None:
    a, b = workers
    await queue(stack, *[("telegram", str(7000 + n)) for n in range(70)])
    started = stack.clock()

    await both_until_idle(a, b)
    assert len(fake_telegram.calls("sendMessage")) == 30
    for _ in range(25):
        stack.clock.advance(seconds=TICK.total_seconds())
        await both_until_idle(a, b)

    sent = await rows(stack)
    assert all(row.state == "sent" and row.attempts == 1 for row in sent)
    times = [utc(row.sent_at) for row in sent]
    assert most_in_one_second(times) == 30
    assert sum(1 for t in times if t == started) == 30
    assert sum(1 for t in times if t == started + timedelta(seconds=1)) == 30
    assert len(fake_telegram.calls("sendMessage")) == 70


async def test_idle_chats_are_forgotten_and_their_limit_still_holds(
    stack: Stack, workers: tuple[Dispatcher, Dispatcher]
) -> None:
    a, b = workers
    await queue(stack, ("telegram", "4711"), ("telegram", "4712"))
    await both_until_idle(a, b)

    async def chat_rows() -> set[str]:
        async with stack.core.sessions() as session:
            keys = (await session.exec(select(RateBucket.key))).all()
        return {key for key in keys if key.startswith("telegram:chat:")}

    assert await chat_rows() == {"telegram:chat:4711", "telegram:chat:4712"}
    assert await a.forget_idle_rate_slots() == 0  # used a moment ago
    stack.clock.advance(days=1, seconds=2)
    assert await a.forget_idle_rate_slots() == 2
    assert await chat_rows() == set()
    assert await a.forget_idle_rate_slots() == 0  # once an hour at most

    # A forgotten chat reads as free, is remembered again, and keeps one a second.
    await queue(stack, ("telegram", "4711"), ("telegram", "4711"))
    await both_until_idle(a, b)
    sent = [r for r in await rows(stack) if r.sent_at is not None and r.address == "4711"]
    assert len(sent) == 2  # yesterday's, and one of today's two: the other waits a second
    assert await chat_rows() == {"telegram:chat:4711"}
    stack.clock.advance(seconds=1)
    await both_until_idle(a, b)
    sent = [r for r in await rows(stack) if r.sent_at is not None and r.address == "4711"]
    assert len(sent) == 3


FLOOD_SMS_PER_SECOND = 30.0  # well inside what one worker sends on a busy CI machine


@pytest.mark.slow
async def test_a_chat_flooded_with_answers_holds_back_no_sms(
    stack: Stack, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> None:
    """1 000 answers wait for one chat's one-a-second slot; the 500 month-end SMS queued
    behind them still leave at the SMS rate, on the wall clock, through one worker."""

    def wall() -> datetime:
        return datetime.now(UTC)

    policy = RatePolicy(sms_per_second=FLOOD_SMS_PER_SECOND, sms_sender=SENDER)
    sessions = stack.core.sessions
    worker = Dispatcher(
        sessions,
        stack.runtime.transports,
        key=stack.core.key,
        clock=wall,
        worker="worker-a",
        limiter=RateLimiter(sessions, policy),
    )
    async with sessions() as session, session.begin():
        for n in range(1000):
            enqueue(
                session,
                Outgoing(channel="telegram", address="8001", text=f"answer {n}", purpose="reply"),
                now=wall(),
            )
        for n in range(500):
            enqueue(
                session,
                Outgoing(channel="sms", address=f"+467020{n:05d}", text="x", purpose="month_end"),
                now=wall(),
            )
    deadline = wall() + timedelta(seconds=60)
    while len(fake_twilio.messages) < 500 and wall() < deadline:
        await run_due(worker)
        await asyncio.sleep(await pause_before_next(worker, 1.0))

    sent = [row for row in await rows(stack) if row.state == "sent"]
    sms_times = sorted(utc(r.sent_at) for r in sent if r.channel == "sms")
    assert len(sms_times) == 500
    slots = policy.shared("sms").slots
    rate = (len(sms_times) - slots) / (sms_times[-1] - sms_times[0]).total_seconds()
    print(f"SMS rate behind a flooded chat: {rate:.1f}/s of {FLOOD_SMS_PER_SECOND}")
    assert 0.9 * FLOOD_SMS_PER_SECOND <= rate <= 1.1 * FLOOD_SMS_PER_SECOND, rate
    chat_times = sorted(utc(r.sent_at) for r in sent if r.address == "8001")
    assert len(chat_times) >= 5  # the chat had its turns too, one a second
    assert all(b - a >= timedelta(seconds=1) for a, b in itertools.pairwise(chat_times))
    queued = [row for row in await rows(stack) if row.state == "queued"]
    assert all(row.attempts == 0 for row in queued)  # waiting rows were never touched

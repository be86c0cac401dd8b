"""The outbox in batches: a claim takes one batch of the oldest due messages and no more
(PostgreSQL would rescan a LIMIT subquery in a semi join and take them all), and two
workers claiming batches side by side, each with its own engine and Twilio client as two
processes would have, send every message exactly once through the real twilio client."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import col, select

from bot.core.rate_limits import RatePolicy
from bot.usecases.context import Core
from notifications.dispatcher import BATCH, Dispatcher, Handled
from notifications.twilio_sms import TwilioSmsTransport
from storage.db import create_engine, session_factory, transaction
from storage.outbox import Outgoing, enqueue
from storage.rate_limits import RateLimiter
from storage.tables import OutboxMessage
from tests.fakes.twilio_api import FakeTwilio
from tests.stack import TWILIO_SID, TWILIO_TOKEN, Stack

SENDER = "+46700000000"


def wall() -> datetime:
    return datetime.now(UTC)


async def queue_sms(core: Core, n: int) -> None:
    async with transaction(core.sessions) as session:
        for i in range(n):
            enqueue(
                session,
                Outgoing(
                    channel="sms", address=f"+4670{i:07d}", text=f"batch-{i}", purpose="coordinator"
                ),
                now=core.clock(),
            )


async def states(core: Core) -> Counter[str]:
    async with core.sessions() as session:
        rows = (
            await session.exec(
                select(OutboxMessage.state, sa.func.count()).group_by(col(OutboxMessage.state))
            )
        ).all()
    return Counter({state: int(n) for state, n in rows})


async def test_a_claim_takes_one_batch_of_the_oldest_and_no_more(
    stack: Stack, fake_twilio: FakeTwilio
) -> None:
    await queue_sms(stack.core, 2 * BATCH + 7)  # a fresh table: no planner statistics
    worker = Dispatcher(
        stack.core.sessions,
        stack.runtime.transports,
        key=stack.core.key,
        clock=stack.clock,
        worker="worker-a",
    )

    assert await worker.handle_batch() == Handled(claimed=BATCH, attempted=BATCH)
    assert await states(stack.core) == Counter({"sent": BATCH, "queued": BATCH + 7})
    assert sorted(m["Body"] for m in fake_twilio.messages) == sorted(
        f"batch-{i}" for i in range(BATCH)
    )
    assert await worker.handle_batch() == Handled(claimed=BATCH, attempted=BATCH)
    assert await worker.handle_batch() == Handled(claimed=7, attempted=7)
    assert await worker.handle_batch() == Handled(claimed=0, attempted=0)
    async with stack.core.sessions() as session:
        sent = (await session.exec(select(OutboxMessage))).all()
    assert {(row.state, row.attempts, row.claimed_by) for row in sent} == {("sent", 1, None)}
    assert len({row.provider_message_id for row in sent}) == len(sent)


MESSAGES = 1_000


async def test_two_workers_claiming_batches_send_every_message_exactly_once(
    stack: Stack, fake_twilio: FakeTwilio, database_url: str
) -> None:
    await queue_sms(stack.core, MESSAGES)
    # The provider's limit is on, as deployed: both reserve slots of one sender's bucket.
    policy = RatePolicy(sms_per_second=100_000, sms_sender=SENDER)
    engines = [create_engine(database_url) for _ in range(2)]
    transports = [
        TwilioSmsTransport(
            account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, sender=SENDER, api_url=fake_twilio.url
        )
        for _ in range(2)
    ]
    batches: dict[str, list[Handled]] = {"worker-a": [], "worker-b": []}

    async def drain(worker: Dispatcher) -> None:
        while True:
            handled = await worker.handle_batch()
            batches[worker.worker].append(handled)
            if not handled.claimed:
                if (await states(stack.core))["sent"] == MESSAGES:
                    return
                await asyncio.sleep(0.005)  # the other holds the rest, or no slot is free

    try:
        workers = []
        for name, engine, transport in zip(batches, engines, transports, strict=True):
            sessions = session_factory(engine)
            workers.append(
                Dispatcher(
                    sessions,
                    {"sms": transport, "telegram": stack.runtime.transports["telegram"]},
                    key=stack.core.key,
                    clock=wall,
                    worker=name,
                    limiter=RateLimiter(sessions, policy),
                )
            )
        await asyncio.wait_for(asyncio.gather(*(drain(w) for w in workers)), 120)
    finally:
        for transport in transports:
            await transport.aclose()
        for engine in engines:
            await engine.dispose()

    bodies = Counter(m["Body"] for m in fake_twilio.messages)
    assert set(bodies) == {f"batch-{i}" for i in range(MESSAGES)}
    assert max(bodies.values()) == 1, bodies.most_common(3)
    assert await states(stack.core) == Counter({"sent": MESSAGES})
    attempted = {name: sum(h.attempted for h in each) for name, each in batches.items()}
    assert sum(attempted.values()) == MESSAGES and min(attempted.values()) > 0, attempted
    assert max(h.claimed for each in batches.values() for h in each) <= BATCH
    async with stack.core.sessions() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    assert all(row.attempts == 1 and row.claimed_by is None for row in rows)
    assert len({row.provider_message_id for row in rows}) == MESSAGES

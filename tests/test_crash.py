"""Crash safety with real processes (issue 4, item 6): SIGKILL a worker mid-batch and a
web process mid-reply, then check that nothing was lost, nothing half-written, and
duplicates stay within what was in flight at the kill."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from bot.core.code_box import open_code
from bot.core.months import Month
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from notifications.dispatcher import BATCH
from storage.db import transaction
from storage.outbox import SENDING, SENT, Outgoing, enqueue
from storage.tables import MonthlySummary, OutboxMessage, Person, Signature, SigningCode
from tests.fakes.twilio_api import FakeTwilio
from tests.processes import Process, free_port, process_env, start, wait_healthy
from tests.stack import PUBLIC_URL, Clock, seed_project, twilio_signature, wait_for

pytestmark = pytest.mark.slow

MESSAGES = 300


@pytest.fixture
def clock() -> Clock:
    # Real processes run on the real clock; the queued rows must agree with it.
    return Clock(datetime.now(UTC).replace(microsecond=0))


async def queue_sms(core: Core, n: int, marker: str) -> None:
    async with transaction(core.sessions) as session:
        for i in range(n):
            enqueue(
                session,
                Outgoing(
                    channel="sms",
                    address=f"+4670{i:07d}",
                    text=f"{marker}-{i}",
                    purpose="coordinator",
                ),
                now=core.clock(),
            )


async def states(core: Core) -> Counter[str]:
    async with transaction(core.sessions) as session:
        rows = (
            await session.exec(
                select(OutboxMessage.state, sa.func.count()).group_by(col(OutboxMessage.state))
            )
        ).all()
    return Counter({state: int(n) for state, n in rows})


async def test_worker_killed_mid_batch_loses_nothing_and_duplicates_at_most_one(
    core: Core, fake_twilio: FakeTwilio, database_url: str, tmp_path: Path
) -> None:
    await queue_sms(core, MESSAGES, "crash")
    # A batch's sends wait side by side: slow enough that the kill lands mid-batch.
    fake_twilio.delay = 0.2
    env = process_env(database_url, fake_twilio.url)

    first = await start(["worker"], env, tmp_path, "worker-1")
    try:
        await wait_for(
            lambda: _true(fake_twilio.requests >= MESSAGES // 3), 120, "a third of the batch"
        )
    finally:
        first.kill()
    await first.wait()
    at_kill = await states(core)
    # One worker holds one batch at a time: at most a batch was in flight.
    assert at_kill[SENDING] <= BATCH, at_kill
    assert 0 < at_kill[SENT] < MESSAGES, at_kill

    # A restarted worker delivers the rest; the in-flight row waits for its lease...
    second = await start(["worker"], env, tmp_path, "worker-2")
    try:
        await wait_for(lambda: _queued_gone(core), 120, "the restarted worker to empty the queue")
    finally:
        await second.stop()
    # ...and a round past the lease re-claims it, without waiting two real minutes.
    later = (datetime.now(UTC) + timedelta(minutes=3)).isoformat()
    sweep = await start(["worker", "--once", "--at", later], env, tmp_path, "worker-3")
    assert await sweep.wait() == 0, sweep.output()

    final = await states(core)
    assert final == Counter({SENT: MESSAGES}), final
    bodies = Counter(m["Body"] for m in fake_twilio.messages)
    assert set(bodies) == {f"crash-{i}" for i in range(MESSAGES)}
    duplicates = sum(n - 1 for n in bodies.values())
    assert duplicates <= at_kill[SENDING], bodies.most_common(3)


async def _true(value: bool) -> bool:
    return value


async def _queued_gone(core: Core) -> bool:
    return (await states(core))["queued"] == 0 and (await states(core))[SENDING] <= BATCH


# --- the web process -------------------------------------------------------------------

PEOPLE = 4  # seed_project gives person n 6 h + 30 n min a day; 4 stays within 8 h


async def _codes(core: Core) -> dict[str, str]:
    """phone -> code, as each phone would show it."""
    async with transaction(core.sessions) as session:
        rows = (
            await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.sealed_code).is_not(None))
            )
        ).all()
    codes = {}
    for row in rows:
        assert row.sealed_code is not None
        code = open_code(core.key, row.sealed_code)
        assert code is not None
        codes[row.address] = code
    return codes


async def _assert_never_half_signed(core: Core) -> int:
    """A signed summary has exactly one signature and one used code, and vice versa.
    Returns how many are signed."""
    async with transaction(core.sessions) as session:
        summaries = (await session.exec(select(MonthlySummary))).all()
        signatures = (await session.exec(select(Signature))).all()
        codes = (await session.exec(select(SigningCode))).all()
    signed_by_signature = Counter(s.summary_id for s in signatures)
    used = Counter(c.summary_id for c in codes if c.state == "used")
    signed = 0
    for summary in summaries:
        is_signed = summary.state == "signed"
        signed += is_signed
        assert signed_by_signature[summary.id or 0] == int(is_signed), (summary.id, summary.state)
        assert used[summary.id or 0] == int(is_signed), (summary.id, summary.state)
    return signed


async def _post_reply(port: int, phone: str, code: str, sid: str) -> int:
    params = {
        "MessageSid": sid,
        "From": phone,
        "To": "+46700000000",
        "Body": code,
        "AccountSid": "AC" + "0" * 32,
    }
    headers = {"X-Twilio-Signature": twilio_signature(PUBLIC_URL + "/webhooks/twilio/sms", params)}
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"http://127.0.0.1:{port}/webhooks/twilio/sms", data=params, headers=headers
        ) as response,
    ):
        await response.read()
        return response.status


async def _serve(env: dict[str, str], tmp_path: Path, name: str) -> tuple[Process, int]:
    port = free_port()
    process = await start(["serve", "--port", str(port)], env, tmp_path, name)
    await wait_healthy(process, port)
    return process, port


async def test_web_process_killed_mid_reply_leaves_all_or_nothing_and_retry_signs_once(
    core: Core, fake_twilio: FakeTwilio, database_url: str, tmp_path: Path
) -> None:
    await seed_project(core, people=PEOPLE)
    await close_month(core, "ESF-1", Month(2026, 10), actor="test")
    codes = await _codes(core)
    assert len(codes) == PEOPLE
    env = process_env(database_url, fake_twilio.url)
    rng = random.Random(20261124)

    for n, (phone, code) in enumerate(sorted(codes.items())):
        sid = f"SM{n:032d}"
        process, port = await _serve(env, tmp_path, f"serve-{n}")
        reply = asyncio.create_task(_post_reply(port, phone, code, sid))
        # Kill at a random moment around the reply's transaction (a few ms either way).
        await asyncio.sleep(rng.uniform(0.0, 0.03))
        process.kill()
        await process.wait()
        with contextlib.suppress(aiohttp.ClientError):
            await reply  # the kill may also land after the answer went out
        await _assert_never_half_signed(core)

        # Twilio retries the same MessageSid; a fresh process completes it exactly once.
        process, port = await _serve(env, tmp_path, f"serve-{n}-retry")
        try:
            assert await _post_reply(port, phone, code, sid) == 200
            assert await _post_reply(port, phone, code, sid) == 200  # and again: no-op
        finally:
            await process.stop()
        assert await _assert_never_half_signed(core) == n + 1

    async with transaction(core.sessions) as session:
        people = (await session.exec(select(Person))).all()
        signatures = (await session.exec(select(Signature))).all()
    assert len(signatures) == len(people) == PEOPLE

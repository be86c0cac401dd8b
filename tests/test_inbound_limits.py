"""Inbound limits: one sender flooding us costs a counter, not rows and answers.

Through the real webhooks (signed Twilio forms, the Telegram secret) on SQLite and
PostgreSQL; the counts live in the database, so they hold across web processes.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.core.errors import InputError
from bot.core.inbound import Inbound
from bot.core.inbound_limits import InboundLimits
from bot.core.months import Month
from bot.core.rate_limits import RatePolicy
from bot.core.reply_outcomes import Outcome
from bot.roots.worker import pause_before_next, run_due
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from bot.usecases.reminding.on_request import reissue
from bot.usecases.signing.conversation import accept_reply
from handlers import metrics
from notifications.dispatcher import Dispatcher
from notifications.twilio_sms import TwilioSmsTransport
from storage.outbox import Outgoing, enqueue
from storage.rate_limits import RateLimiter
from storage.tables import (
    InboundCount,
    InboundMessage,
    MonthlySummary,
    OutboxMessage,
    Person,
    Signature,
    TelegramUpdate,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.stack import (
    SUPERUSER_ID,
    TWILIO_SID,
    TWILIO_TOKEN,
    WEBHOOK_SECRET,
    Stack,
    command_update,
    seed_project,
)
from tests.test_crash import _post_reply as post_reply
from tests.test_durable_updates import post as post_update
from tests.test_durable_updates import serve as start_serve
from tests.test_durable_updates import telegram_env
from tests.test_signing import code_for

UNKNOWN = "+46709999999"


async def rows(stack: Stack, table: type) -> int:
    async with stack.core.sessions() as session:
        return int((await session.exec(select(sa.func.count()).select_from(table))).one())


def refused(channel: str) -> float:
    return metrics.INBOUND_REFUSED.labels(channel=channel)._value.get()


async def test_one_number_gets_ten_answers_a_minute_and_the_rest_is_only_counted(
    stack: Stack,
) -> None:
    project = await seed_project(stack.core)
    phone = next(iter(project.people.values()))
    before = refused("sms")
    answers = []
    for n in range(15):
        response = await stack.sms(phone, "HJÄLP", f"SMflood{n:04d}")
        assert response.status == 200
        answers.append("<Message>" in await response.text())
    assert answers == [True] * 10 + [False] * 5
    assert await rows(stack, InboundMessage) == 10  # the five past the limit left no row
    assert refused("sms") - before == 5
    stack.clock.advance(minutes=1)
    response = await stack.sms(phone, "HJÄLP", "SMflood-next-minute")
    assert "<Message>" in await response.text()


async def test_a_day_holds_a_hundred_messages_from_one_number(stack: Stack) -> None:
    project = await seed_project(stack.core)
    phone = next(iter(project.people.values()))
    answered = 0
    for n in range(110):
        if n % 10 == 0:
            stack.clock.advance(minutes=1)
        response = await stack.sms(phone, "HJÄLP", f"SMday{n:04d}")
        answered += "<Message>" in await response.text()
    assert answered == 100
    stack.clock.advance(days=1)
    response = await stack.sms(phone, "HJÄLP", "SMday-tomorrow")
    assert "<Message>" in await response.text()


async def test_an_unknown_number_is_answered_once_an_hour(stack: Stack) -> None:
    first = await stack.sms(UNKNOWN, "hello", "SMunknown1")
    second = await stack.sms(UNKNOWN, "hello?", "SMunknown2")
    assert "<Message>" in await first.text()
    assert "<Message>" not in await second.text()
    stack.clock.advance(hours=1)
    third = await stack.sms(UNKNOWN, "anyone?", "SMunknown3")
    assert "<Message>" in await third.text()


async def post(stack: Stack, update: dict[str, object]) -> int:
    response = await stack.client.post(
        "/webhooks/telegram",
        data=json.dumps(update),
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    return response.status


async def test_a_chat_past_its_limit_is_not_stored_and_staff_have_more_room(
    stack: Stack, fake_telegram: FakeTelegram
) -> None:
    before = refused("telegram")
    for n in range(15):
        assert await post(stack, command_update(4242, "/help", update_id=70_000 + n)) == 200
    await stack.settled()
    assert await rows(stack, TelegramUpdate) == 10
    assert refused("telegram") - before == 5
    for n in range(15):
        assert await post(stack, command_update(SUPERUSER_ID, "/help", update_id=71_000 + n)) == 200
    await stack.settled()
    assert await rows(stack, TelegramUpdate) == 25  # a superuser's 15 all went in


async def test_a_flood_from_one_sender_leaves_the_database_nearly_as_it_was(
    stack: Stack,
) -> None:
    """1 000 SMS and 1 000 Telegram updates from one sender: the database grows by the
    ten of each the limit lets in and a few counter rows."""
    project = await seed_project(stack.core)
    phone = next(iter(project.people.values()))
    tables = (InboundMessage, TelegramUpdate, OutboxMessage, InboundCount)
    before = {table: await rows(stack, table) for table in tables}
    for n in range(1000):
        await stack.sms(phone, "what is this", f"SMbig{n:05d}")
        update = command_update(5151, "hello", update_id=80_000 + n)
        del update["message"]["entities"]  # type: ignore[attr-defined]
        await post(stack, update)  # a reply from a chat we do not know
    await stack.settled()
    growth = {table.__tablename__: await rows(stack, table) - before[table] for table in tables}
    print(f"rows added by the flood: {growth}")
    assert growth["inbound_messages"] == 20  # ten SMS and ten chat messages let in
    assert growth["telegram_updates"] == 10
    assert growth["outbox"] == 1  # SMS answers ride in the TwiML; an unknown chat: one
    assert growth["inbound_counts"] <= 8


async def test_a_project_past_its_limit_records_replies_without_answering(core: Core) -> None:
    project = await seed_project(core)
    tight = replace(core, limits=InboundLimits(project_per_minute=2))
    outcomes = []
    for n, phone in enumerate(project.people.values()):
        answer = await accept_reply(
            tight,
            Inbound(channel="sms", provider_id=f"SMp{n}", sender=phone, text="HJÄLP"),
            queue_answer=False,
        )
        outcomes.append((answer.outcome, bool(answer.text)))
    assert outcomes == [(Outcome.HELP, True)] * 2 + [(Outcome.OVER_LIMIT, False)]


async def test_a_code_past_the_projects_limit_signs_nothing_and_is_recorded(core: Core) -> None:
    """The project is counted last in a reply's transaction; past its limit the whole
    reply is undone, so a signature never outlives the refusal."""
    project = await seed_project(core)
    await close_month(core, "ESF-1", Month(2026, 10), actor="test")
    tight = replace(core, limits=InboundLimits(project_per_minute=1))
    first, second = list(project.people.values())[:2]
    answers = []
    for n, phone in enumerate((first, second)):
        answers.append(
            await accept_reply(
                tight,
                Inbound(
                    channel="sms",
                    provider_id=f"SMq{n}",
                    sender=phone,
                    text=await code_for(core, phone),
                ),
                queue_answer=False,
                gate=True,
            )
        )
    assert [a.outcome for a in answers] == [Outcome.SIGNED, Outcome.OVER_LIMIT]
    assert answers[1].text == "" and not answers[1].refused
    async with core.sessions() as session:
        states = (
            await session.exec(
                select(MonthlySummary.state).join(Person).where(Person.phone == second)
            )
        ).all()
        recorded = (
            await session.exec(select(InboundMessage).where(InboundMessage.provider_id == "SMq1"))
        ).one()
        signatures = (await session.exec(select(Signature))).all()
    assert states == ["sent"]
    assert recorded.outcome == Outcome.OVER_LIMIT and recorded.body == "[code]"
    assert len(signatures) == 1
    repeat = await accept_reply(
        tight,
        Inbound(channel="sms", provider_id="SMq1", sender=second, text="123456"),
        queue_answer=False,
        gate=True,
    )
    assert repeat.duplicate and repeat.outcome is Outcome.OVER_LIMIT


async def test_three_new_codes_a_day_and_the_answer_says_when_the_next_may_come(
    core: Core,
) -> None:
    await seed_project(core)
    await close_month(core, "ESF-1", Month(2026, 10), actor="test")
    for _ in range(2):  # the close issued the first code of the day
        await reissue(core, "ESF-1", "P-0001", Month(2026, 10), actor="test")
    with pytest.raises(InputError) as refused_code:
        await reissue(core, "ESF-1", "P-0001", Month(2026, 10), actor="test")
    text = refused_code.value.message.text("en")
    assert "has had 3 new codes for 2026-10 in the last 24 hours" in text
    assert "the next is possible from 2026-11-04 10:00" in text  # the close's, + 24 h, CET
    core.clock.advance(hours=24, seconds=1)  # type: ignore[attr-defined]
    await reissue(core, "ESF-1", "P-0001", Month(2026, 10), actor="test")


@pytest.mark.slow
async def test_a_flood_during_month_end_delivery_leaves_its_rate_unchanged(
    core: Core,
    fake_twilio: Any,
    fake_telegram: Any,
    database_url: str,
    tmp_path: Path,
) -> None:
    """500 month-end SMS leave at 30 a second through a worker on the wall clock while
    one number sends 1 000 SMS and one chat 1 000 updates to a ``timesign serve``."""
    project = await seed_project(core)
    phone = next(iter(project.people.values()))
    per_second = 30.0
    policy = RatePolicy(sms_per_second=per_second, sms_sender="+46700000000")

    def wall() -> datetime:
        return datetime.now(UTC)

    transport = TwilioSmsTransport(
        account_sid=TWILIO_SID,
        auth_token=TWILIO_TOKEN,
        sender="+46700000000",
        api_url=fake_twilio.url,
    )
    worker = Dispatcher(
        core.sessions,
        {"sms": transport},
        key=core.key,
        clock=wall,
        worker="month-end",
        limiter=RateLimiter(core.sessions, policy),
    )

    async def queue(purpose: str, n: int) -> None:
        async with core.sessions() as session, session.begin():
            for i in range(n):
                address = f"+4670{len(purpose)}{i:06d}"
                enqueue(
                    session,
                    Outgoing(channel="sms", address=address, text="x", purpose=purpose),
                    now=wall(),
                )

    async def deliver(until: int) -> None:
        while len(fake_twilio.messages) < until:
            await run_due(worker)
            await asyncio.sleep(await pause_before_next(worker, 1.0))

    async def rate_of(purpose: str) -> float:
        async with core.sessions() as session:
            times = sorted(
                (
                    await session.exec(
                        select(OutboxMessage.sent_at).where(OutboxMessage.purpose == purpose)
                    )
                ).all()
            )
        return (len(times) - policy.shared("sms").slots) / (times[-1] - times[0]).total_seconds()

    # The same worker alone first: the rate the flood must not lower.
    await queue("reminder", 200)
    await deliver(200)
    await asyncio.sleep(1.1)  # every slot free again
    await queue("month_end", 500)
    env = telegram_env(database_url, fake_twilio, fake_telegram)
    serve, port = await start_serve(env, tmp_path, "serve")

    async def flood() -> None:
        async with aiohttp.ClientSession() as http:
            for n in range(1000):
                assert await post_reply(port, phone, "what is this", f"SMduring{n:05d}") == 200
                update = command_update(6161, "hello", update_id=90_000 + n)
                del update["message"]["entities"]  # type: ignore[attr-defined]
                assert await post_update(http, port, update) == 200

    try:
        await asyncio.wait_for(asyncio.gather(deliver(700), flood()), 180)
    finally:
        await serve.stop()
        await transport.aclose()
    alone, rate = await rate_of("reminder"), await rate_of("month_end")
    print(f"month-end SMS during the flood: {rate:.1f}/s; alone {alone:.1f}/s; of {per_second:g}")
    assert rate >= 0.9 * alone

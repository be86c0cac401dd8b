"""Telegram updates survive a killed web process, and answers keep their order.

Real ``timesign serve`` processes behind the real webhook, the fake Telegram API in
this test's loop. Telegram never sends an acknowledged update again, so what the
webhook answered 200 must be done after a SIGKILL, exactly once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from bot.core.months import Month
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from bot.usecases.recording.hours import record_hours
from bot.usecases.roster.registry import NewPerson, add_activity, add_person, create_project
from storage.db import transaction
from storage.tables import InboundMessage, OutboxMessage, Person, Signature, TelegramUpdate
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.processes import Process, free_port, process_env, start, wait_healthy
from tests.stack import (
    SUPERUSER_ID,
    TELEGRAM_TOKEN,
    WEBHOOK_SECRET,
    Clock,
    command_update,
    wait_for,
)
from tests.test_crash import _codes

pytestmark = pytest.mark.slow

REPLIES = 500
CHAT_BASE = 7_000_000


@pytest.fixture
def clock() -> Clock:
    from datetime import UTC, datetime

    return Clock(datetime.now(UTC).replace(microsecond=0))


def telegram_env(database_url: str, twilio: FakeTwilio, telegram: FakeTelegram) -> dict[str, str]:
    return process_env(
        database_url,
        twilio.url,
        TIMESIGN_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
        TIMESIGN_TELEGRAM_API_URL=telegram.url,
        TIMESIGN_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TIMESIGN_ADMIN_TELEGRAM_IDS=str(SUPERUSER_ID),
    )


async def serve(env: dict[str, str], tmp_path: Path, name: str) -> tuple[Process, int]:
    port = free_port()
    process = await start(["serve", "--port", str(port)], env, tmp_path, name)
    await wait_healthy(process, port)
    return process, port


async def post(http: aiohttp.ClientSession, port: int, update: dict[str, Any]) -> int:
    async with http.post(
        f"http://127.0.0.1:{port}/webhooks/telegram",
        data=json.dumps(update),
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    ) as response:
        await response.read()
        return response.status


def text_update(update_id: int, chat: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1762160400,
            "chat": {"id": chat, "type": "private", "first_name": "P"},
            "from": {"id": chat, "is_bot": False, "first_name": "P"},
            "text": text,
        },
    }


async def seed_telegram_people(core: Core, n: int) -> None:
    from datetime import date

    await create_project(core, code="ESF-1", name="Jobbsteget", actor="test")
    activity = await add_activity(
        core,
        "ESF-1",
        name="Svenska",
        kind="training",
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 12, 31),
        actor="test",
    )
    for i in range(n):
        person = await add_person(
            core, "ESF-1", NewPerson(f"Person {i}", f"+4670{i:07d}"), actor="test"
        )
        await record_hours(
            core,
            "ESF-1",
            person_ref=person.ref,
            activity_ref=activity.ref,
            day=date(2026, 10, 1),
            minutes=240,
            actor="test",
        )
    async with transaction(core.sessions) as session:
        await session.exec(
            sa.update(Person).values(
                telegram_chat_id=CHAT_BASE + sa.cast(sa.func.substr(Person.ref, 3), sa.Integer),
                channel="telegram",
            )
        )


async def test_updates_answered_200_are_all_processed_after_a_sigkill(
    core: Core,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    database_url: str,
    tmp_path: Path,
) -> None:
    await seed_telegram_people(core, REPLIES)
    await close_month(core, "ESF-1", Month(2026, 10), actor="test")
    codes = await _codes(core)  # chat id -> code, as each chat shows it
    assert len(codes) == REPLIES
    env = telegram_env(database_url, fake_twilio, fake_telegram)

    first, port = await serve(env, tmp_path, "serve-1")
    gate = asyncio.Semaphore(25)

    async def reply(update_id: int, chat: str, code: str) -> int:
        async with gate:
            return await post(http, port, text_update(update_id, int(chat), code))

    async with aiohttp.ClientSession() as http:
        statuses = await asyncio.gather(
            *(reply(n + 1, chat, code) for n, (chat, code) in enumerate(sorted(codes.items())))
        )
    first.kill()  # right after the last 200
    await first.wait()
    assert Counter(statuses) == Counter({200: REPLIES})
    async with core.sessions() as session:
        stored = (await session.exec(select(sa.func.count()).select_from(TelegramUpdate))).one()
        signed_at_kill = (await session.exec(select(sa.func.count()).select_from(Signature))).one()
    assert stored == REPLIES
    print(f"signed when killed: {signed_at_kill} of {REPLIES}")

    second, _ = await serve(env, tmp_path, "serve-2")
    try:

        async def all_done() -> bool:
            # Those the killed process had claimed wait for their lease to run out.
            async with core.sessions() as session:
                waiting = (
                    await session.exec(
                        select(sa.func.count()).where(col(TelegramUpdate.done_at).is_(None))
                    )
                ).one()
            return waiting == 0

        await wait_for(all_done, 90, "every stored update to be processed")
    finally:
        await second.stop()
    async with core.sessions() as session:
        signatures = (await session.exec(select(Signature.summary_id))).all()
        inbound = (await session.exec(select(InboundMessage.provider_id))).all()
        answers = (
            await session.exec(
                select(OutboxMessage.address).where(col(OutboxMessage.purpose) == "reply")
            )
        ).all()
    assert len(set(signatures)) == len(signatures) == REPLIES
    assert sorted(Counter(inbound).values()) == [1] * REPLIES  # each update acted on once
    assert Counter(answers) == Counter({chat: 1 for chat in codes})  # one answer each


async def test_ten_commands_in_a_row_are_answered_in_order_without_a_worker(
    core: Core,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    database_url: str,
    tmp_path: Path,
) -> None:
    await create_project(core, code="ESF-1", name="Jobbsteget", actor="test")
    env = telegram_env(database_url, fake_twilio, fake_telegram)
    process, port = await serve(env, tmp_path, "serve")
    commands = ["/help", "/status", "/project show"] * 3 + ["/help"]
    try:
        async with aiohttp.ClientSession() as http:
            for n, text in enumerate(commands):
                update = command_update(SUPERUSER_ID, text, update_id=900 + n)
                assert await post(http, port, update) == 200

        async def all_answered() -> bool:
            return len(fake_telegram.sent_to(SUPERUSER_ID)) >= len(commands)

        await wait_for(all_answered, 30, "ten answers")
    finally:
        await process.stop()
    sent = fake_telegram.sent_to(SUPERUSER_ID)
    assert len(sent) == len(commands)  # one page each, no worker needed
    # In the order asked: /help, /status and /project show answers differ at their start.
    kinds = [text.split()[0] for _, text in sent]
    assert kinds == [kinds[0], kinds[1], kinds[2]] * 3 + [kinds[0]]
    # ... and one a second, as Telegram allows per chat.
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(sent)]
    assert min(gaps) >= 0.95, gaps

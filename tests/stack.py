"""Fixtures that build timesign the way production does, against fake providers.

`core` is the use-case context on a fresh database; `stack` is the whole web process
(aiohttp app with the real PTB application and the real Twilio client) on 127.0.0.1,
talking to the fake Telegram and Twilio servers from tests/fakes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import col, select
from twilio.request_validator import RequestValidator

from bot.roots.config import Settings, load_settings
from bot.roots.core import build_core
from bot.roots.web_process import telegram_application, web_app
from bot.roots.wiring import Runtime, build_runtime
from bot.usecases.context import Core
from bot.usecases.recording.hours import record_hours
from bot.usecases.roster.registry import NewPerson, add_activity, add_person, create_project
from handlers.keys import PUMP
from storage.db import create_engine
from storage.tables import OutboxMessage

# A Tuesday early in November: October is closed, November has begun.
CURRENT_TIME = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
SECRET_KEY = "test-secret-key-0123456789"
# The tests' Ed25519 seal key (TIMESIGN_SEAL_KEY); a test key, worthless elsewhere.
SEAL_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIH1pGlvWkAzGPVt9jymDp5s5GyGFqemT44jsqJB7aTpn
-----END PRIVATE KEY-----
"""
PUBLIC_URL = "https://timesign.example.org"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-auth-token"
TELEGRAM_TOKEN = "123456:TEST-token"
WEBHOOK_SECRET = "telegram-webhook-secret"
PROJECT = "ESF-1"
SUPERUSER_ID = 999


@dataclass
class Clock:
    now: datetime = CURRENT_TIME

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def core(database_url: str, clock: Clock) -> AsyncIterator[Core]:
    engine = create_engine(database_url)
    settings = load_settings(
        {
            "database_url": database_url,
            "secret_key": SECRET_KEY,
            "seal_key": SEAL_KEY,
            "public_url": PUBLIC_URL,
        }
    )
    built = build_core(settings, engine, dev=False, clock=clock)
    yield Core(
        sessions=built.sessions,
        secret_key=built.key,
        seal_key=built.seal_key,
        clock=clock,
        rng=random.Random(20261103),
        policy=built.policy,
        public_url=built.public_url,
    )
    await engine.dispose()


@dataclass
class Project:
    """A small project with October hours for three people: refs P-0001..P-0003."""

    code: str = PROJECT
    people: dict[str, str] = field(default_factory=dict)  # ref -> phone


async def seed_project(core: Core, *, people: int = 3, language: str = "sv") -> Project:
    await create_project(core, code=PROJECT, name="Jobbsteget Malmö", actor="test")
    training = await add_activity(
        core,
        PROJECT,
        name="Svenska för yrket",
        kind="training",
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 12, 31),
        actor="test",
    )
    project = Project()
    for n in range(1, people + 1):
        phone = f"+4670123456{n}"
        person = await add_person(
            core, PROJECT, NewPerson(f"Person {n}", phone, language=language), actor="test"
        )
        project.people[person.ref] = phone
        for day in (1, 2, 6):
            await record_hours(
                core,
                PROJECT,
                person_ref=person.ref,
                activity_ref=training.ref,
                day=date(2026, 10, day),
                minutes=360 + 30 * n,
                actor="test",
            )
    return project


def twilio_signature(url: str, params: dict[str, str], token: str = TWILIO_TOKEN) -> str:
    """Exactly what Twilio puts in X-Twilio-Signature."""
    return str(RequestValidator(token).compute_signature(url, params))


@dataclass
class Stack:
    client: TestClient  # type: ignore[type-arg]
    runtime: Runtime
    settings: Settings
    clock: Clock

    @property
    def core(self) -> Core:
        return self.runtime.core

    async def sms(self, sender: str, body: str, sid: str, *, signature: str | None = None):  # type: ignore[no-untyped-def]
        params = {
            "MessageSid": sid,
            "From": sender,
            "To": "+46700000000",
            "Body": body,
            "AccountSid": TWILIO_SID,
        }
        url = PUBLIC_URL + "/webhooks/twilio/sms"
        headers = {"X-Twilio-Signature": signature or twilio_signature(url, params)}
        return await self.client.post("/webhooks/twilio/sms", data=params, headers=headers)

    async def settled(self, seconds: float = 5.0) -> None:
        """Every update posted so far has been processed."""
        pump = self.client.server.app[PUMP]
        await asyncio.wait_for(pump.settled(), timeout=seconds)

    async def deliver(self) -> int:
        from bot.roots.worker import run_due

        return await run_due(self.runtime.dispatcher)


@pytest.fixture
async def stack(
    database_url: str,
    clock: Clock,
    fake_twilio,
    fake_telegram,  # type: ignore[no-untyped-def]
) -> AsyncIterator[Stack]:
    settings = load_settings(
        {
            "database_url": database_url,
            "secret_key": SECRET_KEY,
            "seal_key": SEAL_KEY,
            "public_url": PUBLIC_URL,
            "telegram_token": TELEGRAM_TOKEN,
            "admin_telegram_ids": str(SUPERUSER_ID),
            "telegram_api_url": fake_telegram.url,
            "telegram_webhook_secret": WEBHOOK_SECRET,
            "twilio_account_sid": TWILIO_SID,
            "twilio_auth_token": TWILIO_TOKEN,
            "twilio_from": "+46700000000",
            "twilio_api_url": fake_twilio.url,
        }
    )
    telegram = telegram_application(settings)
    assert telegram is not None
    # The clock stands still here, so send-rate limits are off (tests/test_rate_limits.py).
    runtime = await build_runtime(
        settings, clock=clock, telegram_bot=telegram.bot, limit_rates=False
    )
    app = web_app(settings, runtime, telegram)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Stack(client, runtime, settings, clock)
    finally:
        await client.close()
        await runtime.aclose()


async def wait_for(
    predicate: Callable[[], Awaitable[bool]], seconds: float = 5.0, what: str = "condition"
) -> None:
    """Until ``predicate()`` holds: the one way tests wait for something to happen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


_update_ids = itertools.count(5000)


def next_update_id() -> int:
    return next(_update_ids)


def command_update(
    user: int, text: str, *, language: str = "en", update_id: int | None = None
) -> dict[str, Any]:
    """A private-chat message ``text`` from ``user``, whose Telegram app is in ``language``."""
    update_id = update_id or next_update_id()
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1762160400,
            "chat": {"id": user, "type": "private", "first_name": "C"},
            "from": {"id": user, "is_bot": False, "first_name": "C", "language_code": language},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def say_command(
    stack: Stack,
    fake: Any,
    user: int,
    text: str,
    *,
    language: str = "en",
    update_id: int | None = None,
) -> str:
    """Send ``text`` as ``user`` and return the bot's answer (all pages joined)."""
    update = command_update(user, text, language=language, update_id=update_id)
    return await post_update_and_answer(stack, fake, user, update)


async def post_update_and_answer(
    stack: Stack, fake: Any, chat: int, update: dict[str, Any], *, seconds: float = 5.0
) -> str:
    """POST ``update`` to the Telegram webhook and return what the bot then sent to
    ``chat`` (all pages of a long answer, joined)."""
    before = len(fake.texts_to(chat))
    response = await stack.client.post(
        "/webhooks/telegram",
        data=json.dumps(update),
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    assert response.status == 200

    async def answered() -> bool:
        return len(fake.texts_to(chat)) > before and not await _replies_pending(stack, chat)

    await wait_for(answered, seconds)
    return "\n".join(fake.texts_to(chat)[before:])


async def _replies_pending(stack: Stack, chat: int) -> bool:
    """Pages of an answer are queued together and sent one by one: wait for the last."""
    async with stack.core.sessions() as session:
        pending = await session.exec(
            select(OutboxMessage.id).where(
                OutboxMessage.address == str(chat),
                OutboxMessage.purpose == "reply",
                col(OutboxMessage.state).in_(("queued", "sending")),
            )
        )
        return pending.first() is not None

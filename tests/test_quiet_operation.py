"""Quiet, safe operation: logs that hold no secrets at any level, codes hidden on the
console without --dev, /metrics not public, invite links that expire."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import pytest
from aiohttp.test_utils import make_mocked_request
from sqlmodel import select

from bot.core.months import Month
from bot.roots.config import load_settings
from bot.roots.wiring import build_runtime
from bot.roots.worker import run_due
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from bot.usecases.signing.linking import link_by_token
from handlers.keys import CONFIG
from handlers.metrics_page import metrics_page
from handlers.web_config import WebConfig
from storage.tables import Person
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.processes import free_port, process_env, start, wait_healthy
from tests.stack import (
    SEAL_KEY,
    SECRET_KEY,
    TELEGRAM_TOKEN,
    TWILIO_TOKEN,
    WEBHOOK_SECRET,
    Clock,
    seed_project,
)
from tests.test_crash import _codes, _post_reply


@pytest.fixture
def clock() -> Clock:
    from datetime import UTC, datetime

    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.mark.slow
async def test_serve_and_worker_at_debug_log_no_phones_codes_or_tokens(
    core: Core,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    database_url: str,
    tmp_path: Path,
) -> None:
    project = await seed_project(core)
    await close_month(core, "ESF-1", Month(2026, 10), actor="test")
    codes = await _codes(core)
    env = process_env(
        database_url,
        fake_twilio.url,
        TIMESIGN_LOG_LEVEL="DEBUG",
        TIMESIGN_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
        TIMESIGN_TELEGRAM_API_URL=fake_telegram.url,
        TIMESIGN_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    worker = await start(["worker", "--once"], env, tmp_path, "worker")
    assert await worker.wait() == 0, worker.output()
    assert len(fake_twilio.messages) == len(codes)
    port = free_port()
    serve = await start(["serve", "--port", str(port)], env, tmp_path, "serve")
    try:
        await wait_healthy(serve, port)
        phone, code = next(iter(sorted(codes.items())))
        assert await _post_reply(port, phone, code, "SM" + "7" * 32) == 200
        # A scanner's garbage request line.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"\x16\x03\x01 GARBAGE \xff\r\n\r\n")
        await writer.drain()
        await reader.read()
        writer.close()
    finally:
        await serve.stop()
    logs = worker.output() + serve.output()
    assert "DEBUG" in logs  # the level took
    secrets = [SECRET_KEY, TWILIO_TOKEN, TELEGRAM_TOKEN, WEBHOOK_SECRET, *codes.values()]
    secrets += [p.lstrip("+") for p in project.people.values()]  # with or without "+"
    for secret in secrets:
        assert secret not in logs, secret
    assert "Traceback" not in logs
    assert len(re.findall(r"INFO aiohttp.server: bad request refused", logs)) == 1, logs[-2000:]


async def test_the_console_shows_codes_only_with_dev(core: Core, database_url: str) -> None:
    await seed_project(core)
    await close_month(core, "ESF-1", Month(2026, 10), actor="test")
    codes = await _codes(core)
    settings = load_settings(
        {"database_url": database_url, "secret_key": SECRET_KEY, "seal_key": SEAL_KEY}
    )
    printed = io.StringIO()
    runtime = await build_runtime(settings, console=printed, clock=core.clock)
    try:
        await run_due(runtime.dispatcher)
    finally:
        await runtime.aclose()
    shown = printed.getvalue()
    assert shown.count("[code hidden: shown with --dev]") == len(codes)
    assert not any(code in shown for code in codes.values())


async def test_the_dev_console_shows_the_codes(core: Core, database_url: str) -> None:
    await seed_project(core)
    await close_month(core, "ESF-1", Month(2026, 10), actor="test")
    codes = await _codes(core)
    settings = load_settings(
        {"database_url": database_url, "secret_key": SECRET_KEY, "seal_key": SEAL_KEY}
    )
    printed = io.StringIO()
    runtime = await build_runtime(settings, console=printed, clock=core.clock, dev=True)
    try:
        await run_due(runtime.dispatcher)
    finally:
        await runtime.aclose()
    assert all(code in printed.getvalue() for code in codes.values())


def metrics_request(config: WebConfig, peer: str, headers: dict[str, str] | None = None) -> Any:
    transport = Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (peer, 40000) if name == "peername" else default
    )
    app: Any = {CONFIG: config}
    return make_mocked_request("GET", "/metrics", headers=headers, app=app, transport=transport)


async def test_metrics_answer_loopback_only_or_a_bearer_token() -> None:
    open_config = WebConfig(public_url=None)
    refused = await metrics_page(metrics_request(open_config, "10.0.0.5"))
    assert refused.status == 403 and "TIMESIGN_METRICS_TOKEN" in (refused.text or "")
    token_config = WebConfig(public_url=None, metrics_token="m-token")
    for headers in (None, {"Authorization": "Bearer wrong"}, {"Authorization": "m-token"}):
        answer = await metrics_page(metrics_request(token_config, "127.0.0.1", headers))
        assert answer.status == 401 and answer.headers["WWW-Authenticate"] == "Bearer"


async def test_an_invite_link_expires_after_fourteen_days(core: Core, clock: Clock) -> None:
    await seed_project(core)
    async with core.sessions() as session:
        people = (await session.exec(select(Person).order_by(Person.id))).all()  # type: ignore[arg-type]
    first, second = people[0], people[1]
    assert first.invite_token and second.invite_token
    clock.advance(days=13, hours=23)
    assert (await link_by_token(core, first.invite_token, 5001, "en")).linked
    clock.advance(hours=2)
    expired = await link_by_token(core, second.invite_token, 5002, "en")
    assert not expired.linked
    assert expired.text.startswith("This link has expired: an invite works for 14 days.")
    assert "Ask your coordinator for a new one" in expired.text

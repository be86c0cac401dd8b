"""Time from a posted Telegram update to its answer's sendMessage, through ``timesign serve``.

    .venv/bin/python bench/answer_latency.py [--commands 10] [--rounds 3]

A real ``timesign serve`` on a temporary SQLite file, with no worker, behind the fake
Telegram Bot API of the tests. Per round it posts ``--commands`` /help commands:

  one chat    one after another from the same chat, as a coordinator typing fast:
              Telegram allows one message a second per chat, so answer n waits about
              n seconds for its slot; the answers must arrive in order
  many chats  the same number, each from its own chat: the baseline, no slot to wait for

and prints p50 and p99 of the latency for each, and the one-chat figures' ratio to the
baseline. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.telegram_api import FakeTelegram
from tests.processes import free_port, process_env, start, wait_healthy
from tests.stack import TELEGRAM_TOKEN, WEBHOOK_SECRET, command_update

SUPERUSER = 999


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def post(http: aiohttp.ClientSession, port: int, update: dict[str, Any]) -> None:
    async with http.post(
        f"http://127.0.0.1:{port}/webhooks/telegram",
        data=json.dumps(update),
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    ) as response:
        assert response.status == 200, await response.text()


async def round_trip(
    fake: FakeTelegram, http: aiohttp.ClientSession, port: int, chats: list[int], first_id: int
) -> list[float]:
    """Post one /help per entry of ``chats`` in a row; the latency of each answer."""
    before = {chat: len(fake.sent_to(chat)) for chat in set(chats)}
    posted: list[float] = []
    for n, chat in enumerate(chats):
        posted.append(time.monotonic())
        await post(http, port, command_update(chat, "/help", update_id=first_id + n))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(len(fake.sent_to(c)) - before[c] >= chats.count(c) for c in set(chats)):
            break
        await asyncio.sleep(0.01)
    else:
        raise SystemExit("not every command was answered within a minute")
    arrivals: list[float] = []
    seen: dict[int, int] = dict(before)
    for chat in chats:
        arrivals.append(fake.sent_to(chat)[seen[chat]][0])
        seen[chat] += 1
    if arrivals != sorted(arrivals) and len(set(chats)) == 1:
        raise SystemExit("answers to one chat arrived out of order")
    return [arrived - at for arrived, at in zip(arrivals, posted, strict=True)]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    fake = FakeTelegram(TELEGRAM_TOKEN)
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("/bot"))
    with tempfile.TemporaryDirectory() as directory:
        env = process_env(
            f"sqlite+aiosqlite:///{directory}/bench.db",
            "http://127.0.0.1:9",
            TIMESIGN_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
            TIMESIGN_TELEGRAM_API_URL=fake.url,
            TIMESIGN_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            TIMESIGN_ADMIN_TELEGRAM_IDS=str(SUPERUSER),
        )
        migrate = await start(["db", "upgrade"], env, Path(directory), "migrate")
        await migrate.wait()
        port = free_port()
        serve = await start(["serve", "--port", str(port)], env, Path(directory), "serve")
        try:
            await wait_healthy(serve, port)
            one: list[float] = []
            many: list[float] = []
            async with aiohttp.ClientSession() as http:
                for r in range(args.rounds):
                    base = 10_000 * (r + 1)
                    one += await round_trip(fake, http, port, [SUPERUSER] * args.commands, base)
                    chats = [SUPERUSER + 1 + n for n in range(args.commands)]
                    many += await round_trip(fake, http, port, chats, base + 5000)
                    await asyncio.sleep(1.1)  # the chat's slot is free again
        finally:
            await serve.stop()
    await server.close()
    print(f"answer latency, {args.commands} /help in a row, {args.rounds} rounds, SQLite")
    for label, values in (("one chat", one), ("many chats", many)):
        print(
            f"  {label:10}  p50 {1000 * statistics.median(values):7.0f} ms"
            f"  p99 {1000 * percentile(values, 0.99):7.0f} ms"
        )
    print(
        f"  one chat / many chats: p50 {statistics.median(one) / statistics.median(many):.1f} x"
        f" (one a second per chat: answer n waits about n - 1 s)"
    )


if __name__ == "__main__":
    asyncio.run(main())

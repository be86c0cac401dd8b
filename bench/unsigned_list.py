"""``/unsigned`` for a large project in Telegram: how soon the answer comes, in how many messages.

    .venv/bin/python bench/unsigned_list.py [--people 2000] [--rounds 3]

A real ``timesign serve`` on a temporary SQLite file, with no worker, behind the fake
Telegram Bot API of the tests. The month is closed for ``--people`` people, none has
signed; a superuser's chat then asks, per round:

  baseline    /status 2026-10: the same rows read, a two-line answer
  /unsigned   /unsigned 2026-10: the time to its first message, and how many messages
              the chat gets for it (Telegram allows about one a second per chat)
  Next        the answer's Next button pressed: the time to the edit of that message
  As a file   its "As a file" button: the time to the document (it follows a line with
              the count, so it waits for the chat's next send slot), and its rows

and prints medians, with /unsigned's first answer as a ratio to the baseline. Not part
of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.usecases.context import Core
from bot.usecases.roster.registry import create_project
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from tests.crowd import unsigned_crowd
from tests.fakes.telegram_api import FakeTelegram
from tests.processes import free_port, process_env, start, wait_healthy
from tests.stack import TELEGRAM_TOKEN, WEBHOOK_SECRET, command_update

SUPERUSER = 999
NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
QUIET = 2.5  # seconds without a new message: the answer is complete


async def seed(url: str, people: int) -> None:
    """``people`` people with one day of October each, the month closed: all unsigned."""
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    core = Core(sessions=session_factory(engine), secret_key=b"k" * 32, clock=lambda: NOW)
    await create_project(core, code="BENCH", name="Benchmark", actor="bench")
    await unsigned_crowd(core, "BENCH", people)
    await engine.dispose()


class Chat:
    """The superuser's chat with the bot, as the fake Bot API records it."""

    def __init__(self, fake: FakeTelegram, http: aiohttp.ClientSession, port: int) -> None:
        self.fake, self.http, self.port = fake, http, port
        self._update_id = 50_000

    async def post(self, update: dict[str, Any]) -> None:
        async with self.http.post(
            f"http://127.0.0.1:{self.port}/webhooks/telegram",
            data=json.dumps(update),
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        ) as response:
            assert response.status == 200, await response.text()

    def next_id(self) -> int:
        self._update_id += 1
        return self._update_id

    async def command(self, text: str) -> float:
        return await self._timed(command_update(SUPERUSER, text, update_id=self.next_id()))

    async def press(self, data: str, message_id: int, *, until: str | None = None) -> float:
        """Seconds to the first answer to the press (``until``: to the first call of that
        Bot API method)."""
        update_id = self.next_id()
        user = {"id": SUPERUSER, "is_bot": False, "first_name": "C", "language_code": "en"}
        message = {
            "message_id": message_id,
            "date": 1762160400,
            "chat": {"id": SUPERUSER, "type": "private", "first_name": "C"},
            "from": {"id": 1, "is_bot": True, "first_name": "timesign"},
            "text": "…",
        }
        query = {"id": str(update_id), "from": user, "chat_instance": "1", "data": data}
        return await self._timed(
            {"update_id": update_id, "callback_query": {**query, "message": message}}, until
        )

    async def _timed(self, update: dict[str, Any], method: str | None = None) -> float:
        """Seconds from posting ``update`` to the first answer (message, edit or file)."""
        before = len(self.answers())
        posted = time.monotonic()
        await self.post(update)
        deadline = posted + 120
        while True:
            arrived = [at for at, name, _ in self.answers()[before:] if method in (None, name)]
            if arrived:
                return arrived[0] - posted
            if time.monotonic() > deadline:
                raise SystemExit("no answer within two minutes")
            await asyncio.sleep(0.005)

    def answers(self) -> list[tuple[float, str, dict[str, Any]]]:
        """(arrival, method, parameters) of every call that showed the chat something."""
        shown = ("sendMessage", "editMessageText", "sendDocument")
        return [
            (at, name, params)
            for at, (name, params) in zip(self.fake.arrived, self.fake.log, strict=True)
            if name in shown and str(params.get("chat_id")) == str(SUPERUSER)
        ]

    async def quiet(self) -> None:
        """Until the chat has had no new message for ``QUIET`` seconds."""
        while True:
            count = len(self.answers())
            await asyncio.sleep(QUIET)
            if len(self.answers()) == count:
                return


def buttons(params: dict[str, Any]) -> dict[str, str]:
    markup = params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def pager(params: dict[str, Any]) -> tuple[str | None, str | None]:
    """The Next and As a file buttons' command lines, if the answer has them."""
    shown = buttons(params)
    found = [line for label, line in shown.items() if label.startswith("Next")]
    as_file = [line for label, line in shown.items() if "file" in label.lower()]
    return (found[0] if found else None), (as_file[0] if as_file else None)


async def measure(chat: Chat, rounds: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {
        "baseline": [],
        "unsigned": [],
        "messages": [],
        "next": [],
        "file": [],
        "rows": [],
    }
    for _ in range(rounds):
        figures["baseline"].append(await chat.command("/status 2026-10"))
        await chat.quiet()
        before = len(chat.answers())
        figures["unsigned"].append(await chat.command("/unsigned 2026-10"))
        await chat.quiet()
        answer = chat.answers()[before:]
        figures["messages"].append(len(answer))
        _, method, first = answer[0]
        next_line, file_line = pager(answer[-1][2])
        if method != "sendMessage" or next_line is None or file_line is None:
            continue  # no page buttons: nothing more to press
        message_id = chat.fake.message_id_of(first)
        figures["next"].append(await chat.press(next_line, message_id))
        await chat.quiet()
        start = len(chat.fake.calls("sendDocument"))
        figures["file"].append(await chat.press(file_line, message_id, until="sendDocument"))
        await chat.quiet()
        documents = chat.fake.calls("sendDocument")[start:]
        content = documents[0]["document"]["content"].decode("utf-8-sig")
        figures["rows"].append(len(list(csv.reader(io.StringIO(content), delimiter=","))) - 1)
    return figures


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    fake = FakeTelegram(TELEGRAM_TOKEN)
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("/bot"))
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{directory}/bench.db"
        await seed(url, args.people)
        env = process_env(
            url,
            "http://127.0.0.1:9",
            TIMESIGN_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
            TIMESIGN_TELEGRAM_API_URL=fake.url,
            TIMESIGN_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            TIMESIGN_ADMIN_TELEGRAM_IDS=str(SUPERUSER),
        )
        port = free_port()
        serve = await start(["serve", "--port", str(port)], env, Path(directory), "serve")
        try:
            await wait_healthy(serve, port)
            async with aiohttp.ClientSession() as http:
                chat = Chat(fake, http, port)
                await chat.command("/project use BENCH")
                await chat.quiet()
                figures = await measure(chat, args.rounds)
        finally:
            await serve.stop()
    await server.close()
    base, first = median(figures["baseline"]), median(figures["unsigned"])
    print(f"/unsigned in Telegram, SQLite, {args.people} people unsigned, {args.rounds} rounds")
    print(f"  baseline  /status, first answer      {1000 * base:8.0f} ms")
    print(f"  product   /unsigned, first answer    {1000 * first:8.0f} ms")
    print(f"  ratio     first answer / baseline    {first / base:8.2f} x")
    print(f"  messages  for one /unsigned          {median(figures['messages']):8.0f}")
    if figures["next"]:
        print(f"  Next      pressed, message edited    {1000 * median(figures['next']):8.0f} ms")
        print(f"  As a file pressed, document sent     {1000 * median(figures['file']):8.0f} ms")
        print(f"            rows in the file           {median(figures['rows']):8.0f}")
    else:
        print("  (the answer has no Next / As a file buttons)")


if __name__ == "__main__":
    asyncio.run(main())

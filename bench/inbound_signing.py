"""Inbound code replies a second through ``timesign serve``, against a bare ceiling.

    .venv/bin/python bench/inbound_signing.py [--people 2000] [--processes 2] [--concurrency 50]

Closes a month for ``--people`` people, then posts each person's correct code as a
Twilio-signed SMS webhook (twilio's RequestValidator), ``--concurrency`` at a time,
spread over ``--processes`` ``timesign serve`` processes; and the same requests to as
many bare aiohttp processes that check the same signature and answer the same TwiML
(the ceiling: what any handler costs before it touches a database). Prints replies a
second and p50/p99 latency of each, and the product's ratio to the ceiling.

PostgreSQL (a temporary database) when TIMESIGN_TEST_POSTGRES_URL is set, else SQLite
(one writer: measure it with ``--processes 1``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.month_close import KEY, MONTH, core_for, seed  # noqa: E402
from bot.core.code_box import open_code  # noqa: E402
from bot.usecases.closing.month_close import close_month  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.processes import free_port, process_env, start, wait_healthy  # noqa: E402
from tests.stack import PUBLIC_URL, TWILIO_SID, TWILIO_TOKEN, twilio_signature  # noqa: E402

CEILING = """
import sys
from aiohttp import web
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
validator = RequestValidator(sys.argv[2])
async def sms(request):
    form = {k: str(v) for k, v in (await request.post()).items()}
    url = sys.argv[3] + request.path_qs
    if not validator.validate(url, form, request.headers.get("X-Twilio-Signature", "")):
        raise web.HTTPForbidden()
    twiml = MessagingResponse()
    twiml.message("Tack! Din signatur är registrerad. Kvitto ABCD-EFGH-IJKL.")
    return web.Response(text=str(twiml), content_type="application/xml")
async def healthz(request):
    return web.json_response({"status": "ok"})
app = web.Application()
app.router.add_post("/webhooks/twilio/sms", sms)
app.router.add_get("/healthz", healthz)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


async def codes_of(url: str) -> list[tuple[str, str]]:
    from sqlmodel import col, select

    from storage.tables import OutboxMessage

    core = core_for(url)
    async with core.sessions() as session:
        rows = (
            await session.exec(
                select(OutboxMessage.address, OutboxMessage.sealed_code).where(
                    col(OutboxMessage.sealed_code).is_not(None)
                )
            )
        ).all()
    pairs = []
    for address, sealed in rows:
        code = open_code(core.key, sealed or "")
        assert code is not None
        pairs.append((address, code))
    return pairs


def form(phone: str, code: str, n: int) -> tuple[dict[str, str], dict[str, str]]:
    params = {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "From": phone,
        "To": "+46700000000",
        "Body": code,
        "AccountSid": TWILIO_SID,
    }
    headers = {"X-Twilio-Signature": twilio_signature(PUBLIC_URL + "/webhooks/twilio/sms", params)}
    return params, headers


async def hammer(
    ports: list[int], replies: list[tuple[str, str]], concurrency: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(n: int, phone: str, code: str) -> None:
            params, headers = form(phone, code, n)
            port = ports[n % len(ports)]
            async with gate:
                started = time.perf_counter()
                async with http.post(
                    f"http://127.0.0.1:{port}/webhooks/twilio/sms", data=params, headers=headers
                ) as response:
                    body = await response.text()
                latencies.append(time.perf_counter() - started)
            if response.status != 200 or "<Message>" not in body:
                raise SystemExit(f"reply {n}: {response.status} {body[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(one(n, p, c) for n, (p, c) in enumerate(replies)))
        return len(replies) / (time.perf_counter() - started), latencies


def figures(label: str, rate: float, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (
        f"  {label:8} {rate:7.0f} replies/s  p50 {1000 * statistics.median(ordered):6.1f} ms"
        f"  p99 {1000 * p99:6.1f} ms"
    )


async def run(url: str, people: int, processes: int, concurrency: int, workdir: Path) -> None:
    await seed(url, people, 20)
    await close_month(core_for(url), "BENCH", MONTH, actor="bench")
    replies = await codes_of(url)
    env = process_env(url, "http://127.0.0.1:9", TIMESIGN_LOG_LEVEL="WARNING")
    env["TIMESIGN_SECRET_KEY"] = KEY.decode()
    # Every reply is a different person: keep the inbound limits out of the figure.
    env["TIMESIGN_PROJECT_INBOUND_PER_MINUTE"] = "1000000"
    serves, ceilings = [], []
    try:
        for n in range(processes):
            port = free_port()
            serves.append(
                (await start(["serve", "--port", str(port)], env, workdir, f"s{n}"), port)
            )
            port = free_port()
            ceiling = await asyncio.create_subprocess_exec(
                sys.executable, "-c", CEILING, str(port), TWILIO_TOKEN, PUBLIC_URL, env=env
            )
            ceilings.append((ceiling, port))
        for process, port in serves:
            await wait_healthy(process, port)
        async with aiohttp.ClientSession() as http:
            for _, port in ceilings:
                for _ in range(100):
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz"):
                            break
                    except aiohttp.ClientError:
                        await asyncio.sleep(0.1)
        ceiling_rate, ceiling_lat = await hammer([p for _, p in ceilings], replies, concurrency)
        rate, lat = await hammer([p for _, p in serves], replies, concurrency)
    finally:
        for process, _ in serves:
            await process.stop()
        for ceiling, _ in ceilings:
            ceiling.terminate()
            await ceiling.wait()
    print(f"{len(replies)} code replies, {processes} processes, {concurrency} at a time")
    print(figures("ceiling", ceiling_rate, ceiling_lat))
    print(figures("timesign", rate, lat) + f"  ({rate / ceiling_rate:.2f} x ceiling)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    postgres_url = os.environ.get("TIMESIGN_TEST_POSTGRES_URL")
    with tempfile.TemporaryDirectory() as folder:
        if not postgres_url:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            await asyncio.to_thread(upgrade, url)
            print("SQLite")
            await run(url, args.people, args.processes, args.concurrency, Path(folder))
            return
        import asyncpg

        parts = urlsplit(postgres_url)
        admin_url = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))
        name = f"timesign_bench_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(admin_url)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        url = urlunsplit(("postgresql+asyncpg", parts.netloc, f"/{name}", parts.query, ""))
        try:
            await asyncio.to_thread(upgrade, url)
            print("PostgreSQL")
            await run(url, args.people, args.processes, args.concurrency, Path(folder))
        finally:
            admin = await asyncpg.connect(admin_url)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    asyncio.run(main())

"""The evidence at audit size: /evidence for a month, and timesign audit verify.

    .venv/bin/python bench/evidence.py [--people 2000] [--events 100000]

Closes a month for ``--people`` people and signs every summary through the reply path,
then measures, each against a baseline in the same run:

  /evidence       bot.usecases.evidence.bundle.month_bundle: a certificate PDF and an
                  evidence file per person, the log segment, keys, index, sealed ZIP;
                  baseline: read the same rows (documents, statements, log entries) and
                  SHA-256 each, which is the least any bundle must do
  audit verify    bot.usecases.evidence.audit.audit over a log grown to ``--events``
                  entries; baseline: read every entry and signature row and hash each

and prints seconds, the bundle's size and the ratios. SQLite (a temporary file).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.inbound_signing import codes_of  # noqa: E402
from bench.month_close import MONTH, core_for, seed  # noqa: E402
from bot.core.evidence_chain import Event, EventKind  # noqa: E402
from bot.core.inbound import Inbound  # noqa: E402
from bot.core.inbound_limits import InboundLimits  # noqa: E402
from bot.core.seal_keys import load_seal_key  # noqa: E402
from bot.core.summary import canonical_json  # noqa: E402
from bot.usecases.closing.month_close import close_month  # noqa: E402
from bot.usecases.context import Core  # noqa: E402
from bot.usecases.evidence.audit import audit  # noqa: E402
from bot.usecases.evidence.bundle import month_bundle  # noqa: E402
from bot.usecases.signing.conversation import accept_reply  # noqa: E402
from storage import evidence_log  # noqa: E402
from storage.db import transaction  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.queries import project_by_code  # noqa: E402
from tests.stack import SEAL_KEY  # noqa: E402


async def signed_month(core: Core, url: str, people: int) -> None:
    await seed(url, people, 20)
    await close_month(core, "BENCH", MONTH, actor="bench")
    for phone, code in await codes_of(url):
        await accept_reply(
            core,
            Inbound(channel="sms", provider_id=f"SM{uuid.uuid4().hex}", sender=phone, text=code),
            queue_answer=False,
        )


async def baseline_bundle(core: Core) -> int:
    """Read the rows a bundle is made of and hash each: documents, statements, entries."""
    hashed = 0
    async with core.sessions() as session:
        connection = await session.connection()
        for query in (
            "SELECT s.document, g.statement FROM monthly_summaries s "
            "LEFT JOIN signatures g ON g.summary_id = s.id",
            "SELECT detail, prev_hash, hash FROM evidence_events",
        ):
            for row in (await connection.execute(sa.text(query))).all():
                for value in row:
                    hashlib.sha256(str(value).encode()).hexdigest()
                hashed += 1
    return hashed


async def baseline_audit(core: Core) -> int:
    hashed = 0
    async with core.sessions() as session:
        connection = await session.connection()
        result = await connection.stream(
            sa.text(
                "SELECT project_id, seq, kind, at, summary_id, detail, prev_hash, hash "
                "FROM evidence_events ORDER BY project_id, seq"
            )
        )
        async for row in result:
            hashlib.sha256(canonical_json([str(v) for v in row]).encode()).hexdigest()
            hashed += 1
        for row in (
            await connection.execute(
                sa.text(
                    "SELECT s.document, g.statement, g.seal FROM signatures g "
                    "JOIN monthly_summaries s ON s.id = g.summary_id"
                )
            )
        ).all():
            hashlib.sha256(row[0].encode()).hexdigest()
            hashed += 1
    return hashed


async def grow_log(core: Core, project_id: int, events: int) -> None:
    async with core.sessions() as session:
        head = await evidence_log.head_of(session, project_id)
    have = head.seq if head else 0
    while have < events:
        batch = min(5000, events - have)
        async with transaction(core.sessions) as session:
            await evidence_log.append(
                session,
                project_id,
                [
                    Event(EventKind.WRONG_TRY, core.clock(), detail={"n": have + n})
                    for n in range(batch)
                ],
            )
        have += batch


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await asyncio.to_thread(upgrade, url)
        # Every reply is a different person: keep the project's inbound limit out of it.
        core = replace(
            core_for(url),
            seal_key=load_seal_key(SEAL_KEY),
            limits=InboundLimits(project_per_minute=10**7, project_per_day=10**8),
        )
        await signed_month(core, url, args.people)
        async with core.sessions() as session:
            project = await project_by_code(session, "BENCH")
        assert project is not None and project.id is not None

        started = time.perf_counter()
        rows = await baseline_bundle(core)
        base_bundle = time.perf_counter() - started
        started = time.perf_counter()
        bundle = await month_bundle(core, project, MONTH, "sv")
        product_bundle = time.perf_counter() - started
        print(f"/evidence, {args.people} people signed ({rows} rows hashed by the baseline)")
        print(f"  baseline {base_bundle:8.2f} s")
        print(
            f"  product  {product_bundle:8.2f} s  {len(bundle.content) / 1e6:6.1f} MB"
            f"  ({product_bundle / base_bundle:.1f} x baseline)"
        )

        await grow_log(core, project.id, args.events)
        started = time.perf_counter()
        hashed = await baseline_audit(core)
        base_audit = time.perf_counter() - started
        started = time.perf_counter()
        report = await audit(core)
        product_audit = time.perf_counter() - started
        assert report.intact, report.breaks[:5]
        print(
            f"audit verify, {report.entries} entries, {report.signatures} signatures "
            f"({hashed} rows hashed by the baseline)"
        )
        print(f"  baseline {base_audit:8.2f} s")
        print(f"  product  {product_audit:8.2f} s  ({product_audit / base_audit:.1f} x baseline)")


if __name__ == "__main__":
    asyncio.run(main())

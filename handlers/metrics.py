"""Prometheus metrics.

Counts that several processes share (messages by state, signatures) are read from the
database at scrape time, so any web process reports the same truth; per-process
counters are kept only for what happens in this process (replies, webhook latency).
"""

from __future__ import annotations

import sqlalchemy as sa
from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlmodel import col, select

from handlers.keys import CORE
from storage.tables import OutboxMessage, Signature

REGISTRY = CollectorRegistry()
REPLIES = Counter(
    "timesign_replies",
    "Participant replies handled, by outcome",
    ["channel", "outcome"],
    registry=REGISTRY,
)
WEBHOOK_SECONDS = Histogram(
    "timesign_webhook_seconds", "Time to answer a webhook", ["endpoint"], registry=REGISTRY
)
MESSAGES = Gauge(
    "timesign_messages",
    "Outbox messages by channel and state",
    ["channel", "state"],
    registry=REGISTRY,
)
SIGNATURES = Gauge("timesign_signatures", "Signatures recorded", registry=REGISTRY)


async def metrics_page(request: web.Request) -> web.Response:
    async with request.app[CORE].sessions() as session:
        rows = await session.exec(
            select(OutboxMessage.channel, OutboxMessage.state, sa.func.count()).group_by(
                col(OutboxMessage.channel), col(OutboxMessage.state)
            )
        )
        MESSAGES.clear()
        for channel, state, count in rows.all():
            MESSAGES.labels(channel=channel, state=state).set(count)
        signatures = await session.exec(select(sa.func.count()).select_from(Signature))
        SIGNATURES.set(signatures.one())
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

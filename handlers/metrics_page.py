"""GET /metrics: the Prometheus page.

Counts that several processes share (messages by state, signatures) are read from the
database at scrape time, so any web process reports the same truth; per-process
counters (``handlers.metrics``) only tell what happened in this process.
"""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlmodel import col, select

from handlers.keys import CONFIG, CORE
from handlers.metrics import MESSAGES, REGISTRY, SIGNATURES
from storage.tables import OutboxMessage, Signature

LOOPBACK = ("127.0.0.1", "::1")


def _refusal(request: web.Request) -> web.Response | None:
    """Counts say how many people a project has and how busy it is: not for everyone."""
    token = request.app[CONFIG].metrics_token
    if token is not None:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(errors="replace"), f"Bearer {token}".encode()):
            return None
        return web.Response(
            status=401,
            text="Send Authorization: Bearer <TIMESIGN_METRICS_TOKEN>.\n",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if request.remote in LOOPBACK:
        return None
    return web.Response(
        status=403, text="Metrics answer only this machine unless TIMESIGN_METRICS_TOKEN is set.\n"
    )


async def metrics_page(request: web.Request) -> web.Response:
    if (refusal := _refusal(request)) is not None:
        return refusal
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

"""GET /healthz: liveness plus a database round trip, for load balancers and uptime checks."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from aiohttp import web
from sqlmodel import select

from handlers.keys import CORE

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    try:
        async with request.app[CORE].sessions() as session:
            await session.exec(select(sa.literal(1)))
    except Exception as error:  # any database failure means "not healthy", never a 500
        log.warning("health check: database unreachable (%s)", type(error).__name__)
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})

"""GET /.well-known/timesign-keys.json: the public keys an auditor checks seals with.

Current and retired keys, each retired one with its successor's vouch, so a copy kept
today still checks seals made years from now and years ago (``timesign verify``).
"""

from __future__ import annotations

from aiohttp import web

from bot.core.seal_keys import KEYS_PATH
from bot.usecases.evidence.checking import ring_of
from handlers.keys import CORE

__all__ = ["KEYS_PATH", "public_keys"]


async def public_keys(request: web.Request) -> web.Response:
    ring = await ring_of(request.app[CORE])
    return web.json_response(ring.as_json(), headers={"Cache-Control": "public, max-age=300"})

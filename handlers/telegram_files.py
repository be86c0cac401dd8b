"""Downloading a file a coordinator sent, with the size cap enforced while it streams.

Telegram's declared size is checked first, but it may be missing or wrong: the cap
holds on the bytes that actually arrive, so no upload is ever held whole in memory
past the limit. The file's URL carries the bot token; it is never logged.
"""

from __future__ import annotations

import aiohttp

from bot.core.attendance import MAX_BYTES, too_large, too_large_unknown
from bot.core.errors import InputError
from bot.core.i18n import Message

CHUNK = 64 * 1024
DOWNLOAD_SECONDS = 60

NOT_DOWNLOADED = Message("I could not download the file from Telegram; please send it again.")


async def download_capped(url: str, declared: int | None, limit: int = MAX_BYTES) -> bytes:
    if declared and (refusal := too_large(declared)) is not None:
        raise InputError(refusal)
    received = bytearray()
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_SECONDS)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as response:
            if response.status != 200:
                raise InputError(NOT_DOWNLOADED)
            if response.content_length and response.content_length > limit:
                raise InputError(too_large_unknown())
            async for chunk in response.content.iter_chunked(CHUNK):
                received += chunk
                if len(received) > limit:
                    raise InputError(too_large_unknown())
    except (aiohttp.ClientError, TimeoutError):
        raise InputError(NOT_DOWNLOADED) from None
    return bytes(received)

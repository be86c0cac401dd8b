"""The console transport: what runs when no provider credentials are set (local use, demo).

It prints what the phone would show, with the address masked like in logs.
"""

from __future__ import annotations

import sys
import uuid
from typing import TextIO

from bot.core.phones import mask
from notifications.transport import Envelope, Sent


def mask_address(address: str) -> str:
    return mask(address)


class ConsoleTransport:
    def __init__(self, channel: str, stream: TextIO = sys.stdout) -> None:
        self.channel = channel
        self._stream = stream

    async def send(self, envelope: Envelope) -> Sent:
        rule = "-" * 60
        self._stream.write(
            f"{rule}\n[{self.channel} to {mask_address(envelope.address)}]\n{envelope.text}\n"
        )
        if envelope.attachment is not None:
            name, content = envelope.attachment
            self._stream.write(f"[file {name}, {len(content)} bytes]\n")
        self._stream.flush()
        return Sent(provider_id=f"console-{uuid.uuid4().hex}")

    async def aclose(self) -> None:
        return None

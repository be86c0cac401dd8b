"""The console transport: what runs when no provider credentials are set (local use, demo).

It prints what the phone would show, with the address masked like in logs, and the
code hidden unless ``reveal_codes`` (``--dev``): a console is a log someone may read.
"""

from __future__ import annotations

import sys
import uuid
from typing import TextIO

from bot.core.phones import mask
from notifications.transport import Envelope, Sent

HIDDEN_CODE = "[code hidden: shown with --dev]"


def mask_address(address: str) -> str:
    return mask(address)


class ConsoleTransport:
    def __init__(
        self, channel: str, stream: TextIO = sys.stdout, *, reveal_codes: bool = False
    ) -> None:
        self.channel = channel
        self._stream = stream
        self._reveal_codes = reveal_codes

    async def send(self, envelope: Envelope) -> Sent:
        rule = "-" * 60
        text = envelope.text
        if envelope.code and not self._reveal_codes:
            text = text.replace(envelope.code, HIDDEN_CODE)
        self._stream.write(
            f"{rule}\n[{self.channel} to {mask_address(envelope.address)}]\n{text}\n"
        )
        if envelope.attachment is not None:
            name, content = envelope.attachment
            self._stream.write(f"[file {name}, {len(content)} bytes]\n")
        self._stream.flush()
        return Sent(provider_id=f"console-{uuid.uuid4().hex}")

    async def aclose(self) -> None:
        return None

"""Checking signatures where they are shown: the receipt page, certificates, the export.

Every check uses the same ring: the configured seal key and the retired keys that a
trusted successor vouched for (``storage.seal_keys``), so a key written into the
database by hand is not believed.
"""

from __future__ import annotations

from bot.core.seal_keys import KeyRing
from bot.core.verification import ReceiptFields, Verification, verify
from bot.usecases.context import Core
from storage.seal_keys import key_ring


async def ring_of(core: Core) -> KeyRing:
    return await key_ring(core.sessions, core.sealer)


async def check(core: Core, record: ReceiptFields, ring: KeyRing | None = None) -> Verification:
    """``ring``: pass one in when checking many signatures at once."""
    return verify(record, ring or await ring_of(core), core.secret_key)

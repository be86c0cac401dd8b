"""Checking signatures where they are shown: the receipt page, certificates, the export.

Every check uses the same ring: the configured seal key and the retired keys that a
trusted successor vouched for (``storage.seal_keys``), so a key written into the
database by hand is not believed.
"""

from __future__ import annotations

from bot.core.evidence import Statement
from bot.core.evidence_file import evidence_file
from bot.core.seal_keys import KEYS_PATH, KeyRing
from bot.core.verification import ReceiptFields, Verification, verify
from bot.usecases.context import Core
from storage import evidence_log
from storage.receipts import ReceiptRecord
from storage.seal_keys import key_ring


async def ring_of(core: Core) -> KeyRing:
    return await key_ring(core.sessions, core.sealer)


async def check(core: Core, record: ReceiptFields, ring: KeyRing | None = None) -> Verification:
    """``ring``: pass one in when checking many signatures at once."""
    return verify(record, ring or await ring_of(core), core.secret_key)


async def evidence_file_of(core: Core, record: ReceiptRecord) -> dict[str, object]:
    """The signature's self-contained evidence file (``bot.core.evidence_file``)."""
    signature = record.signature
    entries = await evidence_log.summary_entries(core.sessions, signature.summary_id)
    statement = Statement.parse(signature.statement)
    if statement is not None and statement.chain_seq is not None:
        entries = [e for e in entries if e.seq <= statement.chain_seq]
    return evidence_file(
        document=record.summary.document,
        statement=signature.statement or "",
        seal=signature.seal,
        key_id=signature.key_id,
        entries=entries,
        keys_url=f"{core.public_url}{KEYS_PATH}" if core.public_url else None,
    )

"""De-duplication of inbound deliveries that are not participant replies (chat commands,
contacts, /start): the first delivery of a provider id inserts its row, a repeat cannot."""

from __future__ import annotations

from datetime import datetime

from storage.claims import claim_row
from storage.db import SessionFactory, transaction
from storage.tables import InboundMessage


async def first_delivery(
    sessions: SessionFactory,
    *,
    channel: str,
    provider_id: str,
    sender: str,
    body: str,
    now: datetime,
) -> bool:
    async with transaction(sessions) as session:
        claimed = await claim_row(
            session,
            InboundMessage,
            ("channel", "provider_id"),
            channel=channel,
            provider_id=provider_id[:64],
            sender=sender[:64],
            body=body[:200],
            received_at=now,
        )
    return claimed is not None

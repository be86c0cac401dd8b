"""The door every inbound message passes first: past its sender's limit it is counted
and goes no further (not stored, not answered), so one number or chat sending a
thousand messages costs a counter, not a thousand rows and answers."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.inbound_limits import sender_windows
from bot.usecases.context import Core
from storage import inbound_limits
from storage.db import transaction
from storage.tables import Coordinator, Superuser

log = logging.getLogger(__name__)


async def admit_sender(core: Core, channel: str, sender: str) -> bool:
    """Count the message against its sender's limits; False when it is past them."""
    async with transaction(core.sessions) as session:
        return await count_sender(session, core, channel, sender, core.clock())


async def count_sender(
    session: AsyncSession, core: Core, channel: str, sender: str, now: datetime
) -> bool:
    """The same, in the caller's transaction (an SMS reply counts in its own)."""
    staff = channel == "telegram" and await _is_staff(session, sender)
    within = await inbound_limits.count(
        session, sender_windows(core.limits, channel, sender, now, staff=staff)
    )
    if not within:
        log.info("inbound over its sender's limit on %s: counted, not answered", channel)
    return within


async def _is_staff(session: AsyncSession, chat: str) -> bool:
    if not chat.lstrip("-").isdigit():
        return False
    user = int(chat)
    coordinator = select(Coordinator.id).where(col(Coordinator.telegram_user_id) == user)
    superuser = select(Superuser.telegram_user_id).where(col(Superuser.telegram_user_id) == user)
    query = select(sa.or_(sa.exists(coordinator), sa.exists(superuser)))
    return bool((await session.exec(query)).one())

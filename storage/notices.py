"""Coordinator notices: queued to every admin and coordinator of a project, in their language."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.i18n import Translatable
from bot.core.states import Channel
from storage import queries
from storage.outbox import Outgoing, enqueue


async def tell_coordinators(
    session: AsyncSession,
    project_id: int,
    notice: Translatable,
    *,
    now: datetime,
    buttons: tuple[tuple[str, str], ...] = (),
) -> int:
    """Queue ``notice`` to each coordinator's private chat in their language; returns how
    many got it."""
    count = 0
    for coordinator in await queries.coordinators(session, project_id):
        # In a private chat Telegram's chat id is the user's id.
        enqueue(
            session,
            Outgoing(
                channel=Channel.TELEGRAM,
                address=str(coordinator.telegram_user_id),
                text=notice.text(coordinator.language),
                purpose="coordinator",
                project_id=project_id,
                buttons=buttons,
            ),
            now=now,
        )
        count += 1
    return count

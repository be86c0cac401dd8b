"""Coordinator notices: queued to every admin and coordinator of a project, in their language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import queries
from storage.outbox import Outgoing, enqueue


async def tell_coordinators(
    session: AsyncSession,
    project_id: int,
    render: Callable[[str], str],
    *,
    now: datetime,
    buttons: tuple[tuple[str, str], ...] = (),
) -> int:
    """Queue ``render(language)`` to each coordinator's private chat; returns how many."""
    count = 0
    for coordinator in await queries.coordinators(session, project_id):
        # In a private chat Telegram's chat id is the user's id.
        enqueue(
            session,
            Outgoing(
                channel="telegram",
                address=str(coordinator.telegram_user_id),
                text=render(coordinator.language),
                purpose="coordinator",
                project_id=project_id,
                buttons=buttons,
            ),
            now=now,
        )
        count += 1
    return count

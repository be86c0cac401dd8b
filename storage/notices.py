"""Coordinator notices: who hears them, and queuing them in each reader's language.

A notice must reach someone: a project's admins and coordinators; without any, the
superusers who work in the project (``/project use``); without those, every superuser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.access import SUPERUSER
from bot.core.i18n import Translatable
from bot.core.states import Channel
from storage import queries, superusers
from storage.outbox import Outgoing, enqueue
from storage.tables import ChatLanguage, ChatProject, Project


@dataclass(frozen=True)
class Recipient:
    telegram_user_id: int
    role: str
    language: str


async def recipients(session: AsyncSession, project_id: int) -> Sequence[Recipient]:
    granted = await queries.coordinators(session, project_id)
    if granted:
        return [Recipient(c.telegram_user_id, c.role, c.language) for c in granted]
    listed = await superusers.listed(session)
    if not listed:
        return []
    working = (
        await session.exec(
            select(col(ChatProject.telegram_user_id)).where(
                ChatProject.project_id == project_id,
                col(ChatProject.telegram_user_id).in_(listed),
            )
        )
    ).all()
    chosen = sorted(working) or list(listed)
    languages = dict(
        (
            await session.exec(
                select(col(ChatLanguage.telegram_user_id), col(ChatLanguage.language)).where(
                    col(ChatLanguage.telegram_user_id).in_(chosen)
                )
            )
        ).all()
    )
    project = await session.get(Project, project_id)
    fallback = project.language if project is not None else "en"
    return [Recipient(user, SUPERUSER, languages.get(user, fallback)) for user in chosen]


async def tell_coordinators(
    session: AsyncSession,
    project_id: int,
    notice: Translatable,
    *,
    now: datetime,
    buttons: tuple[tuple[str, str], ...] = (),
) -> int:
    """Queue ``notice`` to each recipient's private chat in their language; returns how
    many got it."""
    readers = await recipients(session, project_id)
    for reader in readers:
        # In a private chat Telegram's chat id is the user's id.
        enqueue(
            session,
            Outgoing(
                channel=Channel.TELEGRAM,
                address=str(reader.telegram_user_id),
                text=notice.text(reader.language),
                purpose="coordinator",
                project_id=project_id,
                buttons=buttons,
            ),
            now=now,
        )
    return len(readers)

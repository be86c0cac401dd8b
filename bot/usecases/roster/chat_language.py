"""Which language a coordinator reads: command answers and notices alike.

The language chosen with ``/language`` wins; without a choice, the language of the
user's Telegram app (when it is sv, en or pl); without that (a button press may come
without it), the language they were last answered in; then the project's language;
outside any project, English. Notices (a dispute, a failed delivery) are written when
the coordinator is not there, from ``Coordinator.language``, so every command copies
the language it answers in into the user's coordinator rows: notices then read like
the answers do.
"""

from __future__ import annotations

import sqlalchemy as sa
from babel import Locale
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.access import Actor
from bot.core.errors import InputError
from bot.core.i18n import LANGUAGES, Message, Rendered, Translatable
from bot.usecases.context import Core
from storage import audit
from storage.db import dialect_insert, transaction
from storage.tables import ChatLanguage, Coordinator, Project


async def answer_language(session: AsyncSession, actor: Actor, project: Project | None) -> str:
    fallback = project.language if project is not None else "en"
    if actor.telegram_user_id is None:
        return actor.language or fallback
    chosen = await session.get(ChatLanguage, actor.telegram_user_id)
    if chosen is not None:
        language = chosen.language
    else:
        # A button press or a client may come without the app's language: the user
        # then reads what they read last, not the project's language all of a sudden.
        language = actor.language or await _last_read(session, actor.telegram_user_id) or fallback
    await session.exec(
        sa.update(Coordinator)
        .where(
            Coordinator.telegram_user_id == actor.telegram_user_id,  # type: ignore[arg-type]
            Coordinator.language != language,  # type: ignore[arg-type]
        )
        .values(language=language)
    )
    return language


async def _last_read(session: AsyncSession, telegram_user_id: int) -> str | None:
    query = (
        select(col(Coordinator.language))
        .where(Coordinator.telegram_user_id == telegram_user_id)
        .order_by(col(Coordinator.id))
        .limit(1)
    )
    return (await session.exec(query)).first()


async def choose_language(core: Core, actor: Actor, args: list[str], current: str) -> Translatable:
    """``/language [sv|en|pl]``: show or set the language this user reads."""
    if actor.telegram_user_id is None:
        raise InputError(Message("The shell answers in English; a language is chosen in the chat."))
    if not args:
        return Message(
            "Answers here are in %(language)s. Change it with /language sv, en or pl.",
            language=Locale.parse(current).get_display_name(current),
        )
    language = args[0].lower()
    if len(args) != 1 or language not in LANGUAGES:
        raise InputError(Message("Usage: /language sv|en|pl"))
    now = core.clock()
    async with transaction(core.sessions) as session:
        # An upsert: two /language messages sent at once must not collide on the row.
        insert = await dialect_insert(session)
        chosen = insert(ChatLanguage).values(
            telegram_user_id=actor.telegram_user_id, language=language, chosen_at=now
        )
        await session.exec(
            chosen.on_conflict_do_update(
                index_elements=["telegram_user_id"],
                set_={"language": language, "chosen_at": now},
            )
        )
        await session.exec(
            sa.update(Coordinator)
            .where(Coordinator.telegram_user_id == actor.telegram_user_id)  # type: ignore[arg-type]
            .values(language=language)
        )
        audit.record(session, at=now, actor=actor.name, action="chat.language", language=language)
    # In the language just chosen, not the one the command was asked in.
    return Rendered(Message("From now on I answer in English.").text(language))

"""Coordinators read answers and notices in their language: chosen, or their Telegram app's."""

from __future__ import annotations

import itertools
from typing import Any

from sqlmodel import select

from storage.tables import AuditEvent, Coordinator
from tests.stack import Stack, post_update_and_answer
from tests.test_commands import COORDINATOR, STRANGER, VIEWER, say, setup_projects

_ids = itertools.count(9000)


async def say_in(stack: Stack, fake: Any, user: int, text: str, app_language: str) -> str:
    """``text`` from a Telegram app set to ``app_language``."""
    update = {
        "update_id": next(_ids),
        "message": {
            "message_id": 1,
            "date": 1762160400,
            "chat": {"id": user, "type": "private", "first_name": "C"},
            "from": {"id": user, "is_bot": False, "first_name": "C", "language_code": app_language},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }
    return await post_update_and_answer(stack, fake, user, update)


async def languages_of(stack: Stack, user: int) -> set[str]:
    async with stack.core.sessions() as session:
        rows = await session.exec(select(Coordinator).where(Coordinator.telegram_user_id == user))
        return {row.language for row in rows}


async def test_language_command_switches_answers_and_notices(
    stack: Stack, fake_telegram: Any
) -> None:
    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)

    assert await say(stack, fake, c, "/language sv") == "Från och med nu svarar jag på svenska."
    assert (
        await say(stack, fake, c, "/frobnicate") == "Jag känner inte till /frobnicate. Prova /help."
    )
    assert await say(stack, fake, c, "/language") == (
        "Svaren här är på svenska. Byt med /language sv, en eller pl."
    )
    assert await say(stack, fake, c, "/language de") == "Användning: /language sv|en|pl"
    assert await languages_of(stack, c) == {"sv"}  # notices follow the choice

    assert await say(stack, fake, c, "/language pl") == "Od teraz odpowiadam po polsku."
    assert await languages_of(stack, c) == {"pl"}
    assert await say(stack, fake, c, "/language en") == "From now on I answer in English."


async def test_without_a_choice_answers_follow_the_telegram_app(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)

    refusal = await say_in(stack, fake, VIEWER, "/hours P-0001 A-001 2026-10-14 2", "pl")

    assert (
        refusal == "Rejestrowanie godzin wymaga roli „koordynator”; tutaj masz rolę „obserwator”."
    )
    assert await languages_of(stack, VIEWER) == {"pl"}
    # An app in a language timesign does not speak: the project's language (sv).
    refusal = await say_in(stack, fake, VIEWER, "/hours P-0001 A-001 2026-10-14 2", "de")
    assert refusal == "Att registrera timmar kräver rollen samordnare; här är du läsare."


async def test_a_chosen_language_wins_over_the_telegram_app(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    await say(stack, fake, VIEWER, "/language sv")

    refusal = await say_in(stack, fake, VIEWER, "/hours P-0001 A-001 2026-10-14 2", "pl")

    assert refusal.startswith("Att registrera timmar")
    assert await languages_of(stack, VIEWER) == {"sv"}


async def test_a_stranger_cannot_choose_a_language(stack: Stack, fake_telegram: Any) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)

    answer = await say(stack, fake, STRANGER, "/language sv")

    assert answer.startswith("Sorry, this chat has no access")
    async with stack.core.sessions() as session:
        events = (await session.exec(select(AuditEvent))).all()
    assert any(e.action == "access.refused" and e.actor == f"telegram:{STRANGER}" for e in events)
    assert not any(e.action == "chat.language" for e in events)

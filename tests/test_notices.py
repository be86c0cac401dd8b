"""Every coordinator notice reaches someone, also in a project nobody was granted yet."""

from __future__ import annotations

from typing import Any

from bot.core.i18n import Message
from bot.usecases.context import Core
from storage import notices, superusers
from storage.db import transaction
from storage.tables import ChatProject
from tests.stack import SUPERUSER_ID, Stack, say_command, seed_project
from tests.test_commands import press


async def test_a_superuser_alone_in_a_project_hears_its_disputes(
    stack: Stack, fake_telegram: Any
) -> None:
    fake, su = fake_telegram, SUPERUSER_ID
    for line in (
        "/project new ESF-1 Jobbsteget Malmö",
        "/project use ESF-1",
        "/activity add Kurs training 2026-09-01 2026-12-31",
        "/person add Eva 0701234571",
        "/hours Eva A-001 2026-10-14 6",
    ):
        await say_command(stack, fake, su, line)
    shown = await say_command(stack, fake, su, "/project show")
    assert f"go to superuser {SUPERUSER_ID}" in shown
    await say_command(stack, fake, su, "/close 2026-10")
    assert "queued" in await press(stack, fake, su, "close 2026-10 confirmed")
    await stack.deliver()
    before = len(fake.texts_to(su))
    response = await stack.sms("+46701234571", "NEJ jag var sjuk den 14:e", "SM-dispute-1")
    assert response.status == 200
    await stack.deliver()
    [notice] = fake.texts_to(su)[before:]
    assert "P-0001" in notice and "jag var sjuk den 14:e" in notice

    # Once the project has a coordinator of its own, the notices are theirs.
    await say_command(stack, fake, su, "/coordinator add 102 coordinator")
    assert "go to coordinator 102." in await say_command(stack, fake, su, "/project show")


async def test_notices_fall_back_to_the_superusers_who_work_in_the_project(core: Core) -> None:
    await seed_project(core)
    await superusers.mirror(core.sessions, [7, 8], now=core.clock())

    async def readers() -> list[int]:
        async with core.sessions() as session:
            return [r.telegram_user_id for r in await notices.recipients(session, 1)]

    assert await readers() == [7, 8]  # nobody works in it: every superuser
    async with transaction(core.sessions) as session:
        session.add(ChatProject(telegram_user_id=8, project_id=1, chosen_at=core.clock()))
    assert await readers() == [8]
    # 8 is no longer in the settings: the rows follow them at the next start.
    await superusers.mirror(core.sessions, [7], now=core.clock())
    assert await readers() == [7]
    await superusers.mirror(core.sessions, [], now=core.clock())
    async with transaction(core.sessions) as session:
        told = await notices.tell_coordinators(session, 1, Message("Hello"), now=core.clock())
    assert told == 0 and await readers() == []

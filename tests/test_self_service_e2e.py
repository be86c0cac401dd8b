"""Self-service end to end: keywords into the signed Twilio webhook and the Telegram webhook,
answers and new codes out through the real clients to the fake providers, on SQLite
and PostgreSQL."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlmodel import select

from bot.core.months import Month
from bot.core.sms_segments import MAX_SEGMENTS, segment_count
from bot.usecases.closing.month_close import close_month
from storage.tables import Person, Signature
from tests.stack import (
    PROJECT,
    SUPERUSER_ID,
    Stack,
    next_update_id,
    post_update_and_answer,
    say_command,
    seed_project,
)
from tests.test_webhooks import update

OCTOBER = Month(2026, 10)
_CODE = re.compile(r"\b(\d{6})\b")
_TWIML = re.compile(r"<Message>(.*)</Message>", re.S)
_sids = iter(range(10**6))


async def sms(stack: Stack, phone: str, body: str) -> str:
    """``body`` from ``phone`` into the webhook, signed as Twilio signs; the answer's text."""
    response = await stack.sms(phone, body, f"SM{next(_sids):032x}")
    assert response.status == 200
    found = _TWIML.search(await response.text())
    return html.unescape(found.group(1)) if found else ""


async def signatures(stack: Stack) -> int:
    async with stack.core.sessions() as session:
        return len((await session.exec(select(Signature))).all())


async def test_sms_keywords_through_the_twilio_webhook(stack: Stack, fake_twilio: Any) -> None:
    people = (await seed_project(stack.core)).people  # Swedish speakers
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")
    assert await stack.deliver() == 3
    phone = people["P-0001"]
    [month_end] = fake_twilio.sent_to(phone)
    first = _CODE.search(month_end)
    assert first is not None

    hours = await sms(stack, phone, "TIMMAR")
    assert "oktober 2026, skickad till dig, inte signerad än:" in hours
    assert "Svenska för yrket 19,5 h" in hours and segment_count(hours) <= MAX_SEGMENTS

    still = await sms(stack, phone, "NY KOD")
    assert still.startswith("Din kod för oktober 2026 gäller till 6 nov. 10:00")

    wrong = "000000" if first.group(1) != "000000" else "111111"
    for _ in range(5):
        await sms(stack, phone, wrong)
    stack.clock.advance(minutes=1)  # a new minute of the sender's inbound limit
    asked = await sms(stack, phone, "ny kod")
    assert asked == (
        "En ny kod för oktober 2026 kommer i ett eget meddelande; den gamla gäller inte längre."
    )
    assert await stack.deliver() == 1
    new_message = fake_twilio.sent_to(phone)[-1]
    second = _CODE.search(new_message)
    assert second is not None and second.group(1) != first.group(1)
    assert "Jobbsteget Malmö" in new_message and "Totalt 19,5 h" in new_message

    signed = await sms(stack, phone, f"Kod {second.group(1)[:3]} {second.group(1)[3:]}")
    assert "TS-" in signed and await signatures(stack) == 1
    after = await sms(stack, phone, "mina timmar")
    assert "oktober 2026, signerad, kvitto TS-" in after


async def test_telegram_participant_asks_for_hours_and_a_new_code(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await seed_project(stack.core, language="en")
    async with stack.core.sessions() as session:
        person = (await session.exec(select(Person).where(Person.ref == "P-0002"))).one()
    chat = 777002

    async def say(text: str) -> str:
        return await post_update_and_answer(stack, fake, chat, update(next_update_id(), chat, text))

    assert "Hello Person 2" in await say(f"/start {person.invite_token}")
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")
    assert await stack.deliver() == 3

    hours = await say("/hours")
    assert "October 2026, sent to you, not signed yet:" in hours
    assert "Svenska för yrket 21 h" in hours and "November 2026 so far, open" in hours
    assert "October 2026, sent to you" in await say("my hours")

    for _ in range(5):
        await say("999999")
    stack.clock.advance(minutes=1)
    assert (await say("NEW CODE")).startswith("A new code for October 2026 is on its way")
    assert await stack.deliver() == 1
    code = _CODE.search(fake.texts_to(chat)[-1])
    assert code is not None
    assert "TS-" in await say(f"my code is {code.group(1)}")
    assert await signatures(stack) == 1


async def test_bare_hours_from_anyone_else_is_still_a_coordinator_command(
    stack: Stack, fake_telegram: Any
) -> None:
    await seed_project(stack.core)
    stranger = await say_command(stack, fake_telegram, 4711, "/hours")
    assert "so far" not in stranger and "hittills" not in stranger
    await say_command(stack, fake_telegram, SUPERUSER_ID, f"/project use {PROJECT}")
    usage = await say_command(stack, fake_telegram, SUPERUSER_ID, "/hours")
    assert usage.startswith("Usage: /hours")

"""The receipt page as its readers meet it: a superseded receipt says so as loudly as a
verified one, with the date and the way to the version that replaced it, and its trail
tells what happened to the month."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.usecases.closing.month_close import close_month
from bot.usecases.recording.hours import record_hours
from tests.stack import PROJECT, Stack, seed_project
from tests.test_signing import OCTOBER
from tests.test_webhooks import _CODE, sms_bodies

_RECEIPT = re.compile(r"TS-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


async def sign(stack: Stack, fake_twilio: Any, phone: str, sid: str) -> str:
    await stack.deliver()
    code = _CODE.search(sms_bodies(fake_twilio, phone)[-1])
    assert code is not None
    twiml = await (await stack.sms(phone, code.group(1), sid)).text()
    found = _RECEIPT.search(twiml)
    assert found is not None, twiml
    return found.group(0)


async def test_a_superseded_receipt_says_so_and_leads_to_the_new_one(
    stack: Stack, fake_twilio: Any
) -> None:
    project = await seed_project(stack.core)
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")
    await stack.deliver()
    phone = project.people["P-0001"]
    first = await sign(stack, fake_twilio, phone, "SM" + "a" * 32)
    await record_hours(
        stack.core,
        PROJECT,
        person_ref="P-0001",
        activity_ref="A-001",
        day=date(2026, 10, 7),
        minutes=120,
        actor="test",
        correction=True,
    )
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")
    old = await (await stack.client.get(f"/r/{first}?lang=en")).text()
    assert "This version was superseded on" in old and "by version 2." in old
    assert "Version 2 is not signed yet." in old
    assert 'class="banner old"' in old and 'class="banner ok"' in old
    assert "Replaced by a corrected version" in old  # the trail
    assert "Summary and one-time code made" in old and "Signed" in old
    second = await sign(stack, fake_twilio, phone, "SM" + "b" * 32)
    now = await (await stack.client.get(f"/r/{first}?lang=en")).text()
    assert f'<a href="/r/{second}">Receipt of version 2</a>' in now


async def test_the_trail_names_a_wrong_try_before_the_signature(
    stack: Stack, fake_twilio: Any
) -> None:
    project = await seed_project(stack.core)
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")
    await stack.deliver()
    phone = project.people["P-0002"]
    stack.clock.advance(minutes=5)
    await stack.sms(phone, "000000", "SM" + "c" * 32)
    stack.clock.advance(minutes=5)
    receipt = await sign(stack, fake_twilio, phone, "SM" + "d" * 32)
    page = await (await stack.client.get(f"/r/{receipt}?lang=en")).text()
    trail = page[page.index("<h2>Trail</h2>") :]
    steps = re.findall(r"<li>[^<]*?: ([^<]*)</li>", trail)
    assert steps == [
        "Summary and one-time code made",
        "Month-end message: sent",
        "A wrong code was typed",
        "Signed",
    ]

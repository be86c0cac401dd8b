"""End to end over real HTTP: webhooks into the running app, real twilio and PTB clients out
to the fake providers, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from sqlmodel import select

from bot.commands.runner import run_command
from bot.core.access import Actor
from bot.core.months import Month
from bot.usecases.closing.month_close import close_month
from storage.tables import InboundMessage, OutboxMessage, Person, Signature
from tests.stack import (
    PROJECT,
    PUBLIC_URL,
    WEBHOOK_SECRET,
    Stack,
    seed_project,
    twilio_signature,
    wait_for,
)

OCTOBER = Month(2026, 10)
_CODE = re.compile(r"\b(\d{6})\b")


def sms_bodies(fake_twilio: Any, phone: str) -> list[str]:
    return [m["Body"] for m in fake_twilio.messages if m["To"] == phone]


def telegram_texts(fake_telegram: Any, chat_id: int) -> list[str]:
    return [
        str(c["text"])
        for c in fake_telegram.calls("sendMessage")
        if str(c["chat_id"]) == str(chat_id)
    ]


async def closed_and_delivered(stack: Stack) -> dict[str, str]:
    project = await seed_project(stack.core)
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")
    assert await stack.deliver() == 3
    return project.people


async def signatures(stack: Stack) -> int:
    async with stack.core.sessions() as session:
        return len((await session.exec(select(Signature))).all())


async def test_month_end_sms_goes_out_through_twilio_and_the_code_signs(
    stack: Stack, fake_twilio: Any
) -> None:
    people = await closed_and_delivered(stack)
    phone = people["P-0001"]
    [body] = sms_bodies(fake_twilio, phone)
    code = _CODE.search(body)
    assert code is not None and "[[CODE]]" not in body
    response = await stack.sms(phone, code.group(1), "SM" + "1" * 32)
    assert response.status == 200
    twiml = await response.text()
    assert "<Message>" in twiml and "TS-" in twiml
    assert f"{PUBLIC_URL}/r/TS-" in twiml
    assert await signatures(stack) == 1
    async with stack.core.sessions() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    assert all(r.sealed_code is None and r.state == "sent" for r in rows)


async def test_receipt_page_shows_the_evidence_as_html_and_json(
    stack: Stack, fake_twilio: Any
) -> None:
    people = await closed_and_delivered(stack)
    phone = people["P-0002"]
    code = _CODE.search(sms_bodies(fake_twilio, phone)[0])
    assert code is not None
    twiml = await (await stack.sms(phone, code.group(1), "SM" + "2" * 32)).text()
    receipt = re.search(r"TS-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", twiml)
    assert receipt is not None
    page = await stack.client.get(f"/r/{receipt.group(0)}")
    html = await page.text()
    # In the signer's language (Swedish) unless the reader asks for another.
    assert page.status == 200 and "Person 2" in html and "Verifierad" in html
    assert '<html lang="sv">' in html and "<svg" in html  # and a QR code of its address
    assert phone not in html  # the sender is masked
    english = await (await stack.client.get(f"/r/{receipt.group(0)}?lang=en")).text()
    assert "Verified:" in english and "A one-time code sent by SMS" in english
    polish = await stack.client.get(f"/r/{receipt.group(0)}", headers={"Accept-Language": "pl"})
    assert "Zweryfikowano" in await polish.text()
    # A language we do not have, or a hostile value, is the signer's language again.
    for odd in ("xx", "<script>", "sv" * 500):
        page_odd = await stack.client.get(f"/r/{receipt.group(0)}", params={"lang": odd})
        assert page_odd.status == 200 and '<html lang="sv">' in await page_odd.text()
    for name, value in (
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
        ("X-Frame-Options", "DENY"),
    ):
        assert page.headers[name] == value
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert "Server" not in page.headers
    data = await (
        await stack.client.get(f"/r/{receipt.group(0)}", headers={"Accept": "application/json"})
    ).json()
    assert data["content_unchanged"] and data["seal_valid"]
    assert data["month"] == "2026-10" and data["channel"] == "sms"
    assert data["time_zone"] == "Europe/Stockholm"
    assert data["signed_at_local"].endswith("+01:00")


async def test_tampered_content_shows_on_the_receipt_page(stack: Stack, fake_twilio: Any) -> None:
    from storage.tables import MonthlySummary

    people = await closed_and_delivered(stack)
    phone = people["P-0001"]
    code = _CODE.search(sms_bodies(fake_twilio, phone)[0])
    assert code is not None
    twiml = await (await stack.sms(phone, code.group(1), "SM" + "3" * 32)).text()
    receipt = re.search(r"TS-[0-9A-Z-]{14}", twiml)
    assert receipt is not None
    async with stack.core.sessions() as session, session.begin():
        signed = select(MonthlySummary).where(MonthlySummary.state == "signed")
        summary = (await session.exec(signed)).one()
        summary.document = summary.document.replace("Person 1", "Person 9")
        session.add(summary)
    data = await (
        await stack.client.get(f"/r/{receipt.group(0)}", headers={"Accept": "application/json"})
    ).json()
    assert data["content_unchanged"] is False


async def test_unknown_receipt_is_404_and_malformed_is_404(stack: Stack) -> None:
    missing = await stack.client.get("/r/TS-0000-0000-0000", headers={"Accept-Language": "sv"})
    assert missing.status == 404 and "Inget kvitto med det numret" in await missing.text()
    assert missing.headers["X-Frame-Options"] == "DENY" and "Server" not in missing.headers
    assert (await stack.client.get("/r/..%2F..%2Fetc")).status == 404
    response = await stack.client.get("/r/nonsense", headers={"Accept": "application/json"})
    assert response.status == 404 and "error" in await response.json()


async def test_forged_twilio_signature_is_403_and_stores_nothing(stack: Stack) -> None:
    people = await closed_and_delivered(stack)
    response = await stack.sms(people["P-0001"], "123456", "SM" + "4" * 32, signature="forged")
    assert response.status == 403
    missing = await stack.client.post(
        "/webhooks/twilio/sms", data={"MessageSid": "SM1", "From": "+46701234561", "Body": "x"}
    )
    assert missing.status == 403
    async with stack.core.sessions() as session:
        assert (await session.exec(select(InboundMessage))).all() == []


async def test_signature_over_other_params_is_refused(stack: Stack) -> None:
    params = {"MessageSid": "SM" + "5" * 32, "From": "+46701234561", "Body": "STOP"}
    signature = twilio_signature(PUBLIC_URL + "/webhooks/twilio/sms", params)
    tampered = {**params, "Body": "START"}
    response = await stack.client.post(
        "/webhooks/twilio/sms", data=tampered, headers={"X-Twilio-Signature": signature}
    )
    assert response.status == 403


async def test_signed_but_incomplete_form_is_400(stack: Stack) -> None:
    params = {"Body": "hello"}
    signature = twilio_signature(PUBLIC_URL + "/webhooks/twilio/sms", params)
    response = await stack.client.post(
        "/webhooks/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status == 400
    assert "MessageSid" in await response.text()


async def test_same_message_sid_twice_signs_once(stack: Stack, fake_twilio: Any) -> None:
    people = await closed_and_delivered(stack)
    phone = people["P-0003"]
    code = _CODE.search(sms_bodies(fake_twilio, phone)[0])
    assert code is not None
    first = await stack.sms(phone, code.group(1), "SM" + "6" * 32)
    second = await stack.sms(phone, code.group(1), "SM" + "6" * 32)
    assert first.status == second.status == 200
    assert await first.text() == await second.text()
    assert await signatures(stack) == 1


async def test_two_concurrent_correct_replies_give_one_signature(
    stack: Stack, fake_twilio: Any
) -> None:
    people = await closed_and_delivered(stack)
    phone = people["P-0001"]
    code = _CODE.search(sms_bodies(fake_twilio, phone)[0])
    assert code is not None
    responses = await asyncio.gather(
        stack.sms(phone, code.group(1), "SM" + "7" * 32),
        stack.sms(phone, code.group(1), "SM" + "8" * 32),
    )
    assert [r.status for r in responses] == [200, 200]
    assert await signatures(stack) == 1


async def test_unknown_sender_gets_a_polite_answer(stack: Stack) -> None:
    await closed_and_delivered(stack)
    response = await stack.sms("+46709999999", "123456", "SM" + "9" * 32)
    assert response.status == 200 and "<Message>" in await response.text()
    assert await signatures(stack) == 0


async def test_status_callback_marks_delivery(stack: Stack, fake_twilio: Any) -> None:
    await closed_and_delivered(stack)
    async with stack.core.sessions() as session:
        row = (await session.exec(select(OutboxMessage))).first()
    assert row is not None and row.provider_message_id
    params = {"MessageSid": row.provider_message_id, "MessageStatus": "delivered"}
    url = PUBLIC_URL + "/webhooks/twilio/status"
    ok = await stack.client.post(
        "/webhooks/twilio/status",
        data=params,
        headers={"X-Twilio-Signature": twilio_signature(url, params)},
    )
    assert ok.status == 204
    late = {"MessageSid": row.provider_message_id, "MessageStatus": "sent"}
    await stack.client.post(
        "/webhooks/twilio/status",
        data=late,
        headers={"X-Twilio-Signature": twilio_signature(url, late)},
    )
    async with stack.core.sessions() as session:
        again = await session.get(OutboxMessage, row.id)
    assert again is not None and again.state == "delivered"  # out-of-order 'sent' ignored
    forged = await stack.client.post(
        "/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": "nope"}
    )
    assert forged.status == 403


def update(update_id: int, chat_id: int, text: str | None = None, **message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": update_id,
        "date": 1762160400,
        "chat": {"id": chat_id, "type": "private", "first_name": "P"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "P", "language_code": "sv"},
        **message,
    }
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
    return {"update_id": update_id, "message": body}


async def post_update(stack: Stack, payload: dict[str, Any], secret: str = WEBHOOK_SECRET) -> int:
    response = await stack.client.post(
        "/webhooks/telegram",
        data=json.dumps(payload),
        headers={"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"},
    )
    return response.status


async def test_telegram_webhook_refuses_a_wrong_secret(stack: Stack) -> None:
    assert await post_update(stack, update(1, 555, "hi"), secret="wrong") == 403
    assert await post_update(stack, update(1, 555, "hi"), secret="") == 403


async def test_telegram_webhook_refuses_malformed_json(stack: Stack) -> None:
    for body in ("{not json", "[]", '{"no_update_id": 1}', '{"update_id": "x"}'):
        response = await stack.client.post(
            "/webhooks/telegram",
            data=body,
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert response.status == 400, body


async def test_webhook_is_registered_with_the_secret(fake_telegram: Any, stack: Stack) -> None:
    [call] = fake_telegram.calls("setWebhook")
    assert call["url"] == PUBLIC_URL + "/webhooks/telegram"
    assert call["secret_token"] == WEBHOOK_SECRET


async def test_invite_link_then_code_over_telegram(stack: Stack, fake_telegram: Any) -> None:
    await seed_project(stack.core)
    async with stack.core.sessions() as session:
        person = (await session.exec(select(Person).where(Person.ref == "P-0001"))).one()
    chat = 777001
    assert await post_update(stack, update(10, chat, f"/start {person.invite_token}")) == 200
    await wait_for(lambda: _has_text(fake_telegram, chat))
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")
    await stack.deliver()
    month_end = telegram_texts(fake_telegram, chat)[-1]
    code = _CODE.search(month_end)
    assert code is not None
    assert await post_update(stack, update(11, chat, code.group(1))) == 200
    await wait_for(lambda: _signed(stack))
    await wait_for(lambda: _has_text(fake_telegram, chat, "TS-"))
    # The same update again acts once.
    assert await post_update(stack, update(11, chat, code.group(1))) == 200
    await stack.settled()
    assert await signatures(stack) == 1


async def test_shared_contact_links_only_the_senders_own_number(
    stack: Stack, fake_telegram: Any
) -> None:
    people = (await seed_project(stack.core)).people
    phone = people["P-0002"].lstrip("+")
    other = update(20, 9001, contact={"phone_number": phone, "first_name": "X", "user_id": 1234})
    assert await post_update(stack, other) == 200
    own = update(21, 9002, contact={"phone_number": phone, "first_name": "P", "user_id": 9002})
    assert await post_update(stack, own) == 200
    await wait_for(lambda: _has_text(fake_telegram, 9002))
    async with stack.core.sessions() as session:
        person = (await session.exec(select(Person).where(Person.ref == "P-0002"))).one()
    assert person.telegram_chat_id == 9002 and person.channel == "telegram"


async def test_health_and_metrics(stack: Stack) -> None:
    await closed_and_delivered(stack)
    health = await stack.client.get("/healthz")
    assert health.status == 200 and (await health.json())["database"] == "ok"
    metrics = await (await stack.client.get("/metrics")).text()
    assert 'timesign_messages{channel="sms",state="sent"} 3.0' in metrics
    assert "timesign_signatures 0.0" in metrics


async def _has_text(fake_telegram: Any, chat: int, fragment: str = "") -> bool:
    return any(fragment in t for t in telegram_texts(fake_telegram, chat))


async def _signed(stack: Stack) -> bool:
    return await signatures(stack) == 1


async def test_undelivered_status_tells_the_coordinators_once(
    stack: Stack, fake_telegram: Any
) -> None:
    await closed_and_delivered(stack)
    await run_command(
        stack.core, Actor("test", superuser=True), PROJECT, ["coordinator", "add", "4242"]
    )
    async with stack.core.sessions() as session:
        row = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "month_end"))
        ).first()
    assert row is not None and row.provider_message_id
    params = {
        "MessageSid": row.provider_message_id,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
    }
    url = PUBLIC_URL + "/webhooks/twilio/status"
    for _ in range(2):  # Twilio retries callbacks: the notice goes out once
        answer = await stack.client.post(
            "/webhooks/twilio/status",
            data=params,
            headers={"X-Twilio-Signature": twilio_signature(url, params)},
        )
        assert answer.status == 204
    await stack.deliver()
    [notice] = fake_telegram.texts_to(4242)
    assert "kunde inte levereras" in notice and "30003" in notice  # the project speaks sv
    async with stack.core.sessions() as session:
        again = await session.get(OutboxMessage, row.id)
    assert again is not None and again.state == "undelivered"


async def test_a_callback_that_beats_the_worker_is_applied_when_the_send_is_recorded(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    await seed_project(stack.core, people=1)
    await run_command(
        stack.core, Actor("test", superuser=True), PROJECT, ["coordinator", "add", "4242"]
    )
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")
    sid = "SM" + "e" * 32
    fake_twilio.next_sids.append(sid)
    # Twilio reports failure before our worker has even recorded the SID.
    params = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "30006"}
    url = PUBLIC_URL + "/webhooks/twilio/status"
    early = await stack.client.post(
        "/webhooks/twilio/status",
        data=params,
        headers={"X-Twilio-Signature": twilio_signature(url, params)},
    )
    assert early.status == 204
    await stack.deliver()
    async with stack.core.sessions() as session:
        row = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "month_end"))
        ).one()
    assert row.provider_message_id == sid and row.state == "failed"
    await stack.deliver()
    assert any("30006" in text for text in fake_telegram.texts_to(4242))

"""Odd bytes and odd shapes get a 4xx and change nothing; none gives a 500."""

from __future__ import annotations

import json
import random

from sqlmodel import select

from storage.tables import InboundMessage
from tests.stack import PUBLIC_URL, WEBHOOK_SECRET, Stack, twilio_signature
from tests.test_webhooks import closed_and_delivered, post_update, update

TWILIO_PATHS = ("/webhooks/twilio/sms", "/webhooks/twilio/status")


async def test_multipart_and_undecodable_forms_are_refused_before_the_signature(
    stack: Stack,
) -> None:
    boundary = "xyz"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="Body\xff"\r\n\r\nhi\r\n'
        f"--{boundary}--\r\n"
    ).encode("latin-1")
    for path in TWILIO_PATHS:
        response = await stack.client.post(
            path,
            data=multipart,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert response.status == 415, path
        for body in (b"Body%FF=1&MessageSid=SM1&From=%2B46", b"\xff\xfe=\x00"):
            response = await stack.client.post(
                path,
                data=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": "x",
                },
            )
            assert response.status in (400, 403), (path, body, response.status)


async def signed_post(stack: Stack, path: str, params: dict[str, str]) -> int:
    signature = twilio_signature(PUBLIC_URL + path, params)
    response = await stack.client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    return response.status


async def test_signed_posts_with_nul_bytes_are_kept_or_refused_never_500(stack: Stack) -> None:
    people = await closed_and_delivered(stack)
    phone = people["P-0001"]
    ok = {"MessageSid": "SM" + "7" * 32, "From": phone, "Body": "jag\x00 var sjuk"}
    assert await signed_post(stack, "/webhooks/twilio/sms", ok) == 200
    for params in (
        {"MessageSid": "SM\x00" + "8" * 31, "From": phone, "Body": "NEJ"},
        {"MessageSid": "SM" + "9" * 32, "From": "+4670\x00", "Body": "NEJ"},
    ):
        assert await signed_post(stack, "/webhooks/twilio/sms", params) == 400
    status = {"MessageSid": "SM\x00", "MessageStatus": "delivered"}
    assert await signed_post(stack, "/webhooks/twilio/status", status) == 400
    status = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "fail\x00ed", "ErrorCode": "\x00"}
    assert await signed_post(stack, "/webhooks/twilio/status", status) == 204
    async with stack.core.sessions() as session:
        [kept] = (await session.exec(select(InboundMessage))).all()
    assert kept.body == "jag\ufffd var sjuk"


async def test_fuzzed_signed_twilio_bodies_never_give_500(stack: Stack) -> None:
    rng = random.Random(20261203)
    alphabet = "\x00\x01\n\r\t\u00e5\u0142\ufffd\U0001f600 SM+0123456789abc%&=\\'\""
    for n in range(150):
        params = {
            "MessageSid": "".join(rng.choices(alphabet, k=rng.randint(0, 40))),
            "From": "".join(rng.choices(alphabet, k=rng.randint(0, 16))),
            "Body": "".join(rng.choices(alphabet, k=rng.randint(0, 200))),
            "MessageStatus": rng.choice(["delivered", "failed", "\x00", ""]),
        }
        for path in TWILIO_PATHS:
            status = await signed_post(stack, path, params)
            assert status < 500, (n, path, params)


async def test_odd_telegram_updates_are_400_not_tracebacks(stack: Stack) -> None:
    big = 2**70
    odd: list[str] = [
        '{"update_id": 1, "message": ' + '{"x": ' * 5000 + "1" + "}" * 5001,
        '{"update_id": 1, "message": {"chat": ' + '{"x": ' * 30 + "1" + "}" * 32,
        "[" * 100_000,
        json.dumps(update(2, 555, "hi", date=big)),
        json.dumps(update(3, big, "hi")),
        json.dumps(update(4, 555, None, caption=12345)),
        json.dumps(update(4, 555, "hi")).replace('"text": "hi"', '"text": 12345'),
        json.dumps({k: v for k, v in update(5, 555, "hi").items()} | {"update_id": big}),
        json.dumps({"update_id": 6, "callback_query": {"id": "1", "data": 5}}),
    ]
    without_sender = update(7, 555, "hi")
    del without_sender["message"]["from"]
    odd.append(json.dumps(without_sender))
    for body in odd:
        response = await stack.client.post(
            "/webhooks/telegram",
            data=body,
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert response.status == 400, str(body)[:80]
    assert await post_update(stack, update(8, 555, "hi")) == 200

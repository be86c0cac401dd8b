"""No input gives a 500: hypothesis generates bodies for every endpoint, signed (the
right Twilio signature, the Telegram secret) and unsigned, and the server must answer
each with 2xx, 400, 401, 403, 404, 405, 413 or 415, and log no error or traceback, on
SQLite and PostgreSQL. The bodies are generated first and then posted, since the
server and the test share one event loop; a failure names the body that caused it.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.stack import (
    PUBLIC_URL,
    TWILIO_SID,
    WEBHOOK_SECRET,
    Stack,
    seed_project,
    twilio_signature,
)

pytestmark = pytest.mark.slow

PER_ENDPOINT = 2000
T = TypeVar("T")
ANSWERS = {200, 204, 400, 401, 403, 404, 405, 413, 415}


def generated(strategy: st.SearchStrategy[T], n: int = PER_ENDPOINT, seed: int = 0) -> list[T]:
    found: list[T] = []

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def grab(example: T) -> None:
        found.append(example)

    grab._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]
    grab()
    return found


# --- what senders may put in a field -------------------------------------------------
anything = st.text(max_size=40)  # NUL and control characters included
# What an HTTP client can put in a header at all: printable Latin-1, no C1 controls.
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF).filter(
        lambda c: not 0x7F <= ord(c) <= 0x9F
    ),
    max_size=40,
)
FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]
COMMANDS = ["/help", "/status", "123456", "/person list"]
ids = st.one_of(st.from_regex(r"\ASM[0-9a-f]{32}\Z"), anything)
phones = st.one_of(st.sampled_from(["+46701234561", "+46701234562", "+48601234567"]), anything)
bodies = st.one_of(st.sampled_from(["123456", "NEJ fel dag", "STOPP", "hjälp"]), st.text())
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=25,
)
big_ints = st.one_of(st.integers(), st.integers(min_value=2**53, max_value=2**80))
small_ints = st.integers(min_value=1, max_value=10**10)
ints = st.one_of(small_ints, small_ints, small_ints, big_ints)  # mostly ids Telegram would use


@st.composite
def twilio_form(draw: Callable[..., Any], status: bool) -> tuple[bytes, dict[str, str]]:
    """A form body and its headers: well formed and signed, or anything at all."""
    path = "/webhooks/twilio/status" if status else "/webhooks/twilio/sms"
    kind = draw(st.sampled_from(["signed", "signed", "unsigned", "raw"]))
    if kind == "raw":
        raw = draw(st.binary(max_size=300))
        pairs = draw(st.lists(st.tuples(st.binary(max_size=10), st.binary(max_size=20))))
        encoded = "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in pairs)
        body = draw(st.sampled_from([raw, encoded.encode()]))
        content_type = draw(
            st.sampled_from(
                [
                    "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x",
                    "text/plain",
                ]
            )
        )
        headers = {"Content-Type": content_type, "X-Twilio-Signature": draw(header_text)}
        return body, headers
    params = {"MessageSid": draw(ids), "AccountSid": TWILIO_SID}
    if status:
        params["MessageStatus"] = draw(
            st.one_of(st.sampled_from(["delivered", "failed", "undelivered", "read"]), anything)
        )
        params["ErrorCode"] = draw(st.one_of(st.just(""), anything))
    else:
        params |= {"From": draw(phones), "To": "+46700000000", "Body": draw(bodies)}
    params |= draw(st.dictionaries(st.text(min_size=1, max_size=10), anything, max_size=3))
    params = {k: v for k, v in params.items() if v != "" or k == "ErrorCode"}
    signed = kind == "signed"
    signature = twilio_signature(PUBLIC_URL + path, params) if signed else draw(header_text)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return urlencode(params).encode(), headers


@st.composite
def telegram_update(draw: Callable[..., Any]) -> tuple[bytes, dict[str, str]]:
    secret = draw(st.one_of(st.just(WEBHOOK_SECRET), st.just(WEBHOOK_SECRET), header_text))
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
    kind = draw(st.sampled_from(["message", "message", "button", "json", "raw"]))
    if kind == "raw":
        return draw(st.binary(max_size=300)), headers
    if kind == "json":
        return json.dumps(draw(json_values)).encode(), headers
    user = {"id": draw(ints), "is_bot": False, "first_name": draw(anything)}
    if draw(st.booleans()):
        user["language_code"] = draw(st.sampled_from(["sv", "pl", "en", "xx"]))
    update: dict[str, Any] = {"update_id": draw(ints)}
    if kind == "button":
        update["callback_query"] = {
            "id": draw(anything),
            "from": draw(st.one_of(st.just(user), json_values)),
            "chat_instance": "1",
            "data": draw(
                st.one_of(st.sampled_from(["status", "help", "unsigned 2026-10"]), anything)
            ),
        }
    else:
        text = draw(
            st.one_of(
                st.sampled_from(["/help", "/status", "123456", "/person list"]),
                st.text(),
                json_values,
            )
        )
        message: dict[str, Any] = {
            "message_id": draw(big_ints),
            "date": draw(st.one_of(st.just(1762160400), big_ints)),
            "chat": {
                "id": user["id"] if draw(st.booleans()) else draw(big_ints),
                "type": "private",
            },
            "text": text,
        }
        if draw(st.integers(0, 9)):
            message["from"] = user
        if isinstance(text, str) and text.startswith("/") and draw(st.booleans()):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        update["message"] = message
    return json.dumps(update).encode(), headers


receipts = st.one_of(
    st.from_regex(r"\A[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\Z"),
    st.text(min_size=1, max_size=40),
    st.binary(min_size=1, max_size=20).map(quote_from_bytes),
)
queries = st.one_of(st.just(""), st.text(max_size=20).map(lambda q: "?" + quote(q, safe="=&")))
accepts = st.one_of(st.sampled_from(["text/html", "application/json", "*/*"]), header_text)


async def test_no_generated_body_gives_a_server_error(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    await seed_project(stack.core)
    caplog.set_level(logging.INFO)
    statuses: dict[str, Counter[int]] = {}

    async def send(
        endpoint: str, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> None:
        response = await stack.client.request(method, path, data=body, headers=headers)
        await response.read()
        statuses.setdefault(endpoint, Counter())[response.status] += 1
        assert response.status in ANSWERS, (endpoint, response.status, body[:300], headers)

    for body, headers in generated(twilio_form(status=False), seed=1):
        await send("sms", "POST", "/webhooks/twilio/sms", body, headers)
    for body, headers in generated(twilio_form(status=True), seed=2):
        await send("status", "POST", "/webhooks/twilio/status", body, headers)
    for body, headers in generated(telegram_update(), seed=3):
        await send("telegram", "POST", "/webhooks/telegram", body, headers)
    for receipt, query, accept in generated(st.tuples(receipts, queries, accepts), seed=4):
        path = "/r/" + quote(receipt, safe="") + query
        await send("receipt", "GET", path, b"", {"Accept": accept})
    await stack.settled(60)

    print({endpoint: dict(counts) for endpoint, counts in statuses.items()})
    assert all(sum(c.values()) >= PER_ENDPOINT for c in statuses.values())
    webhooks = [statuses[name] for name in ("sms", "status", "telegram")]
    assert all(c[200] + c[204] > 0 for c in webhooks)  # some got through
    assert all(c[400] + c[403] + c[404] > 0 for c in statuses.values())  # some did not
    troubles = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not troubles, [(r.name, r.getMessage()[:200]) for r in troubles[:5]]

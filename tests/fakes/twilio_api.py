"""A fake Twilio REST API on 127.0.0.1: records messages, answers like Twilio, fails on cue."""

from __future__ import annotations

import asyncio
import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Failure:
    status: int
    code: int | None = None
    retry_after: int | None = None


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    url: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)  # accepted messages
    requests: int = 0
    answered: int = 0  # requests handled to the end (a stalled one finishes late)
    delay: float = 0.0  # seconds before answering, to simulate a stalled provider
    next_sids: list[str] = field(default_factory=list)  # SIDs to hand out first
    _next: list[Failure] = field(default_factory=list)
    _by_address: dict[str, Failure] = field(default_factory=dict)

    def fail_next(
        self, n: int = 1, *, status: int, code: int | None = None, retry_after: int | None = None
    ) -> None:
        self._next.extend(Failure(status, code, retry_after) for _ in range(n))

    def fail_for(self, address: str, *, status: int, code: int | None = None) -> None:
        self._by_address[address] = Failure(status, code)

    def sent_to(self, address: str) -> list[str]:
        return [m["Body"] for m in self.messages if m["To"] == address]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        return app

    async def _create(self, request: web.Request) -> web.Response:
        self.requests += 1
        try:
            return await self._answer(request)
        finally:
            self.answered += 1

    async def _answer(self, request: web.Request) -> web.Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        expected = (
            "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        )
        if (
            request.headers.get("Authorization") != expected
            or request.match_info["sid"] != self.account_sid
        ):
            return _error(401, 20003, "Authenticate")
        form = {k: str(v) for k, v in (await request.post()).items()}
        failure = self._next.pop(0) if self._next else self._by_address.get(form.get("To", ""))
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else None
            return _error(failure.status, failure.code, "scripted failure", headers)
        if "To" not in form or "Body" not in form:
            return _error(400, 21604, "A 'To' phone number and a 'Body' are required.")
        sid = self.next_sids.pop(0) if self.next_sids else "SM" + uuid.uuid4().hex
        self.messages.append({**form, "Sid": sid})
        return web.json_response(_resource(self.account_sid, sid, form), status=201)


def _error(
    status: int, code: int | None, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    body: dict[str, Any] = {
        "code": code,
        "message": message,
        "status": status,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
    }
    return web.json_response(body, status=status, headers=headers)


def _resource(account_sid: str, sid: str, form: dict[str, str]) -> dict[str, Any]:
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": form["Body"],
        "date_created": "Tue, 03 Nov 2026 09:00:00 +0000",
        "date_sent": None,
        "date_updated": "Tue, 03 Nov 2026 09:00:00 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {},
        "to": form["To"],
        "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
    }

"""A fake Telegram Bot API on 127.0.0.1, reached by python-telegram-bot through base_url.

It records every call, answers like the Bot API, fails on cue per chat or for the next
calls, and refuses methods it does not know, loudly, so a test notices an unexpected call.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 123456


@dataclass
class Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None = None


@dataclass
class FakeTelegram:
    token: str
    url: str = ""
    log: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)  # time.monotonic() of each call in log
    unexpected: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    # The message_id each sendMessage / sendDocument call was given, by id() of its params.
    _ids: dict[int, int] = field(default_factory=dict)
    _next: list[Failure] = field(default_factory=list)
    _by_chat: dict[str, list[Failure]] = field(default_factory=dict)
    _by_method: dict[str, list[Failure]] = field(default_factory=dict)
    _message_id: int = 0

    def calls(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.log if name == method]

    def texts_to(self, chat_id: int | str) -> list[str]:
        return [
            str(p["text"]) for p in self.calls("sendMessage") if str(p["chat_id"]) == str(chat_id)
        ]

    def message_id_of(self, params: dict[str, Any]) -> int:
        """The message_id the fake gave the message sent with ``params`` (from ``calls``)."""
        return self._ids[id(params)]

    def edits_of(self, chat_id: int | str, message_id: int) -> list[dict[str, Any]]:
        """Every editMessageText of one message, in order."""
        return [
            p
            for p in self.calls("editMessageText")
            if str(p.get("chat_id")) == str(chat_id) and int(p["message_id"]) == message_id
        ]

    def sent_to(self, chat_id: int | str) -> list[tuple[float, str]]:
        """(arrival on the monotonic clock, text) of each sendMessage to the chat."""
        return [
            (at, str(params["text"]))
            for at, (name, params) in zip(self.arrived, self.log, strict=True)
            if name == "sendMessage" and str(params["chat_id"]) == str(chat_id)
        ]

    def fail_next(
        self, n: int = 1, *, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        self._next.extend(Failure(status, description, parameters) for _ in range(n))

    def fail_chat(
        self,
        chat_id: int | str,
        *,
        status: int,
        description: str,
        parameters: dict[str, Any] | None = None,
        times: int = 1000,
    ) -> None:
        self._by_chat[str(chat_id)] = [Failure(status, description, parameters)] * times

    def fail_method(self, method: str, *, status: int, description: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` fail (others go through)."""
        self._by_method[method] = [Failure(status, description)] * times

    # Well-known failures, worded as Telegram words them.
    def blocked(self, chat_id: int | str) -> None:
        self.fail_chat(chat_id, status=403, description="Forbidden: bot was blocked by the user")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._call)
        app.router.add_get("/bot{token}/{method}", self._call)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        return app

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if hasattr(value, "file"):
                params[key] = {"filename": value.filename, "content": value.file.read()}
            else:
                params[key] = value
        return params

    async def _call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _fail(Failure(401, "Unauthorized"))
        method = request.match_info["method"]
        params = await self._params(request)
        self.log.append((method, params))
        self.arrived.append(time.monotonic())
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            self.unexpected.append(method)
            return _fail(Failure(500, f"fake Telegram does not know {method}"))
        chat = str(params.get("chat_id", ""))
        if self._next:
            return _fail(self._next.pop(0))
        if self._by_chat.get(chat):
            return _fail(self._by_chat[chat].pop(0))
        if self._by_method.get(method):
            return _fail(self._by_method[method].pop(0))
        return web.json_response({"ok": True, "result": handler(params)})

    async def _file(self, request: web.Request) -> web.Response:
        content = self.files.get(request.match_info["path"])
        if content is None:
            raise web.HTTPNotFound()
        return web.Response(body=content)

    def _m_getMe(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "timesign",
            "username": "timesign_test_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message(
        self, p: dict[str, Any], message_id: int | None = None, **extra: Any
    ) -> dict[str, Any]:
        if message_id is None:
            self._message_id += 1
            message_id = self._ids[id(p)] = self._message_id
        chat_id = int(p["chat_id"])
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "timesign"},
            **extra,
        }

    def _m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._message(p, text=p["text"], **_inline_keyboard(p))

    def _m_sendDocument(self, p: dict[str, Any]) -> dict[str, Any]:
        doc = p.get("document") or {}
        return self._message(
            p,
            document={
                "file_id": "doc1",
                "file_unique_id": "u1",
                "file_name": doc.get("filename", "file"),
            },
        )

    def _m_editMessageText(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        """The same message, with its new text (and keyboard), as Telegram answers."""
        if "chat_id" not in p:
            return True  # an inline message: Telegram answers just True
        return self._message(
            p, message_id=int(p["message_id"]), text=p["text"], **_inline_keyboard(p)
        )

    def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        if "chat_id" not in p:
            return True
        return self._message(p, message_id=int(p["message_id"]), text="", **_inline_keyboard(p))

    def _m_getFile(self, p: dict[str, Any]) -> dict[str, Any]:
        path = f"documents/{p['file_id']}"
        return {
            "file_id": p["file_id"],
            "file_unique_id": p["file_id"],
            "file_path": path,
            "file_size": len(self.files.get(path, b"")),
        }

    def _m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        pending = [u for u in self.updates if u["update_id"] >= offset]
        return pending

    def _m_setWebhook(self, _p: dict[str, Any]) -> bool:
        return True

    def _m_deleteWebhook(self, _p: dict[str, Any]) -> bool:
        return True

    def _m_getWebhookInfo(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    def _m_setMyCommands(self, _p: dict[str, Any]) -> bool:
        return True

    def _m_answerCallbackQuery(self, _p: dict[str, Any]) -> bool:
        return True


def _inline_keyboard(p: dict[str, Any]) -> dict[str, Any]:
    markup = p.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return {"reply_markup": markup}
    return {}


def _fail(failure: Failure) -> web.Response:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": failure.status,
        "description": failure.description,
    }
    if failure.parameters:
        body["parameters"] = failure.parameters
    return web.json_response(body, status=failure.status)

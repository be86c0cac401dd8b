"""A real headless Chromium, driven over the DevTools protocol with aiohttp's websocket.

No browser download and no driver: Debian's ``chromium`` package (``.ci/run`` installs it
where missing) and axe-core from npm (``TIMESIGN_AXE_JS``, or ``.ci/node_modules``).
A page is opened at a given width; the test reads layout facts with JavaScript, takes a
screenshot, and runs axe-core's audit in the page.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def axe_path() -> Path | None:
    configured = os.environ.get("TIMESIGN_AXE_JS")
    candidates = [Path(configured)] if configured else []
    candidates.append(ROOT / ".ci" / "node_modules" / "axe-core" / "axe.min.js")
    return next((path for path in candidates if path.is_file()), None)


class Page:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse, session_id: str) -> None:
        self._ws = ws
        self._session = session_id
        self._ids = itertools.count(1)
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        await self._ws.send_json(
            {"id": ident, "method": method, "params": params, "sessionId": self._session}
        )
        while True:
            message = await asyncio.wait_for(self._ws.receive_json(), timeout=30)
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            if "method" in message:
                await self._events.put(message)

    async def wait_for_event(self, name: str) -> None:
        while True:
            try:
                event = self._events.get_nowait()
            except asyncio.QueueEmpty:
                event = await asyncio.wait_for(self._ws.receive_json(), timeout=30)
            if event.get("method") == name:
                return

    async def open(self, url: str, width: int, height: int = 900) -> None:
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )
        await self.send("Page.enable")
        await self.send("Page.navigate", url=url)
        await self.wait_for_event("Page.loadEventFired")

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))

    async def axe_violations(self, axe_js: Path) -> list[dict[str, Any]]:
        """axe-core's violations on the open page (WCAG 2.1 A and AA and best practice)."""
        await self.evaluate(await asyncio.to_thread(axe_js.read_text, encoding="utf-8"))
        report = await self.evaluate(
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => JSON.stringify(r.violations))"
        )
        return list(json.loads(report))


@asynccontextmanager
async def chromium() -> AsyncIterator[Page]:
    binary = chromium_path()
    assert binary is not None
    with tempfile.TemporaryDirectory() as profile:
        process = await asyncio.create_subprocess_exec(
            binary,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stderr is not None
            url = None
            while url is None:
                line = (await asyncio.wait_for(process.stderr.readline(), timeout=60)).decode()
                if not line:
                    raise RuntimeError("chromium ended before it listened")
                found = re.search(r"ws://[^\s]+", line)
                url = found.group(0) if found else None
            async with (
                aiohttp.ClientSession() as http,
                http.ws_connect(url, max_msg_size=64 * 1024 * 1024) as ws,
            ):
                await ws.send_json(
                    {"id": 1, "method": "Target.createTarget", "params": {"url": "about:blank"}}
                )
                target = await _reply(ws, 1)
                await ws.send_json(
                    {
                        "id": 2,
                        "method": "Target.attachToTarget",
                        "params": {"targetId": target["targetId"], "flatten": True},
                    }
                )
                attached = await _reply(ws, 2)
                yield Page(ws, attached["sessionId"])
        finally:
            process.kill()
            await process.wait()


async def _reply(ws: aiohttp.ClientWebSocketResponse, ident: int) -> dict[str, Any]:
    while True:
        message = await asyncio.wait_for(ws.receive_json(), timeout=30)
        if message.get("id") == ident:
            return dict(message["result"])

"""GET /r/{receipt}: the verification page an auditor opens (HTML, or the evidence file).

The page is in the reader's language: ``?lang=sv|en|pl`` first, then the browser's
Accept-Language, then the signer's own language; the 404 likewise without a signer.
"""

from __future__ import annotations

from aiohttp import web

from bot.core.evidence import normalize_receipt
from bot.core.i18n import LANGUAGES
from bot.usecases.evidence.checking import check, evidence_file_of
from handlers.keys import CORE
from handlers.receipt_html import HEADERS, render_not_found, render_receipt
from storage import evidence_log
from storage.receipts import find_receipt, messages_of, successor_of


def _asked_language(request: web.Request) -> str | None:
    asked = request.query.get("lang", "")
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return None


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


async def receipt_page(request: web.Request) -> web.Response:
    wants_json = _wants_json(request)
    receipt = normalize_receipt(request.match_info["receipt"][:64])
    core = request.app[CORE]
    record = await find_receipt(core.sessions, receipt) if receipt else None
    if record is None:
        if wants_json:
            return web.json_response(
                {"error": "No receipt with that number."}, status=404, headers=HEADERS
            )
        language = _asked_language(request) or "en"
        return web.Response(
            text=render_not_found(language),
            status=404,
            content_type="text/html",
            headers=HEADERS,
        )
    verification = await check(core, record)
    if wants_json or request.query.get("download") == "evidence":
        body = {**verification.as_json(), **await evidence_file_of(core, record)}
        headers = dict(HEADERS)
        if not wants_json:
            name = f"timesign-evidence-{verification.receipt}.json"
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return web.json_response(body, headers=headers)
    summary_id = record.signature.summary_id
    page = render_receipt(
        verification,
        language=_asked_language(request) or record.person.language,
        url=f"{core.public_url or ''}/r/{verification.receipt}",
        successor=await successor_of(core.sessions, record.summary),
        entries=await evidence_log.summary_entries(core.sessions, summary_id),
        messages=await messages_of(core.sessions, summary_id),
    )
    return web.Response(text=page, content_type="text/html", headers=HEADERS)

"""GET /r/{receipt}: the verification page an auditor opens (HTML, or JSON on request)."""

from __future__ import annotations

from html import escape

from aiohttp import web

from bot.core.evidence import normalize_receipt
from bot.core.evidence_file import HOW_TO_CHECK
from bot.core.verification import Verification
from bot.usecases.evidence.checking import check, evidence_file_of
from handlers.keys import CORE
from storage.receipts import find_receipt

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Receipt {receipt}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}}
table{{border-collapse:collapse;width:100%}}td,th{{text-align:left;padding:.3rem .5rem;
border-bottom:1px solid #ddd;vertical-align:top}}.ok{{color:#176f2c}}.bad{{color:#b00020}}
code{{word-break:break-all}}
</style></head><body>
<h1>Signed time: receipt {receipt}</h1>
<p class="{verdict_class}"><strong>{verdict}</strong></p>
<table>
<tr><th>Project</th><td>{project}</td></tr>
<tr><th>Person</th><td>{person}</td></tr>
<tr><th>Month</th><td>{month} (version {version}, now {state})</td></tr>
<tr><th>Signed</th><td>{utc} UTC<br>{local} ({zone})</td></tr>
<tr><th>Channel</th><td>{channel} from {sender}</td></tr>
<tr><th>Content SHA-256</th><td><code>{sha256}</code></td></tr>
<tr><th>Seal</th><td>Ed25519, key <code>{key_id}</code>
(<a href="/.well-known/timesign-keys.json">public keys</a>)</td></tr>
</table>
<p><a href="?download=evidence" download>Download the evidence file</a> and check it
without us: <code>timesign verify FILE</code>.</p>
<p>{how_to_check}</p>
<h2>Signed content</h2>
<table><tr><th>Activity</th><th>Days</th><th>Hours</th></tr>
{rows}
<tr><th>Total</th><td></td><th>{total}</th></tr></table>
</body></html>
"""


def _hours(minutes: object) -> str:
    return f"{int(minutes) / 60:.2f}".rstrip("0").rstrip(".") if isinstance(minutes, int) else "?"


def render_html(v: Verification) -> str:
    good = v.verified
    verdict = (
        "Verified: the stored content still hashes to the signed value, the seal checks"
        f" under key {escape(v.key_id)}, and every fact below is the one sealed."
        if good
        else "NOT VERIFIED: "
        + "; ".join(escape(str(problem)) for problem in v.problems)
        + ". The stored evidence no longer matches what was signed."
    )
    activities = v.content.get("activities", [])
    rows = "\n".join(
        f"<tr><td>{escape(str(a.get('name', '')))}</td><td>{len(a.get('days', []))}</td>"
        f"<td>{_hours(a.get('minutes'))}</td></tr>"
        for a in (activities if isinstance(activities, list) else [])
        if isinstance(a, dict)
    )
    return _PAGE.format(
        receipt=escape(v.receipt),
        verdict=verdict,
        verdict_class="ok" if good else "bad",
        project=escape(v.project),
        person=escape(v.person),
        month=escape(v.month),
        version=v.version,
        state=escape(v.summary_state),
        utc=v.signed_at_utc.strftime("%Y-%m-%d %H:%M:%S"),
        local=v.signed_at_local.strftime("%Y-%m-%d %H:%M:%S %z"),
        zone=escape(v.time_zone),
        channel=escape(v.channel),
        sender=escape(v.sender),
        sha256=escape(v.sha256),
        key_id=escape(v.key_id),
        how_to_check=escape(HOW_TO_CHECK),
        rows=rows,
        total=_hours(v.content.get("total_minutes")),
    )


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


async def receipt_page(request: web.Request) -> web.Response:
    wants_json = _wants_json(request)
    receipt = normalize_receipt(request.match_info["receipt"][:64])
    record = await find_receipt(request.app[CORE].sessions, receipt) if receipt else None
    if record is None:
        message = "No receipt with that number. Check the number in the message you received."
        if wants_json:
            raise web.HTTPNotFound(
                text=f'{{"error": "{message}"}}', content_type="application/json"
            )
        raise web.HTTPNotFound(text=message + "\n")
    core = request.app[CORE]
    verification = await check(core, record)
    if wants_json or request.query.get("download") == "evidence":
        body = {**verification.as_json(), **await evidence_file_of(core, record)}
        headers = {}
        if not wants_json:
            name = f"timesign-evidence-{verification.receipt}.json"
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return web.json_response(body, headers=headers)
    return web.Response(text=render_html(verification), content_type="text/html")

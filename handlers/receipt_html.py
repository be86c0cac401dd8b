"""The receipt page a person or an auditor opens, in their language, checkable by hand.

Plain HTML with one inline style block and no script, so the page can be served under
a Content-Security-Policy that allows nothing else (its style by hash). Every verdict
is a full sentence: verified, not verified with each reason, superseded with the date
and the version that replaced it, in the same visual weight.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

import segno

from bot.core.evidence_chain import Entry
from bot.core.i18n import Message, dated_moment
from bot.core.verification import Problem, Verification
from storage.receipts import SentMessage, Successor

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:1.5rem auto;padding:0 1rem;"
    "color:#1a1a1a;line-height:1.45}table{border-collapse:collapse;width:100%}"
    "td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ccc;"
    "vertical-align:top}th{width:34%}.banner{padding:.75rem 1rem;border-radius:.3rem;"
    "font-size:1.1rem;margin:.75rem 0}.ok{background:#e3f4e6;color:#0b5019}"
    ".bad{background:#fde7ea;color:#8a0016}.old{background:#fff3d6;color:#5c3d00}"
    "code{word-break:break-all}.receipt{white-space:nowrap}a{color:#0645ad}"
    ".qr svg{width:8rem;height:8rem}ul{padding-left:1.2rem}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# Nothing but our own inline style: no script, no frame, no form, no outside resource.
CSP = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

# Labels of the page, as constants: the catalogs' extractor cannot read an f-string.
L_SIGNED_HOURS = Message("Signed hours")
L_PROJECT = Message("Project")
L_PERSON = Message("Person")
L_MONTH = Message("Month")
L_SIGNED = Message("Signed")
L_METHOD = Message("Method")
L_CONTENT_SHA_256 = Message("Content SHA-256")
L_SEAL = Message("Seal")
L_PUBLIC_KEYS = Message("public keys")
L_EVIDENCE_LOG = Message("Evidence log")
L_SIGNED_CONTENT = Message("Signed content")
L_ACTIVITY = Message("Activity")
L_DAYS = Message("Days")
L_HOURS = Message("Hours")
L_TOTAL = Message("Total")
L_TRAIL = Message("Trail")
L_CHECK_IT_YOURSELF = Message("Check it yourself")
L_DOWNLOAD_THE_EVIDENCE_FILE = Message("Download the evidence file")

PROBLEMS = {
    Problem.NO_STATEMENT: Message("the sealed statement is missing or unreadable"),
    Problem.UNKNOWN_KEY: Message("the seal names a key that is not one of ours"),
    Problem.BAD_SEAL: Message("the seal does not match the sealed statement"),
    Problem.CONTENT_CHANGED: Message("the stored content no longer hashes to the signed value"),
    Problem.PERSON_CHANGED: Message("the month now belongs to another person than the signer"),
    Problem.NAME_CHANGED: Message("the person's name is not the name as signed"),
    Problem.PROJECT_CHANGED: Message("the month now belongs to another project"),
    Problem.MONTH_CHANGED: Message("the month or version is not the one signed"),
    Problem.SIGNATURE_CHANGED: Message("the signature's stored details differ from the sealed"),
    Problem.STATE_CHANGED: Message("the month is not in a signed state"),
}
TRAIL = {
    "code_issued": Message("Summary and one-time code made"),
    "signed": Message("Signed"),
    "wrong_try": Message("A wrong code was typed"),
    "reissued": Message("A new code was made"),
    "superseded": Message("Replaced by a corrected version"),
    "disputed": Message("Disputed"),
    "month_end": Message("Month-end message"),
    "reminder": Message("Reminder"),
    "code_request": Message("New code asked for"),
    "reissue": Message("New code from a coordinator"),
}
MESSAGE_STATES = {
    "queued": Message("queued"),
    "sending": Message("sending"),
    "sent": Message("sent"),
    "delivered": Message("delivered"),
    "undelivered": Message("not delivered"),
    "failed": Message("failed"),
}


def _hours(minutes: object) -> str:
    return f"{int(minutes) / 60:.2f}".rstrip("0").rstrip(".") if isinstance(minutes, int) else "?"


def _moment(at: datetime, zone: str, language: str) -> str:
    return dated_moment(language, at.astimezone(ZoneInfo(zone)))


def _method(v: Verification) -> Message:
    if v.channel == "telegram":
        return Message(
            "A one-time code sent to the person's linked Telegram chat and typed back in it."
        )
    return Message(
        "A one-time code sent by SMS to %(sender)s and typed back from the same number.",
        sender=v.sender,
    )


def _trail(
    entries: list[Entry], messages: list[SentMessage], zone: str, language: str
) -> list[str]:
    items: list[tuple[datetime, str]] = []
    for entry in entries:
        label = TRAIL.get(entry.kind)
        if label is not None:
            items.append((entry.at, label.text(language)))
    for message in messages:
        label = TRAIL.get(message.purpose)
        if label is None:
            continue
        state = MESSAGE_STATES.get(message.state, Message("queued")).text(language)
        items.append((message.sent_at or message.created_at, f"{label.text(language)}: {state}"))
    return [
        f"<li>{escape(_moment(at, zone, language))}: {escape(text)}</li>"
        for at, text in sorted(items, key=lambda item: item[0])
    ]


def qr_svg(url: str) -> str:
    """The page's own address as a QR code, inline (no image request to allow)."""
    return segno.make(url, error="m").svg_inline(scale=4, title=url)


def render_receipt(
    v: Verification,
    *,
    language: str,
    url: str,
    successor: Successor | None,
    entries: list[Entry],
    messages: list[SentMessage],
) -> str:

    def t(message: Message) -> str:
        return escape(message.text(language))

    zone = v.time_zone
    if v.verified:
        verdict = Message(
            "Verified: the stored content still hashes to the signed value, the seal checks "
            "under our published key, and every fact below is the one sealed."
        )
        banners = [f'<p class="banner ok"><strong>{t(verdict)}</strong></p>']
    else:
        reasons = "; ".join(PROBLEMS[p].text(language) for p in v.problems)
        verdict = Message(
            "NOT VERIFIED: %(reasons)s. What is stored no longer matches what was signed.",
            reasons=reasons,
        )
        banners = [f'<p class="banner bad"><strong>{t(verdict)}</strong></p>']
    if v.summary_state == "superseded":
        if successor is None:
            old = Message("This version was superseded by a later version.")
            banners.append(f'<p class="banner old"><strong>{t(old)}</strong></p>')
        else:
            old = Message(
                "This version was superseded on %(day)s by version %(version)s.",
                day=_moment(successor.created_at, zone, language),
                version=successor.version,
            )
            newer = Message("Receipt of version %(version)s", version=successor.version)
            unsigned = Message("Version %(version)s is not signed yet.", version=successor.version)
            follow = (
                f'<a href="/r/{escape(successor.receipt)}">{t(newer)}</a>'
                if successor.receipt
                else t(unsigned)
            )
            banners.append(f'<p class="banner old"><strong>{t(old)}</strong> {follow}</p>')
    activities = v.content.get("activities", [])
    rows = "\n".join(
        f"<tr><td>{escape(str(a.get('name', '')))}</td><td>{len(a.get('days', []))}</td>"
        f"<td>{_hours(a.get('minutes'))}</td></tr>"
        for a in (activities if isinstance(activities, list) else [])
        if isinstance(a, dict)
    )
    statement = v.statement
    chain = (
        escape(f"#{statement.chain_seq} {statement.chain_hash}")
        if statement and statement.chain_seq is not None
        else "-"
    )
    trail = _trail(entries, messages, zone, language)
    title = Message("Receipt %(receipt)s", receipt=v.receipt)
    version = Message("version %(version)s", version=v.version)
    how = Message(
        "To check without us: download the evidence file. Its 'document' is the signed "
        "content exactly as stored; its SHA-256 must equal the value above. The 'statement' "
        "is signed with Ed25519 under the published key; 'timesign verify FILE' checks the "
        "file, the seal and the evidence log with the public keys alone."
    )
    return f"""<!doctype html>
<html lang="{language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{t(title)}</title>
<style>{STYLE}</style></head><body><main>
<h1>{t(L_SIGNED_HOURS)}: <span class="receipt">{escape(v.receipt)}</span></h1>
{"".join(banners)}
<table>
<tr><th scope="row">{t(L_PROJECT)}</th><td>{escape(v.project)}</td></tr>
<tr><th scope="row">{t(L_PERSON)}</th><td>{escape(v.person)}</td></tr>
<tr><th scope="row">{t(L_MONTH)}</th><td>{escape(v.month)}
({t(version)})</td></tr>
<tr><th scope="row">{t(L_SIGNED)}</th>
<td>{escape(_moment(v.signed_at_utc, zone, language))} ({escape(zone)})</td></tr>
<tr><th scope="row">{t(L_METHOD)}</th><td>{t(_method(v))}</td></tr>
<tr><th scope="row">{t(L_CONTENT_SHA_256)}</th>
<td><code>{escape(v.sha256)}</code></td></tr>
<tr><th scope="row">{t(L_SEAL)}</th><td>Ed25519, <code>{escape(v.key_id)}</code>
(<a href="/.well-known/timesign-keys.json">{t(L_PUBLIC_KEYS)}</a>)</td></tr>
<tr><th scope="row">{t(L_EVIDENCE_LOG)}</th><td><code>{chain}</code></td></tr>
</table>
<h2>{t(L_SIGNED_CONTENT)}</h2>
<table><tr><th scope="col">{t(L_ACTIVITY)}</th><th scope="col">{t(L_DAYS)}</th>
<th scope="col">{t(L_HOURS)}</th></tr>
{rows}
<tr><th scope="row">{t(L_TOTAL)}</th><td></td>
<td>{_hours(v.content.get("total_minutes"))}</td></tr>
</table>
<h2>{t(L_TRAIL)}</h2>
<ul>{"".join(trail)}</ul>
<h2>{t(L_CHECK_IT_YOURSELF)}</h2>
<p>{t(how)}</p>
<p><a href="?download=evidence" download>{t(L_DOWNLOAD_THE_EVIDENCE_FILE)}</a></p>
<div class="qr">{qr_svg(url)}</div>
</main></body></html>
"""


def render_not_found(language: str) -> str:
    title = Message("No receipt with that number")
    text = Message("Check the number in the message you received.")
    return f"""<!doctype html>
<html lang="{language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{escape(title.text(language))}</title>
<style>{STYLE}</style></head><body><main>
<h1>{escape(title.text(language))}</h1>
<p>{escape(text.text(language))}</p>
</main></body></html>
"""

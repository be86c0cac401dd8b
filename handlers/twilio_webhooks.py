"""Twilio webhooks: inbound SMS and delivery status callbacks.

Authentication is Twilio's signature over the PUBLIC URL (behind a proxy the request's
own URL is the internal one, which would never validate). We answer 403 only for a
failed signature, 415 for what is not a urlencoded form, 400 for a body we cannot
read (undecodable bytes, ids that are not ids), and 200 for anything well formed, so
that Twilio does not retry forever.
"""

from __future__ import annotations

import logging
import re
import time

from aiohttp import web
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.core.inbound import Inbound
from bot.core.states import Channel, OutboxState
from bot.usecases.delivery.reports import record_report
from bot.usecases.signing.conversation import accept_reply
from handlers import metrics
from handlers.keys import CONFIG, CORE

log = logging.getLogger(__name__)

# Twilio's MessageStatus values (https://www.twilio.com/docs/messaging/api/message-resource
# #message-status-values) as our outbox states; 'read' is WhatsApp's, a delivery too.
TWILIO_STATES = {
    "queued": OutboxState.SENT,
    "accepted": OutboxState.SENT,
    "sending": OutboxState.SENT,
    "sent": OutboxState.SENT,
    "delivered": OutboxState.DELIVERED,
    "read": OutboxState.DELIVERED,
    "undelivered": OutboxState.UNDELIVERED,
    "failed": OutboxState.FAILED,
}


async def _verified_form(request: web.Request) -> dict[str, str]:
    config = request.app[CONFIG]
    if config.twilio_auth_token is None or config.public_url is None:
        log.warning("Twilio webhook refused: Twilio credentials or TIMESIGN_PUBLIC_URL not set")
        raise web.HTTPForbidden(text="Twilio webhooks are not configured on this server.\n")
    if request.content_type != "application/x-www-form-urlencoded":
        # Twilio posts urlencoded forms; multipart would bring file parts and raw bytes.
        raise web.HTTPUnsupportedMediaType(
            text="Twilio webhooks are application/x-www-form-urlencoded forms.\n"
        )
    try:
        form = await request.post()
    except Exception:  # aiohttp raises several types for a body it cannot parse
        raise web.HTTPBadRequest(text="The body is not a readable form.\n") from None
    params = {str(key): str(value) for key, value in form.items()}
    if not all(_utf8(key) and _utf8(value) for key, value in params.items()):
        raise web.HTTPBadRequest(text="The form is not valid UTF-8.\n")
    validator = RequestValidator(config.twilio_auth_token)
    url = config.public_url + request.path_qs
    if not validator.validate(url, params, request.headers.get("X-Twilio-Signature", "")):
        raise web.HTTPForbidden(text="The X-Twilio-Signature header does not validate.\n")
    return params


def _utf8(text: str) -> bool:
    """Undecodable bytes arrive as lone surrogates, which the signature check cannot hash."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Twilio's ids are letters and digits ("SM" and 32 hex); tests and other senders use dashes.
_SID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# An E.164 number, or a channel address such as "whatsapp:+46..." or a short code.
_SENDER = re.compile(r"^[A-Za-z0-9:+._-]{1,64}$")


def _required(params: dict[str, str], *names: str) -> list[str]:
    missing = [name for name in names if not params.get(name)]
    if missing:
        raise web.HTTPBadRequest(text=f"Missing form field(s): {', '.join(missing)}.\n")
    if not _SID.match(params["MessageSid"]):
        raise web.HTTPBadRequest(text="MessageSid is not a Twilio message id.\n")
    return [params[name] for name in names]


def _body(params: dict[str, str]) -> str:
    """The text as typed; a NUL (which PostgreSQL cannot store) becomes U+FFFD."""
    return params.get("Body", "").replace("\x00", "\ufffd")


async def inbound_sms(request: web.Request) -> web.Response:
    started = time.perf_counter()
    params = await _verified_form(request)
    sid, sender = _required(params, "MessageSid", "From")
    if not _SENDER.match(sender):
        raise web.HTTPBadRequest(text="From is not a phone number or address.\n")
    answer = await accept_reply(
        request.app[CORE],
        Inbound(channel=Channel.SMS, provider_id=sid, sender=sender, text=_body(params)),
        queue_answer=False,
        gate=True,
    )
    if answer.refused:
        metrics.INBOUND_REFUSED.labels(channel=Channel.SMS).inc()
    else:
        metrics.REPLIES.labels(channel=Channel.SMS, outcome=answer.outcome).inc()
    twiml = MessagingResponse()
    if answer.text:
        twiml.message(answer.text)
    metrics.WEBHOOK_SECONDS.labels(endpoint="twilio_sms").observe(time.perf_counter() - started)
    return web.Response(text=str(twiml), content_type="application/xml")


async def status_callback(request: web.Request) -> web.Response:
    started = time.perf_counter()
    params = await _verified_form(request)
    sid, status = _required(params, "MessageSid", "MessageStatus")
    state = TWILIO_STATES.get(status.lower())
    if state is not None:  # a status we do not track: well formed, nothing to do
        code = params.get("ErrorCode", "").replace("\x00", "")
        await record_report(
            request.app[CORE].sessions,
            provider_id=sid,
            state=state,
            error=f"Twilio {code[:20]}" if code else None,
            reporter="twilio",
            now=request.app[CORE].clock(),
        )
    metrics.WEBHOOK_SECONDS.labels(endpoint="twilio_status").observe(time.perf_counter() - started)
    return web.Response(status=204)

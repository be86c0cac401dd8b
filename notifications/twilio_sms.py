"""SMS through Twilio's REST API, with twilio's own async HTTP client.

twilio's ``max_retries`` stays off: it would retry POSTs, and a retried POST can put the
same SMS on a phone twice. Retries belong to the outbox, which knows what happened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from contextvars import ContextVar
from types import SimpleNamespace

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.core.errors import DeliveryError
from notifications.transport import Envelope, Sent

# twilio logs every request body at INFO, and a body holds a phone number and a code.
_quiet = logging.getLogger("timesign.twilio_http")
_quiet.setLevel(logging.WARNING)

# Vendor error codes (https://www.twilio.com/docs/api/errors) that retrying cannot fix.
PERMANENT_CODES = {
    21211: "invalid 'To' number",
    21408: "region not enabled",
    21610: "recipient opted out (replied STOP)",
    21612: "number cannot receive SMS",
    21614: "not a mobile number",
}
TOO_MANY_REQUESTS = 20429
OPTED_OUT = 21610

# Retry-After of the response this task last got: twilio's exceptions drop the headers.
_retry_after: ContextVar[float | None] = ContextVar("twilio_retry_after", default=None)


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Retry-After in delta-seconds (the form Twilio sends); None if absent or a date."""
    value = (headers or {}).get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


async def _remember_retry_after(
    _session: aiohttp.ClientSession,
    _context: SimpleNamespace,
    params: aiohttp.TraceRequestEndParams,
) -> None:
    # Runs in the sending task, so send() sees what its own request was told.
    _retry_after.set(retry_after_seconds(params.response.headers))


def classify(error: TwilioRestException, *, retry_after: float | None = None) -> DeliveryError:
    code = int(error.code) if isinstance(error.code, int) else None
    label = f"twilio {code or error.status}"
    if error.status == 429 or code == TOO_MANY_REQUESTS:
        # Rate limited: safe to retry later, nothing was accepted.
        return DeliveryError(
            f"{label}: too many requests", permanent=False, retry_after=retry_after
        )
    if error.status >= 500:
        return DeliveryError(f"{label}: server error", permanent=False, retry_after=retry_after)
    if code in PERMANENT_CODES:
        return DeliveryError(
            f"{label}: {PERMANENT_CODES[code]}", permanent=True, opted_out=code == OPTED_OUT
        )
    # Any other 4xx is a request Twilio will refuse again (bad credentials, bad sender).
    return DeliveryError(f"{label}: refused", permanent=True)


class TwilioSmsTransport:
    channel = "sms"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_url: str,
        timeout: float = 15.0,
    ) -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._sender = sender
        self._api_url = api_url
        self._timeout = timeout
        self._http: AsyncTwilioHttpClient | None = None
        self._client: Client | None = None

    def _rest(self) -> Client:
        # The async HTTP client opens an aiohttp session, which needs the running loop.
        if self._client is None:
            trace = aiohttp.TraceConfig()
            trace.on_request_end.append(_remember_retry_after)
            self._http = AsyncTwilioHttpClient(
                timeout=self._timeout, logger=_quiet, trace_configs=[trace]
            )
            self._client = Client(self._account_sid, self._auth_token, http_client=self._http)
            self._client.api.base_url = self._api_url
        return self._client

    async def send(self, envelope: Envelope) -> Sent:
        if envelope.attachment is not None:
            raise DeliveryError("an SMS cannot carry a file", permanent=True)
        params: dict[str, object] = {"to": envelope.address, "body": envelope.text}
        if self._sender.startswith("MG"):
            params["messaging_service_sid"] = self._sender
        else:
            params["from_"] = self._sender
        if envelope.validity_seconds:
            params["validity_period"] = envelope.validity_seconds
        if envelope.status_callback:
            params["status_callback"] = envelope.status_callback
        _retry_after.set(None)
        try:
            # twilio passes timeout=None to aiohttp on every request, which means "no
            # timeout" and overrides the client's own: a stalled API would hang the worker.
            async with asyncio.timeout(self._timeout):
                message = await self._rest().messages.create_async(**params)
        except TwilioRestException as error:
            raise classify(error, retry_after=_retry_after.get()) from None
        except (aiohttp.ClientError, TimeoutError, TwilioException) as error:
            raise DeliveryError(
                f"twilio unreachable: {type(error).__name__}", permanent=False
            ) from None
        return Sent(provider_id=str(message.sid))

    async def aclose(self) -> None:
        if self._http is not None and self._http.session is not None:
            await self._http.session.close()
        self._http = self._client = None

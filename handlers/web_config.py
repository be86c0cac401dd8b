"""What the web routes need to know of the settings, handed over by the composition root.

Secrets stay out of ``repr``, so a logged app state never shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WebConfig:
    public_url: str | None  # Twilio signs this URL; Telegram's webhook is registered here
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    twilio_auth_token: str | None = field(default=None, repr=False)
    # /metrics: with a token, only "Authorization: Bearer <token>"; without, loopback only.
    metrics_token: str | None = field(default=None, repr=False)

"""The one exception tree of timesign.

Adapters translate library exceptions into these at their boundary, so the core and
the outbox dispatcher never need to know about Twilio, Telegram or SQLAlchemy::

    TimesignError
    ├── ConfigError          a setting is missing or malformed (one sentence naming it)
    ├── InputError           refused input; the text is shown to whoever sent it
    │   └── ProtectedIdentityError   protected identities must never be stored
    └── DeliveryError        a transport could not hand a message to its provider
                             (permanent: never retry; retry_after: provider asked us to wait)
"""

from __future__ import annotations

from bot.core.i18n import Translatable


class TimesignError(Exception):
    """Base of every error timesign raises on purpose."""


class ConfigError(TimesignError):
    """A setting is missing or malformed; the message names the variable."""


class InputError(TimesignError):
    """Refused input: a sentence fit to show the person who sent it, in their language.

    ``InputError(Message("There is no project %(code)s.", code=code))``: ``str(error)`` is
    English (logs, tests); whoever answers the sender uses ``error.text(language)``.
    """

    def __init__(self, message: Translatable, /) -> None:
        self.message = message
        super().__init__(message.text("en"))

    def text(self, language: str) -> str:
        return self.message.text(language)


class ProtectedIdentityError(InputError):
    """A person with protected identity may not be registered in a digital system."""


class DeliveryError(TimesignError):
    """A transport failed to hand over a message.

    ``permanent`` means retrying cannot help (invalid number, bot blocked, opted out);
    otherwise the outbox retries later, no earlier than ``retry_after`` seconds.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        opted_out: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        # The recipient told the provider to stop (Twilio 21610): record it as an opt-out.
        self.opted_out = opted_out

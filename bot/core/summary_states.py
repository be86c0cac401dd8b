"""How a monthly summary's state reads to a coordinator, in certificates, exports and answers."""

from __future__ import annotations

from bot.core.i18n import Message

SUMMARY_STATES: dict[str | None, Message] = {
    "signed": Message("signed"),
    "sent": Message("waiting for a signature"),
    "disputed": Message("disputed"),
    None: Message("not sent"),  # the month was not sent to this person
}


def state_name(state: str | None) -> Message:
    return SUMMARY_STATES.get(state, SUMMARY_STATES[None])

"""How a monthly summary's state reads to a coordinator, in certificates, exports and answers."""

from __future__ import annotations

from bot.core.i18n import Message
from bot.core.states import SummaryState

SUMMARY_STATES: dict[str | None, Message] = {
    SummaryState.SIGNED: Message("signed"),
    SummaryState.SENT: Message("waiting for a signature"),
    SummaryState.DISPUTED: Message("disputed"),
    None: Message("not sent"),  # the month was not sent to this person
}


def state_name(state: str | None) -> Message:
    return SUMMARY_STATES.get(state, SUMMARY_STATES[None])

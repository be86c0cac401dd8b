"""Where each person stands with a month: the groups /unsigned lists and /status counts.

One classification for both, so the list and the counts always agree; a person with
hours but no current summary (a correction not sent yet, or never closed) is not signed
either, and is listed as such rather than left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.states import OutboxState, SummaryState


class Standing(StrEnum):
    SIGNED = "signed"
    WAITING = "waiting"  # sent, no answer yet
    DELIVERY_FAILED = "delivery_failed"  # sent, but the message did not arrive
    DISPUTED = "disputed"
    CORRECTION_NOT_SENT = "correction_not_sent"  # hours changed after sending
    NOT_SENT = "not_sent"  # hours, but the month was not closed for this person


NOT_SIGNED = (
    Standing.WAITING,
    Standing.DELIVERY_FAILED,
    Standing.DISPUTED,
    Standing.CORRECTION_NOT_SENT,
    Standing.NOT_SENT,
)
_UNDELIVERED = (OutboxState.FAILED, OutboxState.UNDELIVERED)


@dataclass(frozen=True)
class PersonMonth:
    """One person's month as the database has it (``storage.queries.month_standing``)."""

    ref: str
    name: str
    has_hours: bool
    summary_state: SummaryState | None  # of the newest version; None: never sent
    summary_at: datetime | None  # when that version was made
    state_changed_at: datetime | None
    dispute_reason: str | None
    delivery: OutboxState | None  # the newest message of that version
    delivery_at: datetime | None
    reminders_sent: int = 0
    last_reminder_at: datetime | None = None
    codes_requested: int = 0  # new codes the person asked for (NEW CODE) for that version


def standing_of(month: PersonMonth) -> Standing | None:
    """None: nothing to sign (no hours, and nothing current was sent)."""
    match month.summary_state:
        case SummaryState.SIGNED:
            return Standing.SIGNED
        case SummaryState.DISPUTED:
            return Standing.DISPUTED
        case SummaryState.SENT:
            undelivered = month.delivery in _UNDELIVERED
            return Standing.DELIVERY_FAILED if undelivered else Standing.WAITING
        case SummaryState.SUPERSEDED:
            return Standing.CORRECTION_NOT_SENT if month.has_hours else None
        case _:
            return Standing.NOT_SENT if month.has_hours else None

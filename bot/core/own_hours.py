"""A participant's own hours as they ask for them (HOURS): the current month so far and
the one before, per activity, with where each month stands.

The hours are the recorded ones, not the sent summary's: a person who asks mid-month
wants to see what has been written down so far, and a corrected month shows its
correction before it is sent again (it is then open once more).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.core.states import SummaryState


class MonthState(StrEnum):
    OPEN = "open"  # not sent for signing (yet, or again after a correction)
    SENT = "sent"  # waiting for the person's code
    SIGNED = "signed"
    DISPUTED = "disputed"


@dataclass(frozen=True)
class OwnMonth:
    month: date  # its first day
    current: bool  # the month now running: its hours are "so far"
    lines: tuple[tuple[str, int], ...]  # (activity name, minutes), in the activities' order
    state: MonthState
    receipt: str | None = None  # of a signed month

    @property
    def total_minutes(self) -> int:
        return sum(minutes for _, minutes in self.lines)


def month_state(summary_state: SummaryState | None) -> MonthState:
    """Where a month stands, from its newest summary (None: never sent)."""
    match summary_state:
        case SummaryState.SENT:
            return MonthState.SENT
        case SummaryState.SIGNED:
            return MonthState.SIGNED
        case SummaryState.DISPUTED:
            return MonthState.DISPUTED
        case _:
            return MonthState.OPEN


def per_activity(entries: Iterable[tuple[str, str, int]]) -> tuple[tuple[str, int], ...]:
    """Minutes summed per activity from (activity ref, name, minutes), by reference."""
    totals: dict[tuple[str, str], int] = {}
    for ref, name, minutes in entries:
        totals[ref, name] = totals.get((ref, name), 0) + minutes
    return tuple((name, minutes) for (_, name), minutes in sorted(totals.items()))

"""What a participant's reply did, as one typed value: the outcome names it for the
inbound record and the metrics, the text is what the participant reads."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.i18n import Translatable


class Outcome(StrEnum):
    SIGNED = "signed"
    ALREADY_SIGNED = "already_signed"
    WRONG_CODE = "wrong_code"
    DEAD = "dead"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    NOTHING_PENDING = "nothing_pending"
    DISPUTED = "disputed"
    DISPUTE_NEEDS_REASON = "dispute_needs_reason"
    WHICH_MONTH = "which_month"  # more than one month open, or one not open named: asked
    HOURS = "hours"
    NEW_CODE_SENT = "new_code_sent"
    CODE_STILL_VALID = "code_still_valid"
    CODE_LIMIT_REACHED = "code_limit_reached"
    CANNOT_REACH = "cannot_reach"  # a new code was asked for, but no channel reaches them
    HELP = "help"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    UNKNOWN_SENDER = "unknown_sender"
    NOT_UNDERSTOOD = "not_understood"
    DUPLICATE = "duplicate"
    OVER_LIMIT = "over_limit"  # the project's inbound limit: recorded, not answered


@dataclass(frozen=True)
class ReplyResult:
    outcome: Outcome
    text: Translatable

"""The states a summary, a code and an outbox message move through, and the channels.

Stored as their string values (the database stays readable in an audit); a StrEnum
member equals its string, so rows read back compare as they did.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    SMS = "sms"
    TELEGRAM = "telegram"


class SummaryState(StrEnum):
    SENT = "sent"  # waiting for a signature
    SIGNED = "signed"
    DISPUTED = "disputed"
    SUPERSEDED = "superseded"  # a correction replaced it, or its hours were withdrawn


class CodeState(StrEnum):
    ACTIVE = "active"
    USED = "used"  # it signed its summary
    DEAD = "dead"  # too many wrong tries
    SUPERSEDED = "superseded"  # a newer code or a newer summary replaced it
    VOID = "void"  # its summary was disputed


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker, under a lease
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the provider reported it on the phone
    UNDELIVERED = "undelivered"
    FAILED = "failed"


# How far along a message is: a delivery report only ever moves it forward, since
# reports can arrive out of order (a late 'sent' never overwrites 'delivered').
OUTBOX_PROGRESS = {
    OutboxState.QUEUED: 0,
    OutboxState.SENDING: 0,
    OutboxState.SENT: 1,
    OutboxState.UNDELIVERED: 2,
    OutboxState.FAILED: 2,
    OutboxState.DELIVERED: 3,
}

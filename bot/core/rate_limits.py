"""Send-rate arithmetic, shared by every worker through rows the storage layer keeps.

A bucket allowing ``n`` messages a second is ``n`` slots, each a moment before which it
may not be used again; sending takes a free slot and blocks it for a second. So at most
``n`` messages leave in any one-second window, and up to ``n`` may leave at once. A rate
below one a second is a single slot blocked for ``1/rate`` seconds; a rate above
``MAX_SLOTS`` a second is ``MAX_SLOTS`` slots each blocked for ``MAX_SLOTS/rate`` seconds
(then a one-second window may hold up to ``MAX_SLOTS`` more than the rate). A provider's
429 blocks every slot of the bucket until the moment it named.

Plain values only: no database, no vendor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

TELEGRAM_PER_BOT = 30  # Telegram: about 30 messages a second per bot ...
TELEGRAM_PER_CHAT = 1  # ... and one a second per chat (limits are unpublished)
ONE_SECOND = timedelta(seconds=1)
CHAT_BUCKET_PREFIX = "telegram:chat:"
MAX_SLOTS = 30  # rows per bucket; more would only slow every reservation down


@dataclass(frozen=True)
class Bucket:
    name: str
    slots: int
    period: timedelta

    def slot_keys(self) -> list[str]:
        if self.slots == 1:
            return [self.name]
        return [f"{self.name}#{n}" for n in range(self.slots)]


def bucket(name: str, per_second: float) -> Bucket:
    if per_second <= 0:
        raise ValueError("a rate must be above zero")
    if 1 <= per_second <= MAX_SLOTS:
        return Bucket(name, math.floor(per_second), ONE_SECOND)
    slots = MAX_SLOTS if per_second > MAX_SLOTS else 1
    # Round the period up to whole microseconds, so rounding never lets one more through.
    return Bucket(name, slots, timedelta(microseconds=math.ceil(slots * 1_000_000 / per_second)))


@dataclass(frozen=True)
class RatePolicy:
    """Which buckets a message must pass, per channel; ``sms_sender`` names the number."""

    sms_per_second: float = 1.0
    sms_sender: str = "default"
    # Channels with a real provider behind them; a console transport needs no limit.
    channels: frozenset[str] = frozenset({"sms", "telegram"})

    def buckets(self, channel: str, address: str) -> tuple[Bucket, ...]:
        if channel not in self.channels:
            return ()
        if channel == "telegram":
            chat = bucket(f"{CHAT_BUCKET_PREFIX}{address}", TELEGRAM_PER_CHAT)
            return (self.shared(channel), chat)
        return (self.shared(channel),)

    @property
    def per_address(self) -> frozenset[str]:
        """Channels with a limit per address as well (a Telegram chat's one a second)."""
        return self.channels & {"telegram"}

    def shared(self, channel: str) -> Bucket:
        """The bucket a 429 slows down: the whole bot, or the sender number."""
        if channel == "telegram":
            return bucket("telegram:bot", TELEGRAM_PER_BOT)
        return bucket(f"{channel}:{self.sms_sender}", self.sms_per_second)


@dataclass(frozen=True)
class Decision:
    """``take``: slot keys to block, each until its moment (empty when not free);
    ``retry_at``: when to ask again if not free."""

    take: dict[str, datetime]
    retry_at: datetime | None


def decide(
    buckets: tuple[Bucket, ...], free_at: Mapping[str, datetime | None], now: datetime
) -> Decision:
    """Take one free slot of every bucket, or none and say when all could be free."""
    take: dict[str, datetime] = {}
    waits: list[datetime] = []
    for each in buckets:
        moments = {key: free_at.get(key) for key in each.slot_keys()}
        free = [key for key, moment in moments.items() if moment is None or moment <= now]
        if free:
            take[free[0]] = now + each.period
        else:
            waits.append(min(m for m in moments.values() if m is not None))
    if waits:
        return Decision({}, max(waits))
    return Decision(take, None)

"""What every use-case needs, built once by a composition root and passed explicitly."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.core.codes import RandomSource
from storage.db import SessionFactory

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SigningPolicy:
    code_digits: int = 6
    code_ttl: timedelta = timedelta(hours=72)
    code_attempts: int = 5


@dataclass(frozen=True)
class Core:
    sessions: SessionFactory
    key: bytes
    clock: Clock = system_clock
    rng: RandomSource = field(default_factory=secrets.SystemRandom)
    policy: SigningPolicy = SigningPolicy()
    public_url: str | None = None

    def receipt_url(self, receipt: str) -> str | None:
        return f"{self.public_url}/r/{receipt}" if self.public_url else None

"""What every use-case needs, built once by a composition root and passed explicitly."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.core.codes import RandomSource
from bot.core.errors import ConfigError
from bot.core.inbound_limits import InboundLimits
from bot.core.seal_keys import SealKey
from storage.db import SessionFactory

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SigningPolicy:
    code_digits: int = 6
    code_ttl: timedelta = timedelta(hours=72)
    code_attempts: int = 5
    invite_ttl: timedelta = timedelta(days=14)  # a Telegram invite link works this long
    codes_per_day: int = 3  # new codes a summary may get in 24 h, whatever asks for them


@dataclass(frozen=True)
class Core:
    sessions: SessionFactory
    # None only in ``timesign admin`` without a secret: commands that need none still run.
    secret_key: bytes | None
    clock: Clock = system_clock
    rng: RandomSource = field(default_factory=secrets.SystemRandom)
    policy: SigningPolicy = SigningPolicy()
    public_url: str | None = None
    limits: InboundLimits = field(default_factory=InboundLimits)
    # None where nothing is sealed or checked (a shell without the key): those refuse.
    seal_key: SealKey | None = None

    @property
    def key(self) -> bytes:
        """The key of code HMACs and evidence seals; asked for only where one is made or
        checked, so a shell without the secret refuses just those commands."""
        if self.secret_key is None:
            raise ConfigError(
                "This command makes or checks codes and seals, so it needs "
                "TIMESIGN_SECRET_KEY (or --dev for local use)."
            )
        return self.secret_key

    @property
    def sealer(self) -> SealKey:
        """The key that seals evidence and whose public half checks it."""
        if self.seal_key is None:
            raise ConfigError(
                "This command makes or checks evidence seals, so it needs TIMESIGN_SEAL_KEY "
                "(or --dev for local use)."
            )
        return self.seal_key

    def receipt_url(self, receipt: str) -> str | None:
        return f"{self.public_url}/r/{receipt}" if self.public_url else None

"""The use-cases' context from the settings: sessions, keys, clock and code policy.

Kept apart from the transports (``wiring``), so ``timesign admin`` builds what its
commands use without importing Telegram, Twilio or aiohttp.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.inbound_limits import InboundLimits
from bot.roots.config import Settings
from bot.usecases.context import Clock, Core, SigningPolicy
from storage.db import session_factory


def build_core(
    settings: Settings, engine: AsyncEngine, *, dev: bool, clock: Clock, need_key: bool = True
) -> Core:
    """``need_key`` off (the shell): without a secret, only commands that use it refuse."""
    key = settings.secret(dev=dev) if need_key or dev or settings.secret_key else None
    sealer = settings.sealer(dev=dev) if need_key or dev or settings.seal_key else None
    return Core(
        sessions=session_factory(engine),
        secret_key=key,
        seal_key=sealer,
        clock=clock,
        policy=SigningPolicy(
            code_digits=settings.code_digits,
            code_ttl=timedelta(hours=settings.code_ttl_hours),
            code_attempts=settings.code_attempts,
            codes_per_day=settings.codes_per_day,
            invite_ttl=timedelta(days=settings.invite_days),
        ),
        public_url=settings.public_url,
        limits=InboundLimits(
            per_minute=settings.inbound_per_minute,
            per_day=settings.inbound_per_day,
            staff_per_minute=settings.staff_inbound_per_minute,
            staff_per_day=settings.staff_inbound_per_day,
            project_per_minute=settings.project_inbound_per_minute,
            project_per_day=settings.project_inbound_per_day,
        ),
    )

"""Send-rate slots in the database, so a limit holds across every worker.

``reserve`` takes, for each message of a batch in turn, a slot of each bucket it must
pass, or none and says when to ask again: one transaction for the whole batch. It
first makes sure the slot rows exist (in their own transaction, so a lock below never
misses a row another worker is still inserting), then reads them locked: PostgreSQL
``SELECT ... FOR UPDATE`` in key order (so two workers cannot deadlock), SQLite by its
``BEGIN IMMEDIATE`` write lock, one writer at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.rate_limits import CHAT_BUCKET_PREFIX, Bucket, RatePolicy, decide
from storage.db import SessionFactory, dialect_insert, transaction
from storage.tables import RateBucket

_DISTANT_PAST = datetime(2000, 1, 1, tzinfo=UTC)
IDLE_CHAT = timedelta(days=1)
FORGET_EVERY = timedelta(hours=1)


async def _upsert(session: AsyncSession, taken: dict[str, datetime]) -> None:
    statement = (await dialect_insert(session))(RateBucket).values(
        [{"key": key, "next_free_at": until} for key, until in sorted(taken.items())]
    )
    await session.exec(
        statement.on_conflict_do_update(
            index_elements=["key"], set_={"next_free_at": statement.excluded.next_free_at}
        )
    )


async def _ensure(session: AsyncSession, keys: list[str]) -> None:
    insert = await dialect_insert(session)
    await session.exec(
        insert(RateBucket)
        .values([{"key": key, "next_free_at": _DISTANT_PAST} for key in sorted(keys)])
        .on_conflict_do_nothing(index_elements=["key"])
    )


async def _locked(session: AsyncSession, keys: list[str]) -> dict[str, datetime | None]:
    query = select(RateBucket).where(col(RateBucket.key).in_(keys)).order_by(col(RateBucket.key))
    if (await session.connection()).dialect.name == "postgresql":
        query = query.with_for_update()
    rows = (await session.exec(query)).all()
    return {row.key: _aware(row.next_free_at) for row in rows}


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; they are stored as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class RateLimiter:
    def __init__(self, sessions: SessionFactory, policy: RatePolicy) -> None:
        self._sessions = sessions
        self._policy = policy
        self._known: set[str] = set()
        self._forgotten_at: datetime | None = None

    @property
    def policy(self) -> RatePolicy:
        return self._policy

    async def _keys(self, buckets: tuple[Bucket, ...]) -> list[str]:
        keys = [key for each in buckets for key in each.slot_keys()]
        missing = [key for key in keys if key not in self._known]
        if missing:
            async with transaction(self._sessions) as session:
                await _ensure(session, missing)
            self._known.update(missing)
        return keys

    async def reserve(
        self, messages: Sequence[tuple[str, str]], now: datetime
    ) -> list[datetime | None]:
        """Take a send slot for each (channel, address), in order, as far as the limits
        allow now: None means go, else the moment to try that one again. So a batch
        never sends more to a chat or through a provider than one message at a time would."""
        wanted = [self._policy.buckets(channel, address) for channel, address in messages]
        if not any(wanted):
            return [None] * len(wanted)
        keys = await self._keys(tuple({each for buckets in wanted for each in buckets}))
        answers: list[datetime | None] = []
        taken: dict[str, datetime] = {}
        async with transaction(self._sessions) as session:
            free_at = await _locked(session, keys)
            for buckets in wanted:
                decision = decide(buckets, free_at, now)
                free_at.update(decision.take)
                taken.update(decision.take)
                answers.append(decision.retry_at)
            if taken:
                # An upsert: a chat's row may have been forgotten since it was made.
                await _upsert(session, taken)
        return answers

    async def free_slots(self, now: datetime) -> dict[str, int]:
        """How many messages each limited channel's shared bucket lets leave now: a claim
        takes no more, and none of a channel whose bucket is full."""
        shared = {
            channel: self._policy.shared(channel).slot_keys() for channel in self._policy.channels
        }
        keys = [key for each in shared.values() for key in each]
        if not keys:
            return {}
        async with self._sessions() as session:
            taken = set(
                (
                    await session.exec(
                        select(RateBucket.key).where(
                            col(RateBucket.key).in_(keys), col(RateBucket.next_free_at) > now
                        )
                    )
                ).all()
            )
        return {c: sum(key not in taken for key in each) for c, each in shared.items()}

    async def forget_idle_chats(self, now: datetime) -> int:
        """Delete the slot rows of chats idle for a day (a deleted row reads as free, as
        it was), at most once an hour per worker; returns how many went. Only per-chat
        rows go: a shared bucket may carry a provider's hold."""
        if self._forgotten_at is not None and now - self._forgotten_at < FORGET_EVERY:
            return 0
        self._forgotten_at = now
        async with transaction(self._sessions) as session:
            result = await session.exec(
                sa.delete(RateBucket).where(
                    col(RateBucket.key).startswith(CHAT_BUCKET_PREFIX),
                    col(RateBucket.next_free_at) < now - IDLE_CHAT,
                )
            )
        self._known = {key for key in self._known if not key.startswith(CHAT_BUCKET_PREFIX)}
        return int(result.rowcount or 0)

    async def hold(self, channel: str, until: datetime) -> None:
        """The provider said "too many": nobody sends through this bucket before ``until``."""
        if channel not in self._policy.channels:
            return
        keys = await self._keys((self._policy.shared(channel),))
        async with transaction(self._sessions) as session:
            await session.exec(
                sa.update(RateBucket)
                .where(col(RateBucket.key).in_(keys), col(RateBucket.next_free_at) < until)
                .values(next_free_at=until)
            )

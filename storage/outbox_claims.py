"""Claiming outbox messages in batches, and when the next claim may find one.

A claim is one UPDATE per lane that marks up to ``limit`` due messages 'sending' under a
lease and returns them. PostgreSQL picks them with FOR UPDATE SKIP LOCKED inside that
UPDATE, so workers claiming at the same moment take different rows instead of queueing
on the same ones; on SQLite the same UPDATE ... WHERE id IN (SELECT ... LIMIT n) runs
under the one writer lock (BEGIN IMMEDIATE), so two claims never overlap. A worker that dies
mid-send leaves its rows 'sending' until the lease runs out; any claim then takes them
again.

A claim is fair: it passes over rows whose send slot is taken (a Telegram chat that had
its one message this second, a channel whose shared bucket is full), so they wait
untouched and the oldest rows that can leave now go first. One chat flooded with
answers thus holds back nobody else.

What became of a claimed batch is written by ``storage.outbox_outcomes``.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.core.rate_limits import CHAT_BUCKET_PREFIX
from bot.core.states import Channel, OutboxState
from storage.db import SessionFactory, transaction
from storage.tables import OutboxMessage, RateBucket

_Ids = SelectOfScalar[int] | SelectOfScalar[None]  # what sqlmodel types select(OutboxMessage.id) as

# A claim's statements are built once per shape and bound per call: building one costs
# about a millisecond, a good part of a small batch.
_NOW = sa.bindparam("now", type_=UTCDateTime())


def _claimable() -> sa.ColumnElement[bool]:
    # A 'sending' row whose lease ran out belongs to a worker that died mid-send.
    return sa.or_(
        sa.and_(
            col(OutboxMessage.state) == OutboxState.QUEUED,
            col(OutboxMessage.next_attempt_at) <= _NOW,
        ),
        sa.and_(
            col(OutboxMessage.state) == OutboxState.SENDING,
            col(OutboxMessage.claimed_until) < _NOW,
        ),
    )


def _chat_free() -> sa.ColumnElement[bool]:
    chat_busy = sa.exists().where(
        col(RateBucket.key) == sa.literal(CHAT_BUCKET_PREFIX) + col(OutboxMessage.address),
        col(RateBucket.next_free_at) > _NOW,
    )
    return sa.not_(sa.and_(col(OutboxMessage.channel) == Channel.TELEGRAM, chat_busy))


async def claim(
    sessions: SessionFactory,
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    limits: Mapping[str, int],
    one_per_address: Collection[str] = (),
) -> list[OutboxMessage]:
    """Claim for ``worker`` the oldest due messages that may leave now, at most
    ``limits[channel]`` of each channel (a channel not named is not claimed); oldest first.
    Of a channel in ``one_per_address`` (a Telegram chat takes one message a second) only
    each address's oldest is claimed: a batch holds one message a chat, in their order."""
    lanes: dict[int, list[str]] = defaultdict(list)
    for channel, limit in limits.items():
        if limit > 0 and channel not in one_per_address:
            lanes[limit].append(channel)
    per_address = [c for c in sorted(one_per_address) if limits.get(c, 0) > 0]
    if not lanes and not per_address:
        return []
    claimed: list[OutboxMessage] = []
    params = {"now": now, "worker": worker, "until": now + lease}
    async with transaction(sessions) as session:
        postgres = await _start_claiming(session)
        for limit, channels in lanes.items():
            statement = _claim_oldest(tuple(sorted(channels)), postgres)
            claimed += await _claim(session, statement, {**params, "limit": limit})
        for channel in per_address:
            statement = _claim_oldest_per_address(channel, postgres)
            claimed += await _claim(session, statement, {**params, "limit": limits[channel]})
    return sorted(claimed, key=lambda row: row.id or 0)


async def claim_ids(
    sessions: SessionFactory,
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    ids: Collection[int],
) -> list[OutboxMessage]:
    """Claim exactly these messages, those of them still due, whatever their send slot."""
    params = {"now": now, "worker": worker, "until": now + lease, "ids": sorted(ids)}
    async with transaction(sessions) as session:
        postgres = await _start_claiming(session)
        claimed = await _claim(session, _claim_listed(postgres), params)
    return sorted(claimed, key=lambda row: row.id or 0)


async def _start_claiming(session: AsyncSession) -> bool:
    """On PostgreSQL, the claim's commit does not wait for its WAL to reach the disk; True
    there. A claim lost in a database crash leaves its rows 'queued', where a claim that
    was kept leaves them 'sending' until the lease runs out: either way they go again,
    as many as were in flight. Every worker's commits wait on one WAL, so this halves the
    flushes that workers queue behind. (SQLite's WAL commits do not flush anyway.)"""
    if (await session.connection()).dialect.name != "postgresql":
        return False
    await session.exec(select(sa.func.set_config("synchronous_commit", "off", True)))
    return True


async def _claim(
    session: AsyncSession, statement: sa.Update, params: dict[str, object]
) -> list[OutboxMessage]:
    result = await session.exec(statement, params=params)
    return list(result.scalars().all())


@functools.cache
def _claim_oldest(channels: tuple[str, ...], postgres: bool) -> sa.Update:
    candidates = select(OutboxMessage.id).where(
        col(OutboxMessage.channel).in_(channels), _claimable(), _chat_free()
    )
    return _claiming(candidates, postgres, limited=True)


@functools.cache
def _claim_oldest_per_address(channel: str, postgres: bool) -> sa.Update:
    # An address whose oldest is in flight with another worker gets nothing: its next
    # message would only find the slot taken, or overtake. The firsts are a CTE, on
    # PostgreSQL materialised: a semi join would otherwise group again for every row.
    in_flight_or_due = sa.or_(
        col(OutboxMessage.state) == OutboxState.SENDING,
        sa.and_(
            col(OutboxMessage.state) == OutboxState.QUEUED,
            col(OutboxMessage.next_attempt_at) <= _NOW,
        ),
    )
    firsts = (
        select(sa.func.min(OutboxMessage.id))
        .where(col(OutboxMessage.channel) == channel, in_flight_or_due, _chat_free())
        .group_by(col(OutboxMessage.address))
        .cte(f"firsts_{channel}")
    )
    if postgres:
        firsts = firsts.prefix_with("MATERIALIZED")
    candidates = select(OutboxMessage.id).where(
        col(OutboxMessage.id).in_(select(firsts.c[0])), _claimable()
    )
    return _claiming(candidates, postgres, limited=True)


@functools.cache
def _claim_listed(postgres: bool) -> sa.Update:
    candidates = select(OutboxMessage.id).where(
        col(OutboxMessage.id).in_(sa.bindparam("ids", expanding=True)), _claimable()
    )
    return _claiming(candidates, postgres, limited=False)


def _claiming(candidates: _Ids, postgres: bool, *, limited: bool) -> sa.Update:
    """The UPDATE that claims the rows ``candidates`` picks, oldest first, returning them."""
    candidates = candidates.order_by(col(OutboxMessage.id))
    if limited:
        candidates = candidates.limit(sa.bindparam("limit", type_=sa.Integer()))
    if postgres:
        # Picked once, in a materialised CTE: as a plain IN (subquery) the planner may
        # rescan it for every outer row of a semi join, and then a LIMIT limits nothing.
        picked = candidates.with_for_update(skip_locked=True).cte("picked")
        picked = picked.prefix_with("MATERIALIZED")
    else:
        picked = candidates.cte("picked")
    # RETURNING the claimed rows: one statement, not an UPDATE and a SELECT.
    return (
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(select(picked.c.id)), _claimable())
        .values(
            state=OutboxState.SENDING,
            claimed_by=sa.bindparam("worker"),
            claimed_until=sa.bindparam("until"),
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage)
        .execution_options(populate_existing=True)
    )


async def next_chance(sessions: SessionFactory, now: datetime) -> datetime | None:
    """The first moment a queued message may be sendable: its due time, or for one due
    already but waiting for a send slot, the moment the first slot frees."""
    async with sessions() as session:
        due = (
            await session.exec(
                select(sa.func.min(OutboxMessage.next_attempt_at)).where(
                    col(OutboxMessage.state) == OutboxState.QUEUED
                )
            )
        ).one()
        if due is None:
            return None
        due = _aware(due)
        if due > now:
            return due
        slot = (
            await session.exec(
                select(sa.func.min(RateBucket.next_free_at)).where(
                    col(RateBucket.next_free_at) > now
                )
            )
        ).one()
    return _aware(slot) if slot is not None else now


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; they are stored as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

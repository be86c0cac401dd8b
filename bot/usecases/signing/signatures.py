"""Signing and disputing a monthly summary.

Exactly one signature per summary, however many correct replies race: the summary
moves from 'sent' to 'signed' by a conditional UPDATE that only one transaction can
win (the others see zero rows changed), and signatures are unique per summary.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import coordinator_notices
from bot.core import participant_texts as texts
from bot.core.codes import code_matches
from bot.core.evidence import Statement, new_receipt, sealed
from bot.core.evidence_chain import Event, EventKind
from bot.core.inbound import Inbound
from bot.core.months import Month
from bot.core.reply_outcomes import Outcome, ReplyResult
from bot.core.states import CodeState, SummaryState
from bot.usecases.context import Core
from storage import audit, evidence_log, notices, queries, reply_lookups
from storage.reply_lookups import CodeOnSummary, Sender
from storage.tables import MonthlySummary, Signature, SigningCode


async def sign_with_code(
    core: Core,
    session: AsyncSession,
    inbound: Inbound,
    typed: str,
    people: list[Sender],
    now: datetime,
) -> ReplyResult:
    person_ids = [p.id for p in people]
    codes = await reply_lookups.codes_on_summaries(session, person_ids)
    connection = await session.connection()
    for code in codes:
        if code.code_state not in (CodeState.ACTIVE, CodeState.USED, CodeState.SUPERSEDED):
            continue
        if not code_matches(core.key, code.summary_sha256, typed, code.code_hmac):
            continue
        month = Month.parse(code.month).first_day
        if code.code_state == CodeState.SUPERSEDED or code.summary_state == SummaryState.SUPERSEDED:
            return ReplyResult(Outcome.SUPERSEDED, texts.CODE_SUPERSEDED)
        if code.code_state == CodeState.USED:
            return await _already_signed(core, session, code.summary_id, code.month)
        if code.expires_at <= now:
            return ReplyResult(Outcome.EXPIRED, texts.CODE_EXPIRED)
        won = await connection.execute(
            sa.update(MonthlySummary)
            .where(
                col(MonthlySummary.id) == code.summary_id,
                col(MonthlySummary.state) == SummaryState.SENT,
            )
            .values(state=SummaryState.SIGNED, state_changed_at=now)
        )
        if won.rowcount != 1:
            return await _already_signed(core, session, code.summary_id, code.month)
        await connection.execute(
            sa.update(SigningCode)
            .where(col(SigningCode.id) == code.code_id)
            .values(state=CodeState.USED)
        )
        person = next(p for p in people if p.id == code.person_id)
        receipt = new_receipt(core.rng)
        head = await evidence_log.append(
            session,
            code.project_id,
            [
                Event(
                    EventKind.SIGNED,
                    now,
                    summary_id=code.summary_id,
                    detail={
                        "person": person.ref,
                        "month": code.month,
                        "version": code.version,
                        "sha256": code.summary_sha256,
                        "receipt": receipt,
                        "channel": inbound.channel,
                        "provider_message_id": inbound.provider_id[:64],
                    },
                )
            ],
        )
        statement = Statement(
            project=code.project_code,
            person_ref=person.ref,
            person_name=person.name,
            month=code.month,
            version=code.version,
            summary_sha256=code.summary_sha256,
            channel=inbound.channel,
            sender=inbound.sender,
            provider_message_id=inbound.provider_id[:64],
            signed_at=now,
            receipt=receipt,
            key_id=core.sealer.key_id,
            chain_seq=head.seq,
            chain_hash=head.hash,
        )
        text, seal = sealed(statement, core.sealer)
        await connection.execute(
            sa.insert(Signature).values(
                summary_id=code.summary_id,
                summary_sha256=statement.summary_sha256,
                channel=statement.channel,
                sender=statement.sender,
                provider_message_id=statement.provider_message_id,
                signed_at=now,
                receipt=statement.receipt,
                seal=seal,
                key_id=statement.key_id,
                statement=text,
            )
        )
        audit.record(
            session,
            at=now,
            actor=f"person:{person.ref}",
            action="summary.signed",
            project_id=code.project_id,
            month=code.month,
            version=code.version,
            receipt=statement.receipt,
        )
        url = core.receipt_url(statement.receipt)
        return ReplyResult(
            Outcome.SIGNED, texts.signed(month=month, receipt=statement.receipt, receipt_url=url)
        )

    live = [c for c in codes if c.code_state == CodeState.ACTIVE and c.expires_at > now]
    if live:
        return await _count_wrong_try(session, live, people, now)
    if any(c.code_state == CodeState.ACTIVE for c in codes):
        return ReplyResult(Outcome.EXPIRED, texts.CODE_EXPIRED)
    if codes and codes[0].code_state == CodeState.DEAD:
        return ReplyResult(Outcome.DEAD, texts.CODE_DEAD)
    return ReplyResult(Outcome.NOTHING_PENDING, texts.NOTHING_PENDING)


async def _count_wrong_try(
    session: AsyncSession, live: list[CodeOnSummary], people: list[Sender], now: datetime
) -> ReplyResult:
    # One atomic decrement per reply: concurrent wrong replies cannot share a try.
    code_ids = [c.code_id for c in live]
    for project_id in dict.fromkeys(c.project_id for c in live):
        tried = [c for c in live if c.project_id == project_id]
        await evidence_log.append(
            session,
            project_id,
            [
                Event(
                    EventKind.WRONG_TRY,
                    now,
                    summary_id=c.summary_id,
                    detail={"person": _ref(people, c.person_id), "month": c.month},
                )
                for c in tried
            ],
        )
    connection = await session.connection()
    await connection.execute(
        sa.update(SigningCode)
        .where(col(SigningCode.id).in_(code_ids), col(SigningCode.state) == CodeState.ACTIVE)
        .values(
            attempts_left=SigningCode.attempts_left - 1,
            state=sa.case(
                (col(SigningCode.attempts_left) <= 1, CodeState.DEAD), else_=CodeState.ACTIVE
            ),
        )
    )
    left = await connection.execute(
        sa.select(sa.func.max(SigningCode.attempts_left)).where(
            col(SigningCode.id).in_(code_ids), col(SigningCode.state) == CodeState.ACTIVE
        )
    )
    tries_left = left.scalar_one()
    if not tries_left:
        return ReplyResult(Outcome.DEAD, texts.CODE_DEAD)
    return ReplyResult(Outcome.WRONG_CODE, texts.wrong_code(tries_left=int(tries_left)))


async def _already_signed(
    core: Core, session: AsyncSession, summary_id: int, month_text: str
) -> ReplyResult:
    signature = await queries.signature_for(session, summary_id)
    if signature is None:  # lost the race to a dispute or a correction
        return ReplyResult(Outcome.NOTHING_PENDING, texts.NOTHING_PENDING)
    month = Month.parse(month_text).first_day
    url = core.receipt_url(signature.receipt)
    text = texts.already_signed(month=month, receipt=signature.receipt, receipt_url=url)
    return ReplyResult(Outcome.ALREADY_SIGNED, text)


async def dispute(
    session: AsyncSession,
    people: list[Sender],
    reason: str | None,
    now: datetime,
    *,
    month: str | None = None,
) -> ReplyResult:
    """``month``: the month named ("NEJ 2026-10 ..."); with more than one month waiting
    and none named, the answer asks which, listing them."""
    person_ids = [p.id for p in people]
    waiting = (
        await session.exec(
            select(MonthlySummary)
            .where(
                col(MonthlySummary.person_id).in_(person_ids),
                col(MonthlySummary.state) == SummaryState.SENT,
            )
            .order_by(col(MonthlySummary.month).desc(), col(MonthlySummary.id).desc())
        )
    ).all()
    if not waiting:
        return ReplyResult(Outcome.NOTHING_PENDING, texts.NOTHING_PENDING)
    months = list(dict.fromkeys(Month.parse(s.month).first_day for s in waiting))
    if month is not None:
        named = [s for s in waiting if s.month == month]
        if not named:
            text = texts.month_not_waiting(Month.parse(month).first_day, months)
            return ReplyResult(Outcome.WHICH_MONTH, text)
        pending = named[0]
    elif len(months) > 1:
        return ReplyResult(Outcome.WHICH_MONTH, texts.which_month_to_dispute(months))
    else:
        pending = waiting[0]
    if not reason:
        return ReplyResult(Outcome.DISPUTE_NEEDS_REASON, texts.DISPUTE_NEEDS_REASON)
    won = await session.exec(
        sa.update(MonthlySummary)
        .where(col(MonthlySummary.id) == pending.id, col(MonthlySummary.state) == SummaryState.SENT)
        .values(state=SummaryState.DISPUTED, dispute_reason=reason, state_changed_at=now)
    )
    if won.rowcount != 1:
        return ReplyResult(Outcome.NOTHING_PENDING, texts.NOTHING_PENDING)
    await session.exec(
        sa.update(SigningCode)
        .where(
            col(SigningCode.summary_id) == pending.id, col(SigningCode.state) == CodeState.ACTIVE
        )
        .values(state=CodeState.VOID)
    )
    person = next(p for p in people if p.id == pending.person_id)
    assert pending.id is not None
    await evidence_log.append(
        session,
        pending.project_id,
        [
            Event(
                EventKind.DISPUTED,
                now,
                summary_id=pending.id,
                # The reason's digest, not its words: the log is never edited, even when
                # a person is erased, so it holds no one's own text.
                detail={
                    "person": person.ref,
                    "month": pending.month,
                    "version": pending.version,
                    "reason_sha256": hashlib.sha256(reason.encode()).hexdigest(),
                },
            )
        ],
    )
    audit.record(
        session,
        at=now,
        actor=f"person:{person.ref}",
        action="summary.disputed",
        project_id=pending.project_id,
        month=pending.month,
        version=pending.version,
    )
    first_day = Month.parse(pending.month).first_day
    await notices.tell_coordinators(
        session,
        pending.project_id,
        coordinator_notices.dispute(
            person_ref=person.ref, person_name=person.name, month=first_day, reason=reason
        ),
        now=now,
        # Opens the disputed hours, day by day, for a correction.
        buttons=((f"{person.ref} {pending.month}", f"hours show {person.ref} {pending.month}"),),
    )
    return ReplyResult(Outcome.DISPUTED, texts.disputed(month=first_day))


def _ref(people: list[Sender], person_id: int) -> str:
    return next((p.ref for p in people if p.id == person_id), "?")

"""The participant conversation: one reply in, one answer out, the same for SMS and Telegram.

Everything a reply changes (the sender's counts, the inbound record, a signature, a
dispute, an opt-out, coordinator notices, the queued answer) commits in ONE transaction
before the answer is given. The inbound row is unique per provider id, so a webhook
delivered twice finds the first row and repeats its answer instead of acting again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import coordinator_notices
from bot.core import participant_texts as texts
from bot.core.i18n import LANGUAGES, Rendered
from bot.core.inbound import Inbound
from bot.core.inbound_limits import project_windows, unknown_answer_window
from bot.core.phones import language_for_number
from bot.core.replies import Intent, Reply, parse_reply
from bot.core.reply_outcomes import Outcome, ReplyResult
from bot.core.sms_segments import fit_sms
from bot.core.states import Channel
from bot.usecases.context import Core
from bot.usecases.signing.code_requests import request_code
from bot.usecases.signing.inbound_gate import count_sender
from bot.usecases.signing.own_hours import own_hours
from bot.usecases.signing.signatures import dispute, sign_with_code
from storage import audit, inbound_limits, notices, reply_lookups
from storage.claims import claim_row
from storage.db import transaction
from storage.outbox import Outgoing, enqueue
from storage.reply_lookups import Sender
from storage.tables import InboundMessage, Person


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    text: str
    outbox_id: int | None = None  # set when the answer was queued (Telegram)
    duplicate: bool = False
    refused: bool = False  # past its sender's limit: counted, neither stored nor answered


class _OverProjectLimit(Exception):
    """Raised at the end of a reply's transaction to undo what the reply did."""


async def accept_reply(
    core: Core, inbound: Inbound, *, queue_answer: bool, gate: bool = False
) -> Answer:
    """Act on one reply. ``queue_answer``: put the answer in the outbox (Telegram) rather
    than only returning it (SMS answers travel back in the webhook's TwiML). ``gate``:
    count the sender against its limits in the same transaction (an SMS webhook has no
    earlier door; Telegram updates are counted as they arrive)."""
    reply = parse_reply(inbound.text, code_digits=core.policy.code_digits)
    now = core.clock()
    try:
        return await _act(core, inbound, reply, now, queue_answer=queue_answer, gate=gate)
    except _OverProjectLimit:
        return await _record_over_project_limit(core, inbound, reply, now, gate=gate)


async def _act(
    core: Core, inbound: Inbound, reply: Reply, now: datetime, *, queue_answer: bool, gate: bool
) -> Answer:
    async with transaction(core.sessions) as session:
        door = await _through_the_door(core, session, inbound, reply, now, gate=gate)
        if isinstance(door, Answer):
            return door
        record_id, people = door
        result = await _respond(core, session, inbound, reply, people, now)
        text = result.text.text(_language(inbound, people))
        if result.outcome is Outcome.UNKNOWN_SENDER and not await inbound_limits.count(
            session,
            unknown_answer_window(core.limits, inbound.channel, inbound.sender, now),
        ):
            text = ""  # one answer an hour to a number we do not know
        if inbound.channel == "sms":
            text = fit_sms(text) if text else ""
        # Counted last: every reply of the project updates these rows, so each holds
        # their lock only for its commit. Past the limit, all the reply did is undone.
        if people and not await inbound_limits.count(
            session, project_windows(core.limits, people[0].project_id, now)
        ):
            raise _OverProjectLimit
        await _finish(session, record_id, result.outcome, text, people)
        outbox_id = None
        if queue_answer and text:
            row = enqueue(
                session,
                Outgoing(
                    channel=inbound.channel,
                    address=inbound.sender,
                    text=text,
                    purpose="reply",
                    project_id=people[0].project_id if people else None,
                    person_id=people[0].id if people else None,
                ),
                now=now,
            )
            await session.flush()
            outbox_id = row.id
        return Answer(outcome=result.outcome, text=text, outbox_id=outbox_id)


async def _record_over_project_limit(
    core: Core, inbound: Inbound, reply: Reply, now: datetime, *, gate: bool
) -> Answer:
    """The reply is recorded as past the project's limit, and nothing else happens."""
    async with transaction(core.sessions) as session:
        door = await _through_the_door(core, session, inbound, reply, now, gate=gate)
        if isinstance(door, Answer):
            return door
        record_id, people = door
        if people:
            await inbound_limits.count(
                session, project_windows(core.limits, people[0].project_id, now)
            )
        await _finish(session, record_id, Outcome.OVER_LIMIT, "", people)
        return Answer(Outcome.OVER_LIMIT, "")


async def _through_the_door(
    core: Core, session: AsyncSession, inbound: Inbound, reply: Reply, now: datetime, *, gate: bool
) -> Answer | tuple[int, list[Sender]]:
    """What every reply passes first: the sender's count (``gate``), the claim of its
    provider id, the people behind its address. An Answer when it goes no further: past
    the sender's limit (counted, not stored), or a repeat (the first answer again)."""
    if gate and not await count_sender(session, core, inbound.channel, inbound.sender, now):
        return Answer(Outcome.OVER_LIMIT, "", refused=True)
    # The unique (channel, provider_id) decides here: a repeat finds the first answer.
    record_id = await _claim(session, inbound, reply, now)
    if record_id is None:
        return await _repeat_answer(session, inbound)
    return record_id, await reply_lookups.senders(session, inbound.channel, inbound.sender)


async def _claim(
    session: AsyncSession, inbound: Inbound, reply: Reply, now: datetime
) -> int | None:
    return await claim_row(
        session,
        InboundMessage,
        ("channel", "provider_id"),
        channel=inbound.channel,
        provider_id=inbound.provider_id[:64],
        sender=inbound.sender[:64],
        body="[code]" if reply.intent is Intent.CODE else inbound.text[:1000],
        received_at=now,
    )


async def _finish(
    session: AsyncSession, record_id: int, outcome: Outcome, text: str, people: list[Sender]
) -> None:
    await (await session.connection()).execute(
        sa.update(InboundMessage)
        .where(col(InboundMessage.id) == record_id)
        .values(outcome=outcome, reply_text=text, person_id=people[0].id if people else None)
    )


async def _repeat_answer(session: AsyncSession, inbound: Inbound) -> Answer:
    query = sa.select(col(InboundMessage.outcome), col(InboundMessage.reply_text)).where(
        col(InboundMessage.channel) == inbound.channel,
        col(InboundMessage.provider_id) == inbound.provider_id[:64],
    )
    outcome, text = (await (await session.connection()).execute(query)).one()
    return Answer(
        outcome=Outcome(outcome) if outcome else Outcome.DUPLICATE,
        text=text or "",
        duplicate=True,
    )


NO_ANSWER = Rendered("")


def _language(inbound: Inbound, people: list[Sender]) -> str:
    if people:
        return people[0].language
    if inbound.language_hint is not None and inbound.language_hint in LANGUAGES:
        return inbound.language_hint
    return language_for_number(inbound.sender) if inbound.channel == "sms" else "en"


async def _respond(
    core: Core,
    session: AsyncSession,
    inbound: Inbound,
    reply: Reply,
    people: list[Sender],
    now: datetime,
) -> ReplyResult:
    if not people:
        # The same answer whatever was sent: nothing reveals who is registered.
        return ReplyResult(Outcome.UNKNOWN_SENDER, texts.UNKNOWN_SENDER)
    match reply.intent:
        case Intent.CODE:
            assert reply.code is not None
            return await sign_with_code(core, session, inbound, reply.code, people, now)
        case Intent.DISPUTE:
            return await dispute(session, people, reply.reason, now, month=reply.month)
        case Intent.HOURS:
            sms = inbound.channel == Channel.SMS
            return ReplyResult(Outcome.HOURS, await own_hours(session, people, now, sms=sms))
        case Intent.NEW_CODE:
            return await request_code(core, session, people, reply.month, now)
        case Intent.HELP:
            return ReplyResult(Outcome.HELP, texts.HELP)
        case Intent.STOP | Intent.START:
            opted_out = reply.intent is Intent.STOP
            for person in people:
                await _set_sms_opt_out(session, person, opted_out, inbound.channel, now)
            if opted_out:
                return ReplyResult(Outcome.OPTED_OUT, texts.OPTED_OUT)
            return ReplyResult(Outcome.OPTED_IN, texts.OPTED_IN)
        case _:
            return ReplyResult(Outcome.NOT_UNDERSTOOD, texts.NOT_UNDERSTOOD)


async def _set_sms_opt_out(
    session: AsyncSession, person: Sender, opted_out: bool, channel: str, now: datetime
) -> None:
    if person.sms_opted_out == opted_out:
        return
    await (await session.connection()).execute(
        sa.update(Person).where(col(Person.id) == person.id).values(sms_opted_out=opted_out)
    )
    audit.record(
        session,
        at=now,
        actor=f"person:{person.ref}",
        action="person.opt_out" if opted_out else "person.opt_in",
        project_id=person.project_id,
        channel=channel,
    )
    await notices.tell_coordinators(
        session,
        person.project_id,
        coordinator_notices.opt_out(
            person_ref=person.ref, person_name=person.name, opted_out=opted_out
        ),
        now=now,
    )

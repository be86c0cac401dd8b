"""The participant conversation: one reply in, one answer out, the same for SMS and Telegram.

Everything a reply changes (the inbound record, a signature, a dispute, an opt-out,
coordinator notices, the queued answer) commits in ONE transaction before the answer
is given. The inbound row is unique per provider id, so a webhook delivered twice finds
the first row and repeats its answer instead of acting again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
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
from bot.usecases.context import Core
from bot.usecases.signing.signatures import dispute, sign_with_code
from storage import audit, inbound_limits, notices, queries
from storage.claims import claim_row
from storage.db import transaction
from storage.outbox import Outgoing, enqueue
from storage.tables import InboundMessage, Person


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    text: str
    outbox_id: int | None = None  # set when the answer was queued (Telegram)
    duplicate: bool = False


async def accept_reply(core: Core, inbound: Inbound, *, queue_answer: bool) -> Answer:
    """Act on one reply. ``queue_answer``: put the answer in the outbox (Telegram) rather
    than only returning it (SMS answers travel back in the webhook's TwiML)."""
    reply = parse_reply(inbound.text)
    now = core.clock()
    async with transaction(core.sessions) as session:
        # The unique (channel, provider_id) decides here: a repeat finds the first answer.
        record_id = await claim_row(
            session,
            InboundMessage,
            ("channel", "provider_id"),
            channel=inbound.channel,
            provider_id=inbound.provider_id[:64],
            sender=inbound.sender[:64],
            body="[code]" if reply.intent is Intent.CODE else inbound.text[:1000],
            received_at=now,
        )
        if record_id is None:
            return await _repeat_answer(session, inbound)
        people = list(await queries.people_by_address(session, inbound.channel, inbound.sender))
        if people and not await inbound_limits.count(
            session, project_windows(core.limits, people[0].project_id, now)
        ):
            result = ReplyResult(Outcome.OVER_LIMIT, NO_ANSWER)
        else:
            result = await _respond(core, session, inbound, reply, people, now)
        text = result.text.text(_language(inbound, people))
        if result.outcome is Outcome.UNKNOWN_SENDER and not await inbound_limits.count(
            session,
            unknown_answer_window(core.limits, inbound.channel, inbound.sender, now),
        ):
            text = ""  # one answer an hour to a number we do not know
        if inbound.channel == "sms":
            text = fit_sms(text) if text else ""
        person_id = people[0].id if people else None
        await session.exec(
            sa.update(InboundMessage)
            .where(col(InboundMessage.id) == record_id)
            .values(outcome=result.outcome, reply_text=text, person_id=person_id)
        )
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
                    person_id=person_id,
                ),
                now=now,
            )
            await session.flush()
            outbox_id = row.id
        return Answer(outcome=result.outcome, text=text, outbox_id=outbox_id)


async def _repeat_answer(session: AsyncSession, inbound: Inbound) -> Answer:
    query = select(InboundMessage.outcome, InboundMessage.reply_text).where(
        col(InboundMessage.channel) == inbound.channel,
        col(InboundMessage.provider_id) == inbound.provider_id[:64],
    )
    outcome, text = (await session.exec(query)).one()
    return Answer(
        outcome=Outcome(outcome) if outcome else Outcome.DUPLICATE,
        text=text or "",
        duplicate=True,
    )


NO_ANSWER = Rendered("")


def _language(inbound: Inbound, people: list[Person]) -> str:
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
    people: list[Person],
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
            return await dispute(session, people, reply.reason, now)
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
    session: AsyncSession, person: Person, opted_out: bool, channel: str, now: datetime
) -> None:
    if person.sms_opted_out == opted_out:
        return
    person.sms_opted_out = opted_out
    session.add(person)
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

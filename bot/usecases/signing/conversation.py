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

from bot.core import coordinator_notices as coordinator_texts
from bot.core import participant_texts as texts
from bot.core.phones import language_for_number
from bot.core.replies import Intent, Reply, parse_reply
from bot.core.sms_segments import fit_sms
from bot.usecases.context import Core
from bot.usecases.signing import signatures as signing
from storage import audit, notices, queries
from storage.db import transaction
from storage.outbox import Outgoing, enqueue
from storage.tables import InboundMessage, Person


@dataclass(frozen=True)
class Inbound:
    channel: str  # "sms" | "telegram"
    provider_id: str  # Twilio MessageSid / Telegram update_id: the de-duplication key
    sender: str  # E.164 phone / Telegram chat id
    text: str
    language_hint: str | None = None  # e.g. Telegram's user language, for unknown senders


@dataclass(frozen=True)
class Answer:
    outcome: str
    text: str
    outbox_id: int | None = None  # set when the answer was queued (Telegram)
    duplicate: bool = False


async def accept_reply(core: Core, inbound: Inbound, *, queue_answer: bool) -> Answer:
    """Act on one reply. ``queue_answer``: put the answer in the outbox (Telegram) rather
    than only returning it (SMS answers travel back in the webhook's TwiML)."""
    reply = parse_reply(inbound.text)
    now = core.clock()
    try:
        async with transaction(core.sessions) as session:
            record = InboundMessage(
                channel=inbound.channel,
                provider_id=inbound.provider_id[:64],
                sender=inbound.sender[:64],
                body="[code]" if reply.intent is Intent.CODE else inbound.text[:1000],
                received_at=now,
            )
            session.add(record)
            await session.flush()  # the unique (channel, provider_id) decides here
            people = list(await queries.people_by_address(session, inbound.channel, inbound.sender))
            outcome, text = await _respond(core, session, inbound, reply, people, now)
            if inbound.channel == "sms":
                text = fit_sms(text)
            record.outcome = outcome
            record.reply_text = text
            record.person_id = people[0].id if people else None
            outbox_id = None
            if queue_answer:
                row = enqueue(
                    session,
                    Outgoing(
                        channel=inbound.channel,
                        address=inbound.sender,
                        text=text,
                        purpose="reply",
                        project_id=people[0].project_id if people else None,
                        person_id=record.person_id,
                    ),
                    now=now,
                )
                await session.flush()
                outbox_id = row.id
            return Answer(outcome=outcome, text=text, outbox_id=outbox_id)
    except sa.exc.IntegrityError:
        return await _repeat_answer(core, inbound)


async def _repeat_answer(core: Core, inbound: Inbound) -> Answer:
    async with transaction(core.sessions) as session:
        query = select(InboundMessage).where(
            col(InboundMessage.channel) == inbound.channel,
            col(InboundMessage.provider_id) == inbound.provider_id[:64],
        )
        first = (await session.exec(query)).first()
    if first is None:  # the integrity error was something else: let it surface
        raise RuntimeError("inbound insert failed without an earlier delivery")
    return Answer(outcome=first.outcome or "duplicate", text=first.reply_text or "", duplicate=True)


def _language(inbound: Inbound, people: list[Person]) -> str:
    if people:
        return people[0].language
    if inbound.language_hint is not None and inbound.language_hint in texts.LANGUAGES:
        return inbound.language_hint
    return language_for_number(inbound.sender) if inbound.channel == "sms" else "en"


async def _respond(
    core: Core,
    session: AsyncSession,
    inbound: Inbound,
    reply: Reply,
    people: list[Person],
    now: datetime,
) -> tuple[str, str]:
    language = _language(inbound, people)
    if not people:
        # The same answer whatever was sent: nothing reveals who is registered.
        return "unknown_sender", texts.unknown_sender(language)
    match reply.intent:
        case Intent.CODE:
            assert reply.code is not None
            return await signing.sign_with_code(core, session, inbound, reply.code, people, now)
        case Intent.DISPUTE:
            return await signing.dispute(session, people, reply.reason, now)
        case Intent.HELP:
            return "help", texts.help(language)
        case Intent.STOP | Intent.START:
            opted_out = reply.intent is Intent.STOP
            for person in people:
                await _set_sms_opt_out(session, person, opted_out, inbound.channel, now)
            if opted_out:
                return "opted_out", texts.opted_out(language)
            return "opted_in", texts.opted_in(language)
        case _:
            return "not_understood", texts.not_understood(language)


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
        lambda lang: coordinator_texts.opt_out(
            lang, person_ref=person.ref, person_name=person.name, opted_out=opted_out
        ),
        now=now,
    )

"""A message that can never be delivered: what it means for its person, and who is told.

The dispatcher records the failure and calls this in the same transaction: Twilio's
"opted out" marks the person so closes and reminders stop queueing SMS that would fail;
a Telegram chat that is gone for good hands the person over to SMS (with a copy of the
message); anything else is told to the coordinators.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import coordinator_notices
from bot.core.routing import sms_route
from bot.core.states import Channel
from storage import audit, notices
from storage.outbox import Outgoing, enqueue
from storage.tables import OutboxMessage, Person


async def after_permanent_failure(
    session: AsyncSession,
    row: OutboxMessage,
    reason: str,
    *,
    opted_out: bool,
    reporter: str,
    now: datetime,
) -> None:
    if row.person_id is None or row.purpose == "coordinator":
        return
    person = await session.get(Person, row.person_id)
    if person is None:
        return
    if opted_out and row.channel == Channel.SMS:
        # The provider refuses SMS to this number until the person sends START again.
        person.sms_opted_out = True
        session.add(person)
        audit.record(
            session,
            at=now,
            actor=reporter,
            action="person.opt_out",
            project_id=person.project_id,
            person=person.ref,
        )
    fallback = sms_route(person) if row.channel == Channel.TELEGRAM else None
    if fallback is None:
        await notices.tell_coordinators(
            session,
            person.project_id,
            coordinator_notices.delivery_failed(
                person_ref=person.ref, person_name=person.name, reason=reason
            ),
            now=now,
        )
        return
    # Telegram is gone for this person (blocked, chat deleted): SMS takes over.
    person.channel = Channel.SMS
    session.add(person)
    enqueue(
        session,
        Outgoing(
            channel=Channel.SMS,
            address=fallback.address,
            text=row.text,
            purpose=row.purpose,
            project_id=row.project_id,
            person_id=row.person_id,
            summary_id=row.summary_id,
            sealed_code=row.sealed_code,
            validity_seconds=row.validity_seconds,
        ),
        now=now,
    )
    await notices.tell_coordinators(
        session,
        person.project_id,
        coordinator_notices.channel_changed(
            person_ref=person.ref, person_name=person.name, channel=Channel.SMS
        ),
        now=now,
    )

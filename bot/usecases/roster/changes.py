"""Changing who and what is registered: end an activity, edit or deactivate a person,
make a Telegram invite, delete a recorded day. One transaction and one audit event each.

People are deactivated, never deleted: their signed months stay evidence.
"""

from __future__ import annotations

import secrets
from datetime import date

from sqlmodel import col, select

from bot.core.errors import InputError
from bot.core.i18n import Message
from bot.core.months import Month
from bot.core.phones import to_e164
from bot.core.states import Channel
from bot.usecases.closing.resend import PendingResend, after_hours_changed
from bot.usecases.context import Core
from bot.usecases.recording.hours import refuse_signed_month
from bot.usecases.roster.find import find_activity, find_person
from bot.usecases.roster.registry import LANGUAGES
from storage import audit, queries
from storage.db import transaction
from storage.tables import Activity, Person, Project, TimeEntry

CHANNELS = tuple(Channel)
EDITABLE = ("phone", "language", "channel")


async def end_activity(
    core: Core, project: Project, text: str, ends_on: date, *, actor: str
) -> Activity:
    now = core.clock()
    async with transaction(core.sessions) as session:
        assert project.id is not None
        activity = await find_activity(session, project.id, text)
        if ends_on < activity.starts_on:
            raise InputError(
                Message(
                    "%(ref)s starts on %(day)s; it cannot end before.",
                    ref=activity.ref,
                    day=activity.starts_on.isoformat(),
                )
            )
        later = await session.exec(
            select(col(TimeEntry.day)).where(
                TimeEntry.activity_id == activity.id, col(TimeEntry.day) > ends_on
            )
        )
        if (day := later.first()) is not None:
            raise InputError(
                Message(
                    "%(ref)s has hours on %(day)s; delete them before ending it earlier.",
                    ref=activity.ref,
                    day=day.isoformat(),
                )
            )
        activity.ends_on = ends_on
        session.add(activity)
        audit.record(
            session,
            at=now,
            actor=actor,
            action="activity.end",
            project_id=project.id,
            activity=activity.ref,
            ends_on=ends_on.isoformat(),
        )
    return activity


async def edit_person(
    core: Core, project: Project, text: str, field: str, value: str, *, actor: str
) -> Person:
    if field not in EDITABLE:
        raise InputError(Message("You can edit %(fields)s.", fields=", ".join(EDITABLE)))
    now = core.clock()
    async with transaction(core.sessions) as session:
        person = await find_person(session, project, text)
        if field == "phone":
            phone = to_e164(value, project.country)
            other = await session.exec(
                select(Person.ref).where(
                    Person.project_id == project.id, Person.phone == phone, Person.id != person.id
                )
            )
            if (ref := other.first()) is not None:
                raise InputError(Message("That phone number belongs to %(ref)s already.", ref=ref))
            person.phone = phone
        elif field == "language":
            if value not in LANGUAGES:
                raise InputError(
                    Message(
                        "The language must be one of %(languages)s.", languages=", ".join(LANGUAGES)
                    )
                )
            person.language = value
        else:
            if value not in CHANNELS:
                raise InputError(Message("The channel is sms or telegram."))
            if value == Channel.TELEGRAM and person.telegram_chat_id is None:
                raise InputError(
                    Message(
                        "%(ref)s has not linked Telegram yet; send them /person invite %(ref)s.",
                        ref=person.ref,
                    )
                )
            person.channel = Channel(value)
        session.add(person)
        # The new value itself stays out of the audit detail: a phone number is personal data.
        audit.record(
            session,
            at=now,
            actor=actor,
            action="person.edit",
            project_id=project.id,
            person=person.ref,
            field=field,
        )
    return person


async def deactivate_person(core: Core, project: Project, text: str, *, actor: str) -> Person:
    now = core.clock()
    async with transaction(core.sessions) as session:
        person = await find_person(session, project, text)
        if not person.active:
            raise InputError(Message("%(ref)s is inactive already.", ref=person.ref))
        person.active = False
        person.invite_token = None
        session.add(person)
        audit.record(
            session,
            at=now,
            actor=actor,
            action="person.deactivate",
            project_id=project.id,
            person=person.ref,
        )
    return person


async def new_invite(core: Core, project: Project, text: str, *, actor: str) -> tuple[Person, str]:
    """A fresh one-time invite token (an invite works once; a new one replaces the old)."""
    now = core.clock()
    async with transaction(core.sessions) as session:
        person = await find_person(session, project, text)
        if not person.active:
            raise InputError(Message("%(ref)s is inactive.", ref=person.ref))
        token = secrets.token_urlsafe(24)
        person.invite_token = token
        person.invite_created_at = now
        session.add(person)
        audit.record(
            session,
            at=now,
            actor=actor,
            action="person.invite",
            project_id=project.id,
            person=person.ref,
        )
    return person, token


async def delete_day(
    core: Core,
    project: Project,
    person_text: str,
    activity_text: str,
    day: date,
    *,
    actor: str,
    correction: bool = False,
) -> tuple[Person, PendingResend | None]:
    now = core.clock()
    async with transaction(core.sessions) as session:
        assert project.id is not None
        person = await find_person(session, project, person_text)
        activity = await find_activity(session, project.id, activity_text)
        assert person.id is not None
        await refuse_signed_month(session, person, day, correction=correction)
        assert activity.id is not None
        entry = await queries.entry_on(session, person.id, activity.id, day)
        if entry is None:
            raise InputError(
                Message(
                    "%(ref)s has no hours on %(activity)s on %(day)s.",
                    ref=person.ref,
                    activity=activity.ref,
                    day=day.isoformat(),
                )
            )
        await session.delete(entry)
        await session.flush()
        resend = await after_hours_changed(session, project, person, Month.of(day), now)
        audit.record(
            session,
            at=now,
            actor=actor,
            action="hours.delete",
            project_id=project.id,
            person=person.ref,
            activity=activity.ref,
            day=day.isoformat(),
        )
    return person, resend

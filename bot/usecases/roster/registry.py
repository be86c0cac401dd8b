"""Registering projects, activities and people: the writes coordinators make first.

Each function is one transaction with one audit event. Protected identities are
refused before anything is written: the seeds forbid registering them in a digital
time-reporting system at all (they are reported to the statistics office only).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import InputError, ProtectedIdentityError
from bot.core.i18n import Message
from bot.core.phones import to_e164
from bot.core.suggest import not_a_choice
from bot.usecases.context import Core
from storage import audit, evidence_log, queries
from storage.db import transaction
from storage.tables import Activity, Person, Project

PERSON_KINDS = ("participant", "staff")
ACTIVITY_KINDS = ("training", "internship", "counselling", "other")
LANGUAGES = ("sv", "en", "pl")


@dataclass(frozen=True)
class NewPerson:
    name: str
    phone: str | None
    kind: str = "participant"
    language: str | None = None
    protected_identity: bool = False
    reduced_hours: bool = False


async def create_project(
    core: Core,
    *,
    code: str,
    name: str,
    actor: str,
    country: str = "SE",
    time_zone: str = "Europe/Stockholm",
    language: str = "sv",
) -> Project:
    code = code.strip().upper()
    if not code or len(code) > 32 or not all(c.isalnum() or c in "-_" for c in code):
        raise InputError(Message("A project code is 1 to 32 letters, digits, - or _, e.g. ESF-1."))
    if not name.strip():
        raise InputError(Message("Give the project a name."))
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            Message(
                "'%(zone)s' is not a time zone; use e.g. Europe/Stockholm.", zone=time_zone[:40]
            )
        ) from None
    now = core.clock()
    async with transaction(core.sessions) as session:
        if await queries.project_by_code(session, code) is not None:
            raise InputError(Message("A project with code %(code)s exists already.", code=code))
        project = Project(
            code=code,
            name=name.strip()[:200],
            country=country.upper(),
            time_zone=time_zone,
            language=language,
            created_at=now,
        )
        session.add(project)
        await session.flush()
        assert project.id is not None
        await evidence_log.start_chain(session, project.id)
        audit.record(
            session, at=now, actor=actor, action="project.create", project_id=project.id, code=code
        )
    return project


async def existing_project(session: AsyncSession, code: str) -> Project:
    project = await queries.project_by_code(session, code)
    if project is None:
        raise InputError(Message("There is no project %(code)s.", code=code))
    return project


async def add_activity(
    core: Core,
    project_code: str,
    *,
    name: str,
    kind: str,
    starts_on: date,
    ends_on: date,
    actor: str,
) -> Activity:
    if kind not in ACTIVITY_KINDS:
        raise not_a_choice(kind, ACTIVITY_KINDS, Message("a kind of activity"))
    if ends_on < starts_on:
        raise InputError(Message("The activity ends before it starts; check the dates."))
    if not name.strip():
        raise InputError(Message("Give the activity a name."))
    now = core.clock()
    async with transaction(core.sessions) as session:
        project = await existing_project(session, project_code)
        assert project.id is not None
        count = await session.exec(
            select(sa.func.count()).select_from(Activity).where(Activity.project_id == project.id)
        )
        activity = Activity(
            project_id=project.id,
            ref=f"A-{count.one() + 1:03d}",
            name=name.strip()[:200],
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            created_at=now,
        )
        session.add(activity)
        await session.flush()
        audit.record(
            session,
            at=now,
            actor=actor,
            action="activity.add",
            project_id=project.id,
            activity=activity.ref,
        )
    return activity


async def add_person(core: Core, project_code: str, new: NewPerson, *, actor: str) -> Person:
    if new.protected_identity:
        # Refused before any lookup or write: nothing about this person may be stored.
        raise ProtectedIdentityError(
            Message(
                "People with protected identity must not be registered in a digital "
                "time-reporting system; report their time on paper and to SCB only."
            )
        )
    if new.kind not in PERSON_KINDS:
        raise not_a_choice(new.kind, PERSON_KINDS, Message("a kind of person"))
    if new.language is not None and new.language not in LANGUAGES:
        raise not_a_choice(new.language, LANGUAGES, Message("a language timesign speaks"))
    if not new.name.strip():
        raise InputError(Message("Give the person's name."))
    now = core.clock()
    async with transaction(core.sessions) as session:
        project = await existing_project(session, project_code)
        assert project.id is not None
        phone = to_e164(new.phone, project.country) if new.phone else None
        if phone is not None:
            taken = await session.exec(
                select(Person.ref).where(Person.project_id == project.id, Person.phone == phone)
            )
            if (ref := taken.first()) is not None:
                raise InputError(Message("That phone number belongs to %(ref)s already.", ref=ref))
        count = await session.exec(
            select(sa.func.count()).select_from(Person).where(Person.project_id == project.id)
        )
        person = Person(
            project_id=project.id,
            ref=f"P-{count.one() + 1:04d}",
            name=new.name.strip()[:200],
            kind=new.kind,
            phone=phone,
            language=new.language or project.language,
            reduced_hours=new.reduced_hours,
            invite_token=secrets.token_urlsafe(24),
            invite_created_at=now,
            created_at=now,
        )
        session.add(person)
        await session.flush()
        audit.record(
            session,
            at=now,
            actor=actor,
            action="person.add",
            project_id=project.id,
            person=person.ref,
        )
    return person

"""Registering projects, activities, people and hours: the writes coordinators make.

Each function is one transaction with one audit event. Protected identities are
refused before anything is written: the seeds forbid registering them in a digital
time-reporting system at all (they are reported to the statistics office only).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import Core
from bot.errors import InputError, ProtectedIdentityError
from bot.months import Month, local_today
from bot.phones import to_e164
from bot.rules import HoursContext, check_hours
from storage import audit, queries
from storage.db import transaction
from storage.tables import Activity, Person, Project, TimeEntry

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
        raise InputError("A project code is 1 to 32 letters, digits, - or _, e.g. ESF-1.")
    if not name.strip():
        raise InputError("Give the project a name.")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"'{time_zone[:40]}' is not a time zone; use e.g. Europe/Stockholm."
        ) from None
    now = core.clock()
    async with transaction(core.sessions) as session:
        if await queries.project_by_code(session, code) is not None:
            raise InputError(f"A project with code {code} exists already.")
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
        audit.record(
            session, at=now, actor=actor, action="project.create", project_id=project.id, code=code
        )
    return project


async def _project(session: AsyncSession, code: str) -> Project:
    project = await queries.project_by_code(session, code)
    if project is None:
        raise InputError(f"There is no project {code}.")
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
        raise InputError(f"The kind must be one of {', '.join(ACTIVITY_KINDS)}.")
    if ends_on < starts_on:
        raise InputError("The activity ends before it starts; check the dates.")
    if not name.strip():
        raise InputError("Give the activity a name.")
    now = core.clock()
    async with transaction(core.sessions) as session:
        project = await _project(session, project_code)
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
            "People with protected identity must not be registered in a digital "
            "time-reporting system; report their time on paper and to SCB only."
        )
    if new.kind not in PERSON_KINDS:
        raise InputError("A person is a participant or staff.")
    if new.language is not None and new.language not in LANGUAGES:
        raise InputError(f"The language must be one of {', '.join(LANGUAGES)}.")
    if not new.name.strip():
        raise InputError("Give the person's name.")
    now = core.clock()
    async with transaction(core.sessions) as session:
        project = await _project(session, project_code)
        assert project.id is not None
        phone = to_e164(new.phone, project.country) if new.phone else None
        if phone is not None:
            taken = await session.exec(
                select(Person.ref).where(Person.project_id == project.id, Person.phone == phone)
            )
            if (ref := taken.first()) is not None:
                raise InputError(f"That phone number belongs to {ref} already.")
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


@dataclass(frozen=True)
class RecordedHours:
    entry: TimeEntry
    warnings: list[str]


async def record_hours(
    core: Core,
    project_code: str,
    *,
    person_ref: str,
    activity_ref: str,
    day: date,
    minutes: int,
    actor: str,
    correction: bool = False,
) -> RecordedHours:
    """Record or replace one day after every hours rule has passed.

    A month that a person has signed changes only by an explicit ``correction``: the
    next close then supersedes the signed summary and sends the new one for signing.
    """
    now = core.clock()
    async with transaction(core.sessions) as session:
        project = await _project(session, project_code)
        person = (
            await session.exec(
                select(Person).where(Person.project_id == project.id, Person.ref == person_ref)
            )
        ).first()
        activity = (
            await session.exec(
                select(Activity).where(
                    Activity.project_id == project.id, Activity.ref == activity_ref
                )
            )
        ).first()
        if person is None or person.id is None:
            raise InputError(f"There is no person {person_ref} in {project.code}.")
        if activity is None or activity.id is None:
            raise InputError(f"There is no activity {activity_ref} in {project.code}.")
        recorded = await record_day(
            session, project, person, activity, day, minutes, now=now, correction=correction
        )
        audit.record(
            session,
            at=now,
            actor=actor,
            action="hours.correct" if correction else "hours.record",
            project_id=project.id,
            person=person.ref,
            activity=activity.ref,
            day=day.isoformat(),
            minutes=minutes,
        )
    return recorded


async def refuse_signed_month(
    session: AsyncSession, person: Person, day: date, *, correction: bool
) -> None:
    """A signed month changes only by an explicit correction, which the next close re-sends."""
    assert person.id is not None
    month = str(Month.of(day))
    if not correction and await queries.has_signed_summary(session, person.id, month):
        raise InputError(
            f"{person.ref} has signed {month} already; record a correction to change it "
            "(the corrected month is sent for signing again)."
        )


async def record_day(
    session: AsyncSession,
    project: Project,
    person: Person,
    activity: Activity,
    day: date,
    minutes: int,
    *,
    now: datetime,
    correction: bool = False,
) -> RecordedHours:
    """Check every hours rule for one day against what ``session`` sees, then add or
    replace the entry. No audit event and no commit: the caller's transaction owns both,
    so an attendance list can record many days, each checked against the ones before it.
    """
    assert person.id is not None and activity.id is not None
    entry = await queries.entry_on(session, person.id, activity.id, day)
    await refuse_signed_month(session, person, day, correction=correction)
    around = await queries.minutes_around(
        session, person.id, day, activity.kind, excluding=entry.id if entry else None
    )
    warnings = check_hours(
        day,
        minutes,
        HoursContext(
            today=local_today(now, project.time_zone),
            country=project.country,
            programme_period=project.programme_period,
            person_kind=person.kind,
            reduced_hours=person.reduced_hours,
            activity_kind=activity.kind,
            activity_starts=activity.starts_on,
            activity_ends=activity.ends_on,
            allows_holidays=activity.allows_holidays,
            same_kind_day_minutes=around["same_kind_day"],
            same_kind_week_minutes=around["same_kind_week"],
            person_day_minutes=around["person_day"],
            year_minutes=around["year"],
        ),
    )
    if entry is None:
        entry = TimeEntry(
            person_id=person.id,
            activity_id=activity.id,
            day=day,
            minutes=minutes,
            recorded_at=now,
        )
    else:
        entry.minutes, entry.recorded_at = minutes, now
    session.add(entry)
    return RecordedHours(entry, warnings)

"""Recording hours: one day at a time, every rule checked against what is recorded.

``record_day`` is the one place the rules run, inside the caller's transaction, so a
single /hours and a whole attendance list are judged alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import InputError
from bot.core.i18n import Message
from bot.core.months import Month, local_today
from bot.core.rules import HoursContext, check_hours
from bot.usecases.closing.resend import PendingResend, after_hours_changed
from bot.usecases.context import Core
from bot.usecases.roster.registry import existing_project
from storage import audit, queries
from storage.db import transaction
from storage.tables import Activity, Person, Project, TimeEntry


@dataclass(frozen=True)
class RecordedHours:
    entry: TimeEntry
    warnings: list[Message]  # each rendered in the reader's language
    replaced_minutes: int | None = None  # the day's hours before, when they were replaced
    resend: PendingResend | None = None  # the month had been sent: it goes again


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

    A month that a person has signed changes only by an explicit ``correction``. A
    month already sent is superseded at once and sent again at the next sending hour.
    """
    now = core.clock()
    async with transaction(core.sessions) as session:
        project = await existing_project(session, project_code)
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
            raise InputError(
                Message(
                    "There is no person %(ref)s in %(code)s.", ref=person_ref, code=project.code
                )
            )
        if activity is None or activity.id is None:
            raise InputError(
                Message(
                    "There is no activity %(ref)s in %(code)s.", ref=activity_ref, code=project.code
                )
            )
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
    """A signed month changes only by an explicit correction, which is then re-sent."""
    assert person.id is not None
    month = str(Month.of(day))
    if not correction and await queries.has_signed_summary(session, person.id, month):
        raise InputError(
            Message(
                "%(ref)s has signed %(month)s already; record a correction to change it "
                "(the corrected month is sent for signing again).",
                ref=person.ref,
                month=month,
            )
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
            refuse_saturdays=project.refuse_saturdays,
            same_kind_day_minutes=around["same_kind_day"],
            same_kind_week_minutes=around["same_kind_week"],
            person_day_minutes=around["person_day"],
            year_minutes=around["year"],
        ),
    )
    replaced = entry.minutes if entry is not None else None
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
    resend = await after_hours_changed(session, project, person, Month.of(day), now)
    return RecordedHours(entry, warnings, replaced, resend)

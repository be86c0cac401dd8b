"""Reads shared by the use-cases; each returns plain rows, loaded eagerly (no lazy loads)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.standing import PersonMonth
from bot.core.states import OutboxState, SummaryState
from storage.reply_lookups import address_filter
from storage.tables import (
    Activity,
    ChatProject,
    Coordinator,
    MonthlySummary,
    OutboxMessage,
    Person,
    Project,
    Signature,
    TimeEntry,
)

OPEN_STATES = (SummaryState.SENT, SummaryState.SIGNED, SummaryState.DISPUTED)
CODE_REQUEST = "code_request"  # the outbox purpose of a code a participant asked for


async def project_by_code(session: AsyncSession, code: str) -> Project | None:
    return (await session.exec(select(Project).where(Project.code == code))).first()


async def active_people(session: AsyncSession, project_id: int) -> Sequence[Person]:
    query = select(Person).where(Person.project_id == project_id, col(Person.active).is_(True))
    return (await session.exec(query.order_by(col(Person.id)))).all()


async def entries_between(
    session: AsyncSession, project_id: int, first: date, last: date
) -> Sequence[tuple[TimeEntry, Activity]]:
    query = (
        select(TimeEntry, Activity)
        .join(Activity, col(Activity.id) == TimeEntry.activity_id)
        .where(Activity.project_id == project_id, TimeEntry.day >= first, TimeEntry.day <= last)
        .order_by(col(TimeEntry.person_id), col(Activity.ref), col(TimeEntry.day))
    )
    return (await session.exec(query)).all()


async def open_summaries(
    session: AsyncSession, project_id: int, month: str
) -> dict[int, MonthlySummary]:
    """The current (not superseded) summary of each person for ``month``."""
    query = select(MonthlySummary).where(
        MonthlySummary.project_id == project_id,
        MonthlySummary.month == month,
        col(MonthlySummary.state).in_(OPEN_STATES),
    )
    return {s.person_id: s for s in (await session.exec(query)).all()}


async def latest_versions(session: AsyncSession, project_id: int, month: str) -> dict[int, int]:
    query = select(MonthlySummary.person_id, MonthlySummary.version).where(
        MonthlySummary.project_id == project_id, MonthlySummary.month == month
    )
    versions: dict[int, int] = {}
    for person_id, version in (await session.exec(query)).all():
        versions[person_id] = max(version, versions.get(person_id, 0))
    return versions


async def people_by_address(session: AsyncSession, channel: str, address: str) -> Sequence[Person]:
    where = address_filter(channel, address)
    if where is None:
        return []
    query = select(Person).where(where, col(Person.active).is_(True)).order_by(col(Person.id))
    return (await session.exec(query)).all()


async def signature_for(session: AsyncSession, summary_id: int) -> Signature | None:
    query = select(Signature).where(Signature.summary_id == summary_id)
    return (await session.exec(query)).first()


async def coordinators(session: AsyncSession, project_id: int) -> Sequence[Coordinator]:
    query = select(Coordinator).where(
        Coordinator.project_id == project_id, col(Coordinator.role).in_(("admin", "coordinator"))
    )
    return (await session.exec(query)).all()


async def minutes_around(
    session: AsyncSession, person_id: int, day: date, kind: str, *, excluding: int | None
) -> dict[str, int]:
    """A person's other recorded minutes around ``day``: what the hours rules compare to.

    One pass over the person's calendar year; ``excluding`` is the entry being replaced,
    so replacing a day is checked against the rest and not against itself.
    """
    query = (
        select(col(TimeEntry.id), col(TimeEntry.day), col(TimeEntry.minutes), col(Activity.kind))
        .join(Activity, col(Activity.id) == TimeEntry.activity_id)
        .where(
            TimeEntry.person_id == person_id,
            TimeEntry.day >= date(day.year, 1, 1),
            TimeEntry.day <= date(day.year, 12, 31),
        )
    )
    week = day.isocalendar()[:2]
    totals = {"same_kind_day": 0, "same_kind_week": 0, "person_day": 0, "year": 0}
    for entry_id, entry_day, minutes, entry_kind in (await session.exec(query)).all():
        if entry_id == excluding:
            continue
        totals["year"] += minutes
        if entry_day == day:
            totals["person_day"] += minutes
        if entry_kind == kind:
            totals["same_kind_day"] += minutes if entry_day == day else 0
            totals["same_kind_week"] += minutes if entry_day.isocalendar()[:2] == week else 0
    return totals


async def has_signed_summary(session: AsyncSession, person_id: int, month: str) -> bool:
    query = select(MonthlySummary.id).where(
        MonthlySummary.person_id == person_id,
        MonthlySummary.month == month,
        MonthlySummary.state == SummaryState.SIGNED,
    )
    return (await session.exec(query)).first() is not None


async def role_of(
    session: AsyncSession, project: Project | None, telegram_user_id: int | None
) -> str | None:
    if project is None or telegram_user_id is None:
        return None
    query = select(Coordinator.role).where(
        Coordinator.project_id == project.id, Coordinator.telegram_user_id == telegram_user_id
    )
    return (await session.exec(query)).first()


async def chosen_project(session: AsyncSession, telegram_user_id: int) -> Project | None:
    query = (
        select(Project)
        .join(ChatProject, col(ChatProject.project_id) == Project.id)
        .where(ChatProject.telegram_user_id == telegram_user_id)
    )
    return (await session.exec(query)).first()


async def activities(session: AsyncSession, project_id: int) -> Sequence[Activity]:
    query = select(Activity).where(Activity.project_id == project_id, col(Activity.active))
    return (await session.exec(query.order_by(col(Activity.ref)))).all()


async def people_named(
    session: AsyncSession, project_id: int, *, ref: str, name: str, phone: str | None
) -> Sequence[Person]:
    """The project's people whose reference, exact name or phone number matches."""
    query = select(Person).where(
        Person.project_id == project_id,
        sa.or_(col(Person.ref) == ref, col(Person.name) == name, col(Person.phone) == phone),
    )
    return (await session.exec(query.order_by(col(Person.id)))).all()


async def activities_named(
    session: AsyncSession, project_id: int, *, ref: str, name: str
) -> Sequence[Activity]:
    query = select(Activity).where(
        Activity.project_id == project_id,
        sa.or_(col(Activity.ref) == ref, col(Activity.name) == name),
    )
    return (await session.exec(query.order_by(col(Activity.id)))).all()


async def names_of(
    session: AsyncSession, table: type[Person] | type[Activity], project_id: int
) -> dict[str, str]:
    """Every name in the project with its reference: what a typo is compared with."""
    query = select(table.name, table.ref).where(table.project_id == project_id)
    return dict((await session.exec(query)).all())


async def unsigned(
    session: AsyncSession, project_id: int, month: str
) -> list[tuple[Person, MonthlySummary, OutboxState | None]]:
    """People whose current summary of ``month`` waits for a signature, with delivery state."""
    query = (
        select(Person, MonthlySummary)
        .join(MonthlySummary, col(MonthlySummary.person_id) == Person.id)
        .where(
            MonthlySummary.project_id == project_id,
            MonthlySummary.month == month,
            MonthlySummary.state == SummaryState.SENT,
        )
        .order_by(col(Person.ref))
    )
    rows = (await session.exec(query)).all()
    ids = [s.id for _, s in rows]
    latest: dict[int, OutboxState] = {}
    messages = await session.exec(
        select(OutboxMessage.summary_id, OutboxMessage.state)
        .where(col(OutboxMessage.summary_id).in_(ids))
        .order_by(col(OutboxMessage.id))
    )
    for summary_id, state in messages.all():
        if summary_id is not None:
            latest[summary_id] = OutboxState(state)
    return [(p, s, latest.get(s.id or 0)) for p, s in rows]


async def has_any_role(session: AsyncSession, telegram_user_id: int) -> bool:
    query = select(Coordinator.id).where(Coordinator.telegram_user_id == telegram_user_id)
    return (await session.exec(query)).first() is not None


async def person_entries(
    session: AsyncSession, person_id: int, first: date, last: date
) -> Sequence[tuple[TimeEntry, Activity]]:
    query = (
        select(TimeEntry, Activity)
        .join(Activity, col(Activity.id) == TimeEntry.activity_id)
        .where(TimeEntry.person_id == person_id, TimeEntry.day >= first, TimeEntry.day <= last)
        .order_by(col(TimeEntry.day), col(Activity.ref))
    )
    return (await session.exec(query)).all()


async def entry_on(
    session: AsyncSession, person_id: int, activity_id: int, day: date
) -> TimeEntry | None:
    query = select(TimeEntry).where(
        TimeEntry.person_id == person_id,
        TimeEntry.activity_id == activity_id,
        col(TimeEntry.day) == day,
    )
    return (await session.exec(query)).first()


def _backed(summary: Any) -> SummaryState:
    """A month marked signed that no signature backs (an edit in the database) is not
    counted as signed: it is waiting, as far as anyone chasing signatures is concerned."""
    state = SummaryState(summary.state)
    if state is SummaryState.SIGNED and summary.signature_id is None:
        return SummaryState.SENT
    return state


async def month_standing(
    session: AsyncSession, project_id: int, month: str, first: date, last: date
) -> list[PersonMonth]:
    """Every person with hours in the month or a summary of it, with their newest summary
    version, that version's newest message and how many codes they asked for, by reference."""
    # Columns, not ORM objects: a large project lists thousands, and making each object
    # (with its summary document) cost most of the answer's time.
    newest: dict[int, Any] = {}  # person id: the row of their newest version
    summaries: Any = (  # ten columns: past what the typing of select follows
        sa.select(
            col(MonthlySummary.person_id),
            col(MonthlySummary.version),
            col(MonthlySummary.id),
            col(MonthlySummary.state),
            col(MonthlySummary.created_at),
            col(MonthlySummary.state_changed_at),
            col(MonthlySummary.dispute_reason),
            col(MonthlySummary.reminders_sent),
            col(MonthlySummary.last_reminder_at),
            col(Signature.id).label("signature_id"),
        )
        .outerjoin(Signature, col(Signature.summary_id) == col(MonthlySummary.id))
        .where(col(MonthlySummary.project_id) == project_id, col(MonthlySummary.month) == month)
    )
    connection = await session.connection()
    for summary in (await connection.execute(summaries)).all():
        if summary.person_id not in newest or summary.version > newest[summary.person_id].version:
            newest[summary.person_id] = summary
    with_hours = set(
        (
            await session.exec(
                select(TimeEntry.person_id)
                .join(Person, col(Person.id) == TimeEntry.person_id)
                .where(
                    Person.project_id == project_id,
                    col(Person.active).is_(True),
                    TimeEntry.day >= first,
                    TimeEntry.day <= last,
                )
                .distinct()
            )
        ).all()
    )
    deliveries: dict[int, tuple[OutboxState, datetime]] = {}
    requested: Counter[int] = Counter()
    ids = [s.id for s in newest.values() if s.id is not None]
    messages = await session.exec(
        select(
            OutboxMessage.summary_id,
            OutboxMessage.state,
            OutboxMessage.created_at,
            OutboxMessage.purpose,
        )
        .where(col(OutboxMessage.summary_id).in_(ids))
        .order_by(col(OutboxMessage.id))
    )
    for summary_id, state, at, purpose in messages.all():
        if summary_id is not None:
            deliveries[summary_id] = (OutboxState(state), at)
            if purpose == CODE_REQUEST:
                requested[summary_id] += 1
    people = await session.exec(
        select(Person.id, Person.ref, Person.name).where(
            col(Person.id).in_(set(newest) | with_hours)
        )
    )
    rows = []
    for person_id, ref, name in people.all():
        current = newest.get(person_id or 0)
        delivery = deliveries.get(current.id or 0) if current else None
        rows.append(
            PersonMonth(
                ref=ref,
                name=name,
                has_hours=person_id in with_hours,
                summary_state=_backed(current) if current else None,
                summary_at=current.created_at if current else None,
                state_changed_at=current.state_changed_at if current else None,
                dispute_reason=current.dispute_reason if current else None,
                delivery=delivery[0] if delivery else None,
                delivery_at=delivery[1] if delivery else None,
                reminders_sent=current.reminders_sent if current else 0,
                last_reminder_at=current.last_reminder_at if current else None,
                codes_requested=requested[current.id or 0] if current else 0,
            )
        )
    return sorted(rows, key=lambda row: row.ref)

"""Reads shared by the use-cases; each returns plain rows, loaded eagerly (no lazy loads)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.states import OutboxState, SummaryState
from storage.tables import (
    Activity,
    ChatProject,
    Coordinator,
    MonthlySummary,
    OutboxMessage,
    Person,
    Project,
    Signature,
    SigningCode,
    TimeEntry,
)

OPEN_STATES = (SummaryState.SENT, SummaryState.SIGNED, SummaryState.DISPUTED)


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
    if channel == "telegram":
        if not address.lstrip("-").isdigit():
            return []
        where = Person.telegram_chat_id == int(address)
    else:
        where = Person.phone == address
    query = select(Person).where(where, col(Person.active).is_(True)).order_by(col(Person.id))
    return (await session.exec(query)).all()


async def codes_with_summaries(
    session: AsyncSession, person_ids: Sequence[int]
) -> Sequence[tuple[SigningCode, MonthlySummary]]:
    query = (
        select(SigningCode, MonthlySummary)
        .join(MonthlySummary, col(MonthlySummary.id) == SigningCode.summary_id)
        .where(col(SigningCode.person_id).in_(person_ids))
        .order_by(col(SigningCode.id).desc())
    )
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


async def summary_states(session: AsyncSession, project_id: int, month: str) -> list[SummaryState]:
    query = select(MonthlySummary.state).where(
        MonthlySummary.project_id == project_id,
        MonthlySummary.month == month,
        col(MonthlySummary.state).in_(OPEN_STATES),
    )
    return [SummaryState(state) for state in (await session.exec(query)).all()]


async def delivery_states(
    session: AsyncSession, project_id: int, month: str
) -> dict[OutboxState, int]:
    """The latest message state of each current summary of ``month``, counted."""
    query = (
        select(OutboxMessage.summary_id, OutboxMessage.state)
        .join(MonthlySummary, col(MonthlySummary.id) == OutboxMessage.summary_id)
        .where(
            MonthlySummary.project_id == project_id,
            MonthlySummary.month == month,
            col(MonthlySummary.state).in_(OPEN_STATES),
        )
        .order_by(col(OutboxMessage.id))
    )
    rows = (await session.exec(query)).all()
    latest = {summary_id: OutboxState(state) for summary_id, state in rows}
    counts: dict[OutboxState, int] = {}
    for state in latest.values():
        counts[state] = counts.get(state, 0) + 1
    return counts


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

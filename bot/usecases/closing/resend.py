"""A month already sent whose hours change: the old summary stops being signable at
once, and the month is sent again at the project's next sending hour.

Without this a correction left the old receipt saying "signed" and the person off
``/unsigned`` until someone happened to close the month again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.evidence_chain import Event, EventKind
from bot.core.months import Month
from bot.core.reminders import next_allowed, policy_of
from bot.core.states import CodeState, SummaryState
from bot.usecases.context import Core
from storage import evidence_log, queries
from storage.db import dialect_insert
from storage.tables import MonthlySummary, Person, Project, Resend, SigningCode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingResend:
    """What a coordinator hears after changing a sent month."""

    month: Month
    version: int  # the summary that no longer holds
    was_signed: bool
    due_at: datetime  # when the worker sends the new version


async def supersede(session: AsyncSession, summary: MonthlySummary, now: datetime) -> None:
    """The summary is history: its code no longer signs, its receipt says superseded."""
    summary.state = SummaryState.SUPERSEDED
    summary.state_changed_at = now
    session.add(summary)
    await evidence_log.append(
        session,
        summary.project_id,
        [Event(EventKind.SUPERSEDED, now, summary_id=summary.id, detail={"by": "correction"})],
    )
    await session.exec(
        sa.update(SigningCode)
        .where(
            col(SigningCode.summary_id) == summary.id, col(SigningCode.state) == CodeState.ACTIVE
        )
        .values(state=CodeState.SUPERSEDED)
    )


async def after_hours_changed(
    session: AsyncSession, project: Project, person: Person, month: Month, now: datetime
) -> PendingResend | None:
    """Inside the transaction that changed the hours; None when the month was not sent."""
    assert project.id is not None and person.id is not None
    current = (await queries.open_summaries(session, project.id, str(month))).get(person.id)
    if current is None:
        return None
    was_signed = current.state == SummaryState.SIGNED
    await supersede(session, current, now)
    due = next_allowed(
        now, zone=project.time_zone, country=project.country, policy=policy_of(project)
    )
    insert = await dialect_insert(session)
    await session.exec(
        insert(Resend)
        .values(project_id=project.id, month=str(month), due_at=due, requested_at=now)
        .on_conflict_do_nothing(index_elements=["project_id", "month"])
    )
    return PendingResend(month, current.version, was_signed, due)


async def take_resend(session: AsyncSession, project_id: int, month: Month) -> bool:
    """The claim: whoever deletes the row sends the month; False when nobody asked or
    another worker was first."""
    deleted = await session.exec(
        sa.delete(Resend).where(
            col(Resend.project_id) == project_id, col(Resend.month) == str(month)
        )
    )
    return bool(deleted.rowcount)


async def due_resends(core: Core) -> list[tuple[str, Month]]:
    async with core.sessions() as session:
        rows = await session.exec(
            select(Project.code, Resend.month)
            .join(Project, col(Project.id) == Resend.project_id)
            .where(col(Resend.due_at) <= core.clock())
            .order_by(col(Resend.due_at))
        )
        return [(code, Month.parse(month)) for code, month in rows.all()]

"""A new code for a summary still waiting for its signature, whoever asks for it: a
coordinator's ``/reissue`` and a participant's NEW CODE go through here, under one limit.

Each code brings fresh guesses, so a summary gets only a few codes a day (its month-end
code included), whoever asks; otherwise a guesser would get endless tries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.evidence_chain import Event, EventKind
from bot.core.routing import route_for
from bot.usecases.closing.codes import issue_code
from bot.usecases.context import Core
from bot.usecases.reminding.reminders import supersede_codes
from storage import audit, evidence_log
from storage.outbox import enqueue
from storage.tables import MonthlySummary, Person, Project, SigningCode


@dataclass(frozen=True)
class CodeLimit:
    """The day's codes are used up: how many there were, and when the next may come."""

    issued: int
    next_at: datetime


async def code_limit_reached(
    core: Core, session: AsyncSession, summary_id: int, now: datetime
) -> CodeLimit | None:
    limit = core.policy.codes_per_day
    issued = sorted(
        (
            await session.exec(
                select(SigningCode.created_at).where(
                    col(SigningCode.summary_id) == summary_id,
                    col(SigningCode.created_at) > now - timedelta(days=1),
                )
            )
        ).all()
    )
    if len(issued) < limit:
        return None
    next_at = issued[-limit] + timedelta(days=1)
    return CodeLimit(len(issued), next_at if next_at.tzinfo else next_at.replace(tzinfo=UTC))


async def replace_code(
    core: Core,
    session: AsyncSession,
    project: Project,
    person: Person,
    summary: MonthlySummary,
    now: datetime,
    *,
    purpose: str,
    actor: str,
) -> bool:
    """Retire the summary's codes and queue a fresh one in the caller's transaction;
    False, and nothing changed, when no channel reaches the person."""
    if route_for(person) is None:
        return False
    await supersede_codes(session, summary)
    signing_code, outgoing = issue_code(core, project, person, summary, now, purpose=purpose)
    assert outgoing is not None  # the route was there
    session.add(signing_code)
    enqueue(session, outgoing, now=now)
    assert project.id is not None
    await evidence_log.append(
        session,
        project.id,
        [
            Event(
                EventKind.REISSUED,
                now,
                summary_id=summary.id,
                detail={"person": person.ref, "month": summary.month, "asked_by": purpose},
            )
        ],
    )
    audit.record(
        session,
        at=now,
        actor=actor,
        action="code.reissued",
        project_id=project.id,
        person=person.ref,
        month=summary.month,
        purpose=purpose,
    )
    return True

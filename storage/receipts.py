"""The evidence behind one receipt, read in one go for the verification page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from storage.db import SessionFactory
from storage.tables import MonthlySummary, OutboxMessage, Person, Project, Signature


@dataclass(frozen=True)
class ReceiptRecord:
    signature: Signature
    summary: MonthlySummary
    person: Person
    project: Project


async def find_receipt(sessions: SessionFactory, receipt: str) -> ReceiptRecord | None:
    async with sessions() as session:
        row = (
            await session.exec(
                select(Signature, MonthlySummary, Person, Project)
                .join(MonthlySummary, col(MonthlySummary.id) == Signature.summary_id)
                .join(Person, col(Person.id) == MonthlySummary.person_id)
                .join(Project, col(Project.id) == MonthlySummary.project_id)
                .where(col(Signature.receipt) == receipt)
            )
        ).first()
    if row is None:
        return None
    return ReceiptRecord(*row)


async def project_receipts(
    sessions: SessionFactory, project_id: int, *, batch: int = 1000
) -> AsyncIterator[ReceiptRecord]:
    """Every signature of a project with its rows, in batches by signature id."""
    after = 0
    while True:
        async with sessions() as session:
            rows = (
                await session.exec(
                    select(Signature, MonthlySummary, Person, Project)
                    .join(MonthlySummary, col(MonthlySummary.id) == Signature.summary_id)
                    .join(Person, col(Person.id) == MonthlySummary.person_id)
                    .join(Project, col(Project.id) == MonthlySummary.project_id)
                    .where(col(MonthlySummary.project_id) == project_id, col(Signature.id) > after)
                    .order_by(col(Signature.id))
                    .limit(batch)
                )
            ).all()
        if not rows:
            return
        for row in rows:
            yield ReceiptRecord(*row)
        after = rows[-1][0].id or after


async def signed_without_signature(
    sessions: SessionFactory, project_id: int
) -> list[tuple[str, str, int]]:
    """(person ref, month, version) of summaries marked signed that no signature backs."""
    async with sessions() as session:
        rows = (
            await session.exec(
                select(Person.ref, MonthlySummary.month, MonthlySummary.version)
                .join(Person, col(Person.id) == MonthlySummary.person_id)
                .outerjoin(Signature, col(Signature.summary_id) == MonthlySummary.id)
                .where(
                    col(MonthlySummary.project_id) == project_id,
                    col(MonthlySummary.state) == "signed",
                    col(Signature.id).is_(None),
                )
            )
        ).all()
    return [(ref, month, version) for ref, month, version in rows]


@dataclass(frozen=True)
class Successor:
    """The version that replaced a superseded summary, and its receipt once signed."""

    version: int
    created_at: datetime
    receipt: str | None


async def successor_of(sessions: SessionFactory, summary: MonthlySummary) -> Successor | None:
    async with sessions() as session:
        row = (
            await session.exec(
                select(MonthlySummary.version, MonthlySummary.created_at, Signature.receipt)
                .outerjoin(Signature, col(Signature.summary_id) == MonthlySummary.id)
                .where(
                    MonthlySummary.person_id == summary.person_id,
                    MonthlySummary.month == summary.month,
                    MonthlySummary.version > summary.version,
                )
                .order_by(col(MonthlySummary.version).desc())
            )
        ).first()
    return Successor(*row) if row else None


@dataclass(frozen=True)
class SentMessage:
    purpose: str  # month_end, reminder, code_request ...
    state: str
    created_at: datetime
    sent_at: datetime | None


async def messages_of(sessions: SessionFactory, summary_id: int) -> list[SentMessage]:
    """What was sent about a summary: its trail on the receipt page."""
    async with sessions() as session:
        rows = (
            await session.exec(
                select(
                    OutboxMessage.purpose,
                    OutboxMessage.state,
                    OutboxMessage.created_at,
                    OutboxMessage.sent_at,
                )
                .where(OutboxMessage.summary_id == summary_id)
                .order_by(col(OutboxMessage.id))
            )
        ).all()
    return [SentMessage(*row) for row in rows]

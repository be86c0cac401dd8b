"""The reads a participant's reply needs, as plain column rows.

A reply is the hottest path we have (ten thousand people answering a month-end message
within the hour), so it reads only the columns it acts on, never the summary's document,
and runs on the transaction's connection without the ORM's unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.states import CodeState, SummaryState
from storage.tables import MonthlySummary, Person, Project, SigningCode


@dataclass(frozen=True)
class Sender:
    """A registered person behind an address (one number may serve several projects)."""

    id: int
    project_id: int
    ref: str
    name: str
    language: str
    sms_opted_out: bool


@dataclass(frozen=True)
class CodeOnSummary:
    code_id: int
    code_state: CodeState
    code_hmac: str
    expires_at: datetime
    summary_id: int
    summary_sha256: str
    summary_state: SummaryState
    project_id: int
    project_code: str
    person_id: int
    month: str
    version: int


def address_filter(channel: str, address: str) -> sa.ColumnElement[bool] | None:
    """Whose address this is: a Telegram chat id, else an E.164 phone; None when a chat
    id is not a number (it can then be nobody's)."""
    if channel == "telegram":
        if not address.lstrip("-").isdigit():
            return None
        return col(Person.telegram_chat_id) == int(address)
    return col(Person.phone) == address


async def senders(session: AsyncSession, channel: str, address: str) -> list[Sender]:
    where = address_filter(channel, address)
    if where is None:
        return []
    query = (
        sa.select(
            col(Person.id),
            col(Person.project_id),
            col(Person.ref),
            col(Person.name),
            col(Person.language),
            col(Person.sms_opted_out),
        )
        .where(where, col(Person.active).is_(True))
        .order_by(col(Person.id))
    )
    rows = (await (await session.connection()).execute(query)).all()
    # Primary keys are typed optional on the models; a row read back always has one.
    return [Sender(*row) for row in rows]  # type: ignore[arg-type]


async def codes_on_summaries(
    session: AsyncSession, person_ids: Sequence[int]
) -> list[CodeOnSummary]:
    """Every code of these people, newest first, with the summary it signs."""
    query = (
        sa.select(
            col(SigningCode.id),
            col(SigningCode.state),
            col(SigningCode.code_hmac),
            col(SigningCode.expires_at),
            col(MonthlySummary.id),
            col(MonthlySummary.sha256),
            col(MonthlySummary.state),
            col(MonthlySummary.project_id),
            col(Project.code),
            col(MonthlySummary.person_id),
            col(MonthlySummary.month),
            col(MonthlySummary.version),
        )
        .join(MonthlySummary, col(MonthlySummary.id) == col(SigningCode.summary_id))
        .join(Project, col(Project.id) == col(MonthlySummary.project_id))
        .where(col(SigningCode.person_id).in_(person_ids))
        .order_by(col(SigningCode.id).desc())
    )
    rows = (await (await session.connection()).execute(query)).all()
    return [CodeOnSummary(*tuple(row)) for row in rows]

"""A participant's answer to HOURS (or ``/hours`` in their Telegram chat): their recorded
hours of this month so far and the month before, and where each month stands."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import participant_texts as texts
from bot.core.i18n import Rendered, Translatable
from bot.core.months import current_month
from bot.core.own_hours import OwnMonth, month_state, per_activity
from bot.core.states import Channel, SummaryState
from bot.usecases.context import Core
from storage import queries, reply_lookups
from storage.reply_lookups import Sender
from storage.tables import MonthlySummary, Project, Signature


async def own_hours(
    session: AsyncSession, people: Sequence[Sender], now: datetime, *, sms: bool
) -> Translatable:
    """Every project the sender is registered in, each in its own time zone."""
    projects: list[tuple[str, list[OwnMonth]]] = []
    for person in people:
        project = await session.get(Project, person.project_id)
        assert project is not None
        this = current_month(now, project.time_zone)
        last = this.previous()
        entries = await queries.person_entries(session, person.id, last.first_day, this.last_day)
        states = await _month_states(session, person.id, (str(this), str(last)))
        months = []
        for month in (this, last):
            state, receipt = states.get(str(month), (None, None))
            lines = per_activity(
                (activity.ref, activity.name, entry.minutes)
                for entry, activity in entries
                if month.contains(entry.day)
            )
            months.append(
                OwnMonth(month.first_day, month == this, lines, month_state(state), receipt)
            )
        projects.append((project.name, months))
    return texts.own_hours(projects, sms=sms)


async def own_hours_in_chat(core: Core, chat_id: int) -> Translatable | None:
    """``/hours`` typed in a participant's linked chat, in the person's language; None
    when the chat is nobody's (the command layer then answers as to anyone else)."""
    async with core.sessions() as session:
        people = await reply_lookups.senders(session, Channel.TELEGRAM, str(chat_id))
        if not people:
            return None
        answer = await own_hours(session, people, core.clock(), sms=False)
    return Rendered(answer.text(people[0].language))


async def _month_states(
    session: AsyncSession, person_id: int, months: tuple[str, ...]
) -> dict[str, tuple[SummaryState, str | None]]:
    """The newest summary's state of each month, and its receipt once signed."""
    query = (
        select(
            MonthlySummary.month, MonthlySummary.version, MonthlySummary.state, Signature.receipt
        )
        .outerjoin(Signature, col(Signature.summary_id) == MonthlySummary.id)
        .where(MonthlySummary.person_id == person_id, col(MonthlySummary.month).in_(months))
        .order_by(col(MonthlySummary.version))
    )
    found: dict[str, tuple[SummaryState, str | None]] = {}
    for month, _, state, receipt in (await session.exec(query)).all():
        found[month] = (SummaryState(state), receipt)
    return found

"""NEW CODE from a participant: a fresh code for a month still waiting for its signature,
when the old code is dead or has expired, under the same daily limit as a coordinator's
``/reissue`` (``bot.usecases.reminding.new_codes``). The code travels through the outbox
like every code; the answer only says it is coming, or why not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import participant_texts as texts
from bot.core.i18n import Lines
from bot.core.months import Month
from bot.core.reply_outcomes import Outcome, ReplyResult
from bot.core.states import CodeState, SummaryState
from bot.usecases.context import Core
from bot.usecases.reminding.new_codes import code_limit_reached, replace_code
from storage import reply_lookups
from storage.queries import CODE_REQUEST
from storage.reply_lookups import CodeOnSummary, Sender
from storage.tables import MonthlySummary, Person, Project


async def request_code(
    core: Core, session: AsyncSession, people: Sequence[Sender], month: str | None, now: datetime
) -> ReplyResult:
    """``month``: the month named ("NY KOD 2026-10"); without one, the month whose code
    is no longer usable, asked about when there are several."""
    waiting = await _waiting(session, people)
    if not waiting:
        return ReplyResult(Outcome.NOTHING_PENDING, texts.NOTHING_PENDING)
    chosen = [c for c in waiting if month is None or c.month == month]
    if not chosen:
        assert month is not None
        named = Month.parse(month).first_day
        return ReplyResult(Outcome.WHICH_MONTH, texts.month_not_waiting(named, _months(waiting)))
    needing = [c for c in chosen if c.code_state != CodeState.ACTIVE or c.expires_at <= now]
    if not needing:
        return ReplyResult(Outcome.CODE_STILL_VALID, await _still_valid(session, chosen))
    if len(set(_months(needing))) > 1:
        return ReplyResult(Outcome.WHICH_MONTH, texts.which_month_for_a_code(_months(needing)))
    target = needing[0]
    summary = await session.get(MonthlySummary, target.summary_id)
    project = await session.get(Project, target.project_id)
    person = await session.get(Person, target.person_id)
    assert summary is not None and project is not None and person is not None
    first_day = Month.parse(target.month).first_day
    limit = await code_limit_reached(core, session, target.summary_id, now)
    if limit is not None:
        local = limit.next_at.astimezone(ZoneInfo(project.time_zone))
        refusal = texts.code_limit_reached(month=first_day, issued=limit.issued, next_at=local)
        return ReplyResult(Outcome.CODE_LIMIT_REACHED, refusal)
    sent = await replace_code(
        core,
        session,
        project,
        person,
        summary,
        now,
        purpose=CODE_REQUEST,
        actor=f"person:{person.ref}",
    )
    if not sent:
        return ReplyResult(Outcome.CANNOT_REACH, texts.CANNOT_REACH)
    return ReplyResult(Outcome.NEW_CODE_SENT, texts.new_code_sent(month=first_day))


async def _waiting(session: AsyncSession, people: Sequence[Sender]) -> list[CodeOnSummary]:
    """Each summary waiting for a signature with its newest code, newest month first."""
    newest: dict[int, CodeOnSummary] = {}
    for code in await reply_lookups.codes_on_summaries(session, [p.id for p in people]):
        if code.summary_state == SummaryState.SENT:
            newest.setdefault(code.summary_id, code)  # the codes come newest first
    return sorted(newest.values(), key=lambda c: (c.month, c.summary_id), reverse=True)


def _months(codes: Sequence[CodeOnSummary]) -> list[date]:
    return list(dict.fromkeys(Month.parse(c.month).first_day for c in codes))


async def _still_valid(session: AsyncSession, codes: Sequence[CodeOnSummary]) -> Lines:
    lines = []
    for code in codes:
        project = await session.get(Project, code.project_id)
        assert project is not None
        local = code.expires_at.astimezone(ZoneInfo(project.time_zone))
        lines.append(
            texts.code_still_valid(month=Month.parse(code.month).first_day, expires_at=local)
        )
    return Lines(lines)

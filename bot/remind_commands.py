"""The coordinator's ``/remind`` and ``/reissue``: answers are English sentences."""

from __future__ import annotations

from sqlmodel import col, select

from bot.closing import issue_code
from bot.context import Core
from bot.errors import InputError
from bot.months import Month, current_month
from bot.reminding import remind_one, supersede_codes
from bot.routing import unreachable_reason
from storage import audit, queries
from storage.db import transaction
from storage.outbox import enqueue
from storage.tables import MonthlySummary, Project


async def _project(core: Core, project_code: str) -> Project:
    async with core.sessions() as session:
        project = await queries.project_by_code(session, project_code)
    if project is None or project.id is None:
        raise InputError(f"There is no project {project_code}.")
    return project


async def remind_now(core: Core, project_code: str, month: Month, *, actor: str) -> str:
    """Remind everyone unsigned in ``month`` now; it counts toward the policy's maximum."""
    now = core.clock()
    project = await _project(core, project_code)
    if month >= current_month(now, project.time_zone).next():
        raise InputError(f"{month} has not started yet; there is nothing to sign for it.")
    async with core.sessions() as session:
        ids = (
            await session.exec(
                select(MonthlySummary.id)
                .where(
                    MonthlySummary.project_id == project.id,
                    MonthlySummary.month == str(month),
                    MonthlySummary.state == "sent",
                )
                .order_by(col(MonthlySummary.person_id))
            )
        ).all()
    if not ids:
        return f"Nobody in {project.code} is waiting to sign {month}; no reminder was sent."
    sent = 0
    for summary_id in ids:
        assert summary_id is not None
        sent += await remind_one(core, summary_id, now, actor=actor, scheduled=False)
    people = "person" if sent == 1 else "people"
    return f"Reminded {sent} {people} who have not signed {month} in {project.code}."


async def reissue(
    core: Core, project_code: str, person_ref: str, month: Month, *, actor: str
) -> str:
    """A new code for the person's unsigned summary of ``month``; older codes stop working."""
    now = core.clock()
    async with transaction(core.sessions) as session:
        project = await queries.project_by_code(session, project_code)
        if project is None or project.id is None:
            raise InputError(f"There is no project {project_code}.")
        person = await queries.find_person(session, project, person_ref)
        summary = (await queries.open_summaries(session, project.id, str(month))).get(
            person.id or 0
        )
        who = f"{person.ref} {person.name}"
        if summary is None:
            raise InputError(f"{who} has no summary for {month}; close the month first.")
        if summary.state != "sent":
            raise InputError(
                f"{who} has already {summary.state} {month}; new codes are for unsigned months."
            )
        await supersede_codes(session, summary)
        signing_code, outgoing = issue_code(core, project, person, summary, now, purpose="reissue")
        if outgoing is None:
            raise InputError(
                f"{who} cannot be reached ({unreachable_reason(person)}); "
                "add a phone number or a Telegram link first."
            )
        session.add(signing_code)
        enqueue(session, outgoing, now=now)
        audit.record(
            session,
            at=now,
            actor=actor,
            action="code.reissued",
            project_id=project.id,
            person=person.ref,
            month=str(month),
        )
    return f"A new code for {month} is on its way to {who}; the old one no longer works."

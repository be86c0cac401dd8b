"""Month close: turn recorded hours into summaries, codes and queued messages, atomically.

Closing is idempotent per content: a person whose hours did not change since the last
close keeps their summary and code and gets nothing new. A changed month supersedes
the old summary (signed or not), kills its code and sends the new version, so the
history shows both versions and what each one said.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import participant_texts as texts
from bot.core.code_box import CODE_MARKER, seal_code
from bot.core.codes import code_hmac, generate_code
from bot.core.errors import InputError
from bot.core.i18n import Message
from bot.core.months import Month, current_month
from bot.core.reminders import next_reminder, policy_of, window_opening
from bot.core.routing import route_for, unreachable_reason
from bot.core.states import CodeState, SummaryState
from bot.core.summary import WorkedDay, build_summary, summary_lines
from bot.usecases.closing.resend import supersede, take_resend
from bot.usecases.context import Core
from storage import audit, queries
from storage.claims import claim_row
from storage.db import transaction
from storage.outbox import Outgoing, enqueue
from storage.tables import MonthlySummary, Person, Project, ScheduledRun, SigningCode

# Twilio holds a queued SMS up to 10 h by default; a code that arrives at night is worse
# than one that is re-sent by the worker, so code-carrying SMS expire in the queue after 4 h.
CODE_SMS_VALIDITY_SECONDS = 4 * 3600


@dataclass
class CloseReport:
    month: Month
    sent: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    unreachable: list[tuple[str, Message]] = field(default_factory=list)  # (ref, why)
    total_minutes: int = 0


def issue_code(
    core: Core,
    project: Project,
    person: Person,
    summary: MonthlySummary,
    now: datetime,
    *,
    purpose: str = "month_end",
    windowed: bool = False,
) -> tuple[SigningCode, Outgoing | None]:
    """A fresh code for ``summary`` and the message that carries it (None: unreachable).

    ``windowed``: nobody asked for it just now (the schedule did), so it waits for the
    project's sending window, and the code's time runs from the window's opening."""
    assert summary.id is not None and person.id is not None
    code = generate_code(core.policy.code_digits, core.rng)
    sent_from = window_opening(project, now) if windowed else now
    expires_at = sent_from + core.policy.code_ttl
    signing_code = SigningCode(
        summary_id=summary.id,
        person_id=person.id,
        code_hmac=code_hmac(core.key, summary.sha256, code),
        expires_at=expires_at,
        attempts_left=core.policy.code_attempts,
        state=CodeState.ACTIVE,
        created_at=now,
    )
    route = route_for(person)
    if route is None:
        return signing_code, None
    render = texts.reminder if purpose == "reminder" else texts.month_end
    text = render(
        project_name=project.name,
        month=Month.parse(summary.month).first_day,
        lines=summary_lines(summary.document),
        total_minutes=summary.total_minutes,
        code=CODE_MARKER,
        expires_at=expires_at.astimezone(ZoneInfo(project.time_zone)),
        hash_prefix=summary.sha256[:8],
    ).text(person.language)
    outgoing = Outgoing(
        channel=route.channel,
        address=route.address,
        text=text,
        purpose=purpose,
        project_id=project.id,
        person_id=person.id,
        summary_id=summary.id,
        sealed_code=seal_code(core.key, code),
        validity_seconds=CODE_SMS_VALIDITY_SECONDS if route.channel == "sms" else None,
        windowed=windowed,
    )
    return signing_code, outgoing


# Who closes: a coordinator, the schedule, or the worker re-sending a corrected month.
CloseBy = Literal["coordinator", "schedule", "resend"]


async def close_month(core: Core, project_code: str, month: Month, *, actor: str) -> CloseReport:
    report = await _close(core, project_code, month, actor=actor, by="coordinator")
    assert report is not None
    return report


async def close_scheduled(
    core: Core, project_code: str, month: Month, *, actor: str
) -> CloseReport | None:
    """The worker's close, claimed by a unique ScheduledRun row in the same transaction;
    None (and nothing changed) when another worker has claimed it."""
    return await _close(core, project_code, month, actor=actor, by="schedule")


async def resend_month(core: Core, project_code: str, month: Month) -> CloseReport | None:
    """A corrected month sent again, claimed by deleting its Resend row; None when
    another worker (or a coordinator's /close) took it first."""
    return await _close(core, project_code, month, actor="system:resend", by="resend")


async def _close(
    core: Core, project_code: str, month: Month, *, actor: str, by: CloseBy
) -> CloseReport | None:
    now = core.clock()
    report = CloseReport(month=month)
    async with transaction(core.sessions) as session:
        project = await queries.project_by_code(session, project_code)
        if project is None or project.id is None:
            raise InputError(Message("There is no project %(code)s.", code=project_code[:32]))
        refuse_running_month(project, month, now)
        if by == "schedule" and not await _claim_close(session, project.id, month, now):
            return None
        # Any close sends what a pending re-send would: the row goes either way.
        if not await take_resend(session, project.id, month) and by == "resend":
            return None
        reminder_policy = policy_of(project)
        people = {p.id: p for p in await queries.active_people(session, project.id)}
        worked: dict[int, list[WorkedDay]] = defaultdict(list)
        for entry, activity in await queries.entries_between(
            session, project.id, month.first_day, month.last_day
        ):
            if entry.person_id in people:
                worked[entry.person_id].append(
                    WorkedDay(activity.ref, activity.name, activity.kind, entry.day, entry.minutes)
                )
        current = await queries.open_summaries(session, project.id, str(month))
        versions = await queries.latest_versions(session, project.id, str(month))

        for person_id, person in people.items():
            assert person_id is not None
            days = worked.get(person_id)
            previous = current.get(person_id)
            if not days:
                # Months with no hours are not sent; hours deleted since the last close
                # withdraw the old summary so nobody signs what is no longer true.
                if previous is not None:
                    await supersede(session, previous, now)
                    report.withdrawn.append(person.ref)
                continue
            document = build_summary(
                project_code=project.code,
                project_name=project.name,
                person_ref=person.ref,
                person_name=person.name,
                person_kind=person.kind,
                month=month,
                days=days,
            )
            report.total_minutes += document.total_minutes
            if previous is not None and previous.sha256 == document.sha256:
                report.unchanged.append(person.ref)
                continue
            if previous is not None:
                await supersede(session, previous, now)
            if previous is not None or versions.get(person_id):
                # A new version of a month sent before (superseded now or at a correction).
                report.superseded.append(person.ref)
            summary = MonthlySummary(
                project_id=project.id,
                person_id=person_id,
                month=str(month),
                version=versions.get(person_id, 0) + 1,
                document=document.text,
                sha256=document.sha256,
                total_minutes=document.total_minutes,
                state=SummaryState.SENT,
                created_at=now,
                state_changed_at=now,
                next_reminder_at=next_reminder(
                    now,
                    zone=project.time_zone,
                    country=project.country,
                    policy=reminder_policy,
                    sent_at=now,
                    reminders_sent=0,
                ),
            )
            session.add(summary)
            await session.flush()
            signing_code, outgoing = issue_code(
                core, project, person, summary, now, windowed=by != "coordinator"
            )
            session.add(signing_code)
            if outgoing is None:
                report.unreachable.append((person.ref, unreachable_reason(person)))
            else:
                enqueue(session, outgoing, now=now)
                report.sent.append(person.ref)
        audit.record(
            session,
            at=now,
            actor=actor,
            action="month.close",
            project_id=project.id,
            month=str(month),
            sent=len(report.sent),
            unchanged=len(report.unchanged),
            superseded=len(report.superseded),
            withdrawn=len(report.withdrawn),
            unreachable=len(report.unreachable),
        )
    return report


async def _claim_close(session: AsyncSession, project_id: int, month: Month, now: datetime) -> bool:
    claimed = await claim_row(
        session,
        ScheduledRun,
        ("project_id", "kind", "month"),
        project_id=project_id,
        kind="close",
        month=str(month),
        ran_at=now,
    )
    return claimed is not None


def refuse_running_month(project: Project, month: Month, now: datetime) -> None:
    """A month is closed once it has ended in the project's zone: closing it earlier would
    send people a partial month to sign."""
    if month < current_month(now, project.time_zone):
        return
    opens = month.next().starts_at(project.time_zone).astimezone(ZoneInfo(project.time_zone))
    raise InputError(
        Message(
            "%(month)s has not ended yet in %(zone)s; it can be closed from %(opens)s.",
            month=str(month),
            zone=project.time_zone,
            opens=opens.strftime("%Y-%m-%d %H:%M"),
        )
    )


async def preview_close(core: Core, project_code: str, month: Month) -> tuple[int, int]:
    """How many active people have hours in ``month``, and how many minutes in all."""
    async with core.sessions() as session:
        project = await queries.project_by_code(session, project_code)
        if project is None or project.id is None:
            raise InputError(Message("There is no project %(code)s.", code=project_code[:32]))
        refuse_running_month(project, month, core.clock())
        active = {p.id for p in await queries.active_people(session, project.id)}
        rows = await queries.entries_between(session, project.id, month.first_day, month.last_day)
    counted = [entry for entry, _ in rows if entry.person_id in active]
    return len({e.person_id for e in counted}), sum(e.minutes for e in counted)

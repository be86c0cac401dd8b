"""The worker's closes: the scheduled month close, once per project and month, and the
re-sending of corrected months.

The claim is a unique ScheduledRun row written in the close's own transaction: however
many workers race and however often they restart, one close commits and the others'
claims find the row taken (on PostgreSQL the second waits for the first to commit) and
change nothing.
"""

from __future__ import annotations

import logging

from sqlmodel import col, select

from bot.core.schedule import month_to_close
from bot.usecases.closing.batch import CloseReport
from bot.usecases.closing.month_close import (
    close_scheduled,
    resend_month,
    resume_interrupted_closes,
)
from bot.usecases.closing.resend import due_resends
from bot.usecases.context import Core
from storage.tables import Project, ScheduledRun

log = logging.getLogger(__name__)


async def run_scheduled_closes(core: Core) -> list[CloseReport]:
    """Close every month whose scheduled moment has come and that no worker closed yet."""
    now = core.clock()
    async with core.sessions() as session:
        projects = (
            await session.exec(select(Project).where(col(Project.close_day).is_not(None)))
        ).all()
        done = set(
            (
                await session.exec(
                    select(ScheduledRun.project_id, ScheduledRun.month).where(
                        ScheduledRun.kind == "close"
                    )
                )
            ).all()
        )
    reports = []
    for project in projects:
        month = month_to_close(
            now, zone=project.time_zone, day=project.close_day, at=project.close_time
        )
        if month is None or (project.id, str(month)) in done:
            continue
        report = await close_scheduled(core, project.code, month, actor="system:schedule")
        if report is None:
            log.info("%s %s: closed by another worker", project.code, month)
            continue
        log.info("%s %s: scheduled close sent %d", project.code, month, len(report.sent))
        reports.append(report)
    return reports


async def run_due_resends(core: Core) -> list[CloseReport]:
    """Send again every corrected month whose sending hour has come."""
    reports = []
    for code, month in await due_resends(core):
        report = await resend_month(core, code, month)
        if report is not None:
            log.info("%s %s: corrected month re-sent to %d", code, month, len(report.sent))
            reports.append(report)
    return reports


async def run_interrupted_closes(core: Core) -> list[CloseReport]:
    """Finish the closes a killed process left half done."""
    reports = await resume_interrupted_closes(core)
    for report in reports:
        log.info("%s: interrupted close finished, sent %d more", report.month, len(report.sent))
    return reports

"""``timesign admin``: coordinator commands from a shell, acting as a superuser.

It answers with the same sentences the chat gives, because it calls the same use-cases.
"""

from __future__ import annotations

from bot.closing import CloseReport, close_month
from bot.config import Settings
from bot.context import system_clock
from bot.errors import InputError
from bot.months import Month
from bot.wiring import build_core
from storage.db import create_engine

USAGE = "Usage: timesign admin --project CODE close YYYY-MM"


def describe_close(report: CloseReport) -> str:
    lines = [
        f"Closed {report.month}: {len(report.sent)} summaries queued for signing, "
        f"{len(report.unchanged)} unchanged, {len(report.superseded)} corrected and re-sent."
    ]
    if report.withdrawn:
        lines.append(f"Withdrawn (no hours any more): {', '.join(report.withdrawn)}.")
    for ref, reason in report.unreachable:
        lines.append(f"{ref} cannot be reached: {reason}.")
    return "\n".join(lines)


async def run_admin(settings: Settings, project: str | None, words: list[str]) -> str:
    if not words:
        raise InputError(USAGE)
    engine = create_engine(settings.database_url)
    try:
        core = build_core(settings, engine, dev=False, clock=system_clock)
        command, *args = words
        if command == "close":
            if project is None or len(args) != 1:
                raise InputError(USAGE)
            report = await close_month(core, project, Month.parse(args[0]), actor="cli")
            return describe_close(report)
        raise InputError(f"Unknown command '{command[:30]}'. {USAGE}")
    finally:
        await engine.dispose()

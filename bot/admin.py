"""``timesign admin``: coordinator commands from a shell, acting as a superuser.

It answers with the same sentences the chat gives, because it runs the same commands.
"""

from __future__ import annotations

from bot.access import Actor
from bot.commands import run_command
from bot.config import Settings
from bot.context import system_clock
from bot.errors import InputError
from bot.wiring import build_core
from storage.db import create_engine

USAGE = "Usage: timesign admin [--project CODE] <command> [args], e.g. close 2026-10"
# Scripts read the shell's answers, so they stay English whatever the project speaks.
CLI = Actor(name="cli", superuser=True, language="en")


async def run_admin(settings: Settings, project: str | None, words: list[str]) -> str:
    """The command's answer; a refusal is raised as the ``InputError`` it is."""
    if not words:
        raise InputError(USAGE)
    engine = create_engine(settings.database_url)
    try:
        core = build_core(settings, engine, dev=False, clock=system_clock)
        reply = await run_command(core, CLI, project.upper() if project else None, words)
        if reply.refused:
            raise InputError(reply.text)
        return reply.text
    finally:
        await engine.dispose()

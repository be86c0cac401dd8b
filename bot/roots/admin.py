"""``timesign admin``: coordinator commands from a shell, acting as a superuser.

It answers with the same sentences the chat gives, because it runs the same commands.
A file the chat would send as a document (a certificate, an export) is written to the
current directory instead.
"""

from __future__ import annotations

from pathlib import Path

from bot.commands.runner import run_command
from bot.core.access import Actor
from bot.core.errors import InputError
from bot.core.i18n import Message, Rendered
from bot.roots.config import Settings
from bot.roots.core import build_core
from bot.usecases.context import system_clock
from storage.db import create_engine

# Scripts read the shell's answers, so they stay English whatever the project speaks.
CLI = Actor(name="cli", superuser=True, language="en")


async def run_admin(settings: Settings, project: str | None, words: list[str]) -> str:
    """The command's answer; a refusal is raised as the ``InputError`` it is."""
    if not words:
        raise InputError(
            Message("Usage: timesign admin [--project CODE] <command> [args], e.g. close 2026-10")
        )
    engine = create_engine(settings.database_url)
    try:
        core = build_core(settings, engine, dev=False, clock=system_clock)
        reply = await run_command(core, CLI, project.upper() if project else None, words)
        if reply.refused:
            raise InputError(Rendered(reply.text))
        if reply.attachment is None:
            return reply.text
        path = Path.cwd() / reply.attachment.name
        try:
            path.write_bytes(reply.attachment.content)
        except OSError as error:
            raise InputError(
                Message(
                    "Could not write %(path)s (%(reason)s); run it from a folder you may write to.",
                    path=str(path),
                    reason=error.strerror or type(error).__name__,
                )
            ) from None
        return f"{reply.text}\n{path}"
    finally:
        await engine.dispose()

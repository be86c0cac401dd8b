"""``timesign admin``: coordinator commands from a shell, acting as a superuser.

It answers with the same sentences the chat gives, because it runs the same commands,
written the way a shell user types them (``timesign admin close 2026-10``, not
``/close 2026-10``). What the chat asks with a button (send a month for signing) the
shell asks on a terminal, or takes ``--yes`` for. A file the chat would send as a
document (a certificate, an export) is written to the current directory instead.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Never

from tqdm import tqdm

from bot.commands.runner import COMMAND_NAMES, run_command
from bot.core.access import Actor
from bot.core.chat import CommandReply
from bot.core.errors import InputError
from bot.core.i18n import Message, Rendered
from bot.roots.config import Settings
from bot.roots.core import build_core
from bot.usecases.context import Core, system_clock
from storage.db import create_engine

# Scripts read the shell's answers, so they stay English whatever the project speaks.
CLI = Actor(name="cli", superuser=True, language="en")
CONFIRMED = "confirmed"  # the last word of a command line a confirmation button runs

Ask = Callable[[str], bool]


def shell_syntax(text: str, project: str | None) -> str:
    """``/close 2026-10`` as the shell user types it."""
    # The chat's way to choose a project is the shell's --project.
    text = re.sub(r"(?<![\w/])/project use (\S+?)(?=[.,;]?(\s|$))", r"--project \1", text)
    prefix = f"timesign admin --project {project} " if project else "timesign admin "
    names = "|".join(sorted(COMMAND_NAMES, key=len, reverse=True))
    return re.sub(rf"(?<![\w/])/({names})\b", lambda m: prefix + m.group(1), text)


def ask_on_terminal(question: str) -> bool:
    """A yes from the person at the terminal; a script (no terminal) never says yes."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes", "j", "ja")
    except EOFError:
        return False


async def run_admin(
    settings: Settings,
    project: str | None,
    words: list[str],
    *,
    dev: bool = False,
    yes: bool = False,
    ask: Ask = ask_on_terminal,
) -> str:
    """The command's answer; a refusal is raised as the ``InputError`` it is."""
    if "--yes" in words:  # also accepted after the command, where one types it last
        words, yes = [w for w in words if w != "--yes"], True
    if not words:
        raise InputError(
            Message("Usage: timesign admin [--project CODE] <command> [args], e.g. close 2026-10")
        )
    code = project.upper() if project else None
    engine = create_engine(settings.database_url)
    try:
        core = build_core(settings, engine, dev=dev, clock=system_clock, need_key=False)
        reply = await _run(core, code, words)
        confirming = [line for _, line in reply.buttons if line.endswith(f" {CONFIRMED}")]
        if confirming and not reply.refused:
            typed = " ".join(words)
            if yes or ask(shell_syntax(reply.text, code)):
                reply = await _run(core, code, confirming[0].split())
            else:
                untouched = Message("Nothing was sent. To send: /%(line)s --yes", line=typed)
                return shell_syntax(f"{reply.text}\n{untouched.text('en')}", code)
        return shell_syntax(_saved(reply), code)
    finally:
        await engine.dispose()


class _ProgressBar:
    """A bar on stderr while a long command runs (a close of many batches of people);
    a command done in one step shows none."""

    def __init__(self) -> None:
        self._bar: tqdm[Never] | None = None

    async def __call__(self, done: int, total: int) -> None:
        bar = self._bar
        if bar is None:
            if done >= total:
                return
            bar = self._bar = tqdm(total=total, unit=" people", file=sys.stderr, desc="closing")
        bar.update(done - bar.n)
        if done >= total:
            bar.close()


async def _run(core: Core, project: str | None, words: list[str]) -> CommandReply:
    reply = await run_command(core, CLI, project, words, progress=_ProgressBar())
    if reply.refused:
        raise InputError(Rendered(shell_syntax(reply.text, project)))
    return reply


def _saved(reply: CommandReply) -> str:
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
    return f"{reply.text or reply.attachment.caption or ''}\n{path}".lstrip("\n")

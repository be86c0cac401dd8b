"""What a coordinator command handler receives, and how commands are declared."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from bot.access import Actor, require
from bot.context import Core
from bot.errors import InputError
from storage.tables import Project


@dataclass(frozen=True)
class Request:
    core: Core
    actor: Actor
    project: Project | None  # the project the chat works on (None: none chosen yet)
    role: str | None  # the actor's role in that project
    args: list[str]
    known: bool = True  # a superuser, or has a role in some project
    bot_username: str | None = None  # for invite links; None outside Telegram

    def need(self, role: str, what: str) -> Project:
        if self.project is None and not self.known:
            require(None, role, what)  # a stranger: one polite sentence, audited
        if self.project is None:
            raise InputError("Choose a project first: /project use <code>.")
        require(self.role, role, what)
        return self.project


@dataclass(frozen=True)
class CommandReply:
    """An answer, with optional buttons: (label, command line the button runs), one a row."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()


Handler = Callable[[Request], Awaitable[str | CommandReply]]


@dataclass(frozen=True)
class Command:
    usage: str
    role: str  # the least role that may run it; shown by /help
    run: Handler


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{text[:20]}' is not a date; write it as YYYY-MM-DD.") from None


def take_flag(args: list[str], flag: str) -> tuple[list[str], bool]:
    """``args`` without a trailing ``flag`` word, and whether it was there."""
    if args and args[-1] == flag:
        return args[:-1], True
    return list(args), False

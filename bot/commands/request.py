"""What a coordinator command handler receives, and how commands are declared."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

from bot.core.access import NO_ACCESS, SUPERUSER, Actor, require
from bot.core.chat import Attachment, CommandReply, Progress
from bot.core.errors import InputError
from bot.core.i18n import Message, Translatable
from bot.core.listing import Listing, View
from bot.usecases.context import Core
from bot.usecases.roster.chat_language import answer_language
from storage import queries
from storage.db import transaction
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
    language: str = "en"  # the language answers are written in
    usage: Translatable | str = ""  # the command's syntax, as /help shows it
    progress: Progress | None = None  # told how far a long command has come
    view: View = field(default_factory=View)  # the page of a long list asked for, or its file

    def need(self, role: str, what: Message) -> Project:
        """The chat's project, if the actor's role reaches ``role``; ``what`` names the
        refused action in the refusal ("Adding people needs the coordinator role")."""
        action = what
        if self.project is None and not self.known:
            require(None, role, action)  # a stranger: one polite sentence, audited
        if self.project is None:
            raise InputError(Message("Choose a project first: /project use <code>."))
        require(self.role, role, action)
        return self.project

    def usage_error(self, hint: Message | None = None) -> InputError:
        """Wrong arguments: the command's syntax, and what else helps (a list of kinds)."""
        if hint is None:
            return InputError(Message("Usage: %(usage)s", usage=self.usage))
        return InputError(Message("Usage: %(usage)s; %(hint)s", usage=self.usage, hint=hint))


async def open_request(
    core: Core,
    actor: Actor,
    project_code: str | None,
    args: list[str],
    *,
    bot_username: str | None = None,
    progress: Progress | None = None,
    project_id: int | None = None,
) -> Request:
    """Who is asking, in which project, with which role, reading which language.

    Without a ``project_code``, a Telegram user works on the project their chat chose
    with ``/project use``; a button's line may name the project it was made in by
    ``project_id`` instead (``bot.core.listing.pin``)."""
    async with transaction(core.sessions) as session:
        if project_code:
            project = await queries.project_by_code(session, project_code)
        elif project_id is not None:
            project = await session.get(Project, project_id)
        elif actor.telegram_user_id is not None:
            project = await queries.chosen_project(session, actor.telegram_user_id)
        else:
            project = None
        language = await answer_language(session, actor, project)
        if project_code and project is None:
            raise InputError(Message("There is no project %(code)s.", code=project_code[:32]))
        if project_id is not None and (project is None or project.id != project_id):
            raise InputError(NO_ACCESS)  # a forged button, or one for another project
        role = await queries.role_of(session, project, actor.telegram_user_id)
        known = actor.superuser or (
            actor.telegram_user_id is not None
            and await queries.has_any_role(session, actor.telegram_user_id)
        )
    if actor.superuser:
        role = SUPERUSER
    return Request(
        core, actor, project, role, args, known, bot_username, language, progress=progress
    )


@dataclass(frozen=True)
class Answer:
    """A command's answer before it is rendered: the command layer writes it in the
    asker's language once, labels of buttons (label, command line) included."""

    text: Translatable
    buttons: tuple[tuple[Translatable, str], ...] = ()
    attachment: Attachment | None = None

    def render(self, language: str) -> CommandReply:
        return CommandReply(
            self.text.text(language),
            tuple((label.text(language), line) for label, line in self.buttons),
            attachment=self.attachment,
        )


Handler = Callable[[Request], Awaitable[Translatable | Answer | Listing]]


@dataclass(frozen=True)
class Command:
    usage: Translatable | str  # a Message where the syntax has prose to translate
    role: str  # the least role that may run it; shown by /help
    run: Handler
    listing: bool = False  # answers with a Listing: takes a trailing "page <n>" or "file"


_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        if _ISO_DAY.match(text):  # the form is right: the day is not in the calendar
            raise InputError(
                Message("%(text)s does not exist: check the day and the month.", text=text)
            ) from None
        raise InputError(
            Message("'%(text)s' is not a date; write it as YYYY-MM-DD.", text=text[:20])
        ) from None


def take_flag(args: list[str], flag: str) -> tuple[list[str], bool]:
    """``args`` without a trailing ``flag`` word, and whether it was there."""
    if args and args[-1] == flag:
        return args[:-1], True
    return list(args), False

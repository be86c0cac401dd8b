"""Coordinator commands: one parser and one access check for chat and shell alike.

``/hours P-0001 A-001 2026-10-14 7.5`` in Telegram and
``timesign admin --project ESF-1 hours P-0001 A-001 2026-10-14 7.5`` in a shell both
land in ``run_command``, so they give the same answer and leave the same audit trail.
Names with spaces are quoted: ``/person add "Anna Berg" 0701234567``.
"""

from __future__ import annotations

import shlex
import unicodedata
from dataclasses import replace

from bot.commands import documents as document_commands
from bot.commands import project as project_commands
from bot.commands import roster as roster_commands
from bot.commands import signing as signing_commands
from bot.commands.attendance import import_upload
from bot.commands.request import Answer, Command, Request, open_request
from bot.core import participant_texts
from bot.core.access import NO_ACCESS, SUPERUSER, AccessDenied, Actor, may
from bot.core.chat import CommandReply, Progress, Upload
from bot.core.errors import InputError
from bot.core.i18n import Lines, Message, Translatable
from bot.core.list_pages import render
from bot.core.listing import Listing, View, take_pin, take_view
from bot.core.suggest import closest, either
from bot.usecases.context import Core
from bot.usecases.roster.chat_language import choose_language
from bot.usecases.roster.grants import use_project
from bot.usecases.signing.own_hours import own_hours_in_chat
from storage import audit
from storage.db import transaction
from storage.tables import Project

COMMANDS: dict[tuple[str, str | None], Command] = {
    **project_commands.COMMANDS,
    **roster_commands.COMMANDS,
    **signing_commands.COMMANDS,
    **document_commands.COMMANDS,
}
COMMAND_NAMES = sorted({name for name, _ in COMMANDS} | {"help", "language"})


def split(text: str) -> list[str]:
    """Words of a command line; quotes group a name with spaces."""
    try:
        return shlex.split(text)
    except ValueError:
        raise InputError(Message('A quote is not closed; write names as "Anna Berg".')) from None


def help_text(role: str | None, *, chat: bool = True) -> Lines:
    lines: list[Translatable | str] = [Message("Commands you may use here:")]
    if chat:
        lines += ["/project use <code>", "/language sv|en|pl", "/help"]
    else:
        lines += [Message("(Choose the project with --project CODE or TIMESIGN_PROJECT.)")]
    allowed = [(key, c) for key, c in COMMANDS.items() if may(role, c.role)]
    allowed.sort(key=lambda item: item[0][0])  # a command's sub-commands together
    lines += [c.usage for _, c in allowed]
    return Lines(lines)


async def run_command(
    core: Core,
    actor: Actor,
    project_code: str | None,
    words: list[str],
    *,
    bot_username: str | None = None,
    progress: Progress | None = None,
) -> CommandReply:
    """Run one command for ``actor`` in ``project_code`` (None: a Telegram user's chosen
    project), answered in the actor's language; ``progress`` hears a long one's progress.

    A refusal is a ``CommandReply`` with ``refused`` set; access refusals are audited.
    A line a button carries may start with the id of its project (``@3 unsigned ...``).
    """
    language = actor.language or "en"
    try:
        words, project_id = take_pin(words)
        request = await open_request(
            core,
            actor,
            project_code,
            words[2:],
            bot_username=bot_username,
            progress=progress,
            project_id=project_id,
        )
        language = request.language
        return await _dispatch(request, words)
    except InputError as error:
        return CommandReply(error.text(language), refused=True)


class CommandLayer:
    """The command layer as the chat sees it (``bot.core.chat.ChatCommands``)."""

    def __init__(self, core: Core) -> None:
        self._core = core

    async def run(
        self,
        actor: Actor,
        line: str,
        *,
        bot_username: str | None,
        progress: Progress | None = None,
    ) -> CommandReply:
        try:
            words = split(line)
        except InputError as error:  # a line that does not split into words
            return CommandReply(error.text(actor.language or "en"), refused=True)
        return await run_command(
            self._core, actor, None, words, bot_username=bot_username, progress=progress
        )

    async def upload(self, actor: Actor, upload: Upload) -> CommandReply:
        language = actor.language or "en"
        try:
            request = await open_request(self._core, actor, None, [])
            language = request.language
            try:
                text = await import_upload(request, upload)
            except AccessDenied:
                await record_refusal(
                    self._core, actor, request.project, command="import", role=request.role
                )
                raise
        except InputError as error:
            return CommandReply(error.text(language), refused=True)
        return CommandReply(text.text(language))


async def _dispatch(request: Request, words: list[str]) -> CommandReply:
    if not words:
        raise InputError(Message("Which command? Try /help."))
    if any(unicodedata.category(c) == "Cc" for word in words for c in word):
        # A NUL, say: PostgreSQL refuses it in any query, and a name keeps it forever.
        raise InputError(
            Message("Commands cannot contain control characters; type the line again.")
        )
    name = words[0].lstrip("/").split("@")[0].lower()
    sub = words[1].lower() if len(words) > 1 else None
    try:
        answer = await _run(request, name, sub, words)
    except AccessDenied:
        # /project use names another project: the refusal belongs to no project.
        choosing = (name, sub) == ("project", "use")
        await record_refusal(
            request.core,
            request.actor,
            None if choosing else request.project,
            command="project use" if choosing else name,
            role=None if choosing else request.role,
        )
        raise
    if isinstance(answer, CommandReply):
        return answer
    if not isinstance(answer, Answer):
        answer = Answer(answer)
    return answer.render(request.language)


async def _run(
    request: Request, name: str, sub: str | None, words: list[str]
) -> Translatable | Answer | CommandReply:
    core, actor = request.core, request.actor
    if name == "help":
        if not request.known:  # a participant: how to answer our messages
            return participant_texts.HELP
        role = request.role if request.project else (SUPERUSER if actor.superuser else None)
        return help_text(role, chat=actor.telegram_user_id is not None)
    if name == "hours" and len(words) == 1 and not request.known and actor.telegram_user_id:
        # A participant's own hours, as HOURS answers; a private chat's id is its user's.
        own = await own_hours_in_chat(core, actor.telegram_user_id)
        if own is not None:
            return own
    if name == "language":
        if not request.known:
            raise AccessDenied(NO_ACCESS)
        return await choose_language(core, actor, words[1:], current=request.language)
    if name == "project" and sub == "use":
        return await use_project(core, actor, words[2:])
    command = COMMANDS.get((name, sub)) or COMMANDS.get((name, None))
    if command is None:
        raise _unknown(name, sub)
    args = words[2:] if (name, sub) in COMMANDS else words[1:]
    view = View()
    if command.listing:
        args, view = take_view(args)
    request = replace(request, args=args, usage=command.usage, view=view)
    answer = await command.run(request)
    return _shown(request, answer) if isinstance(answer, Listing) else answer


def _shown(request: Request, listing: Listing) -> CommandReply:
    """A long list as the asker asked for it: a page in a chat, all of it in the shell."""
    assert request.project is not None and request.project.id is not None
    chat = request.actor.telegram_user_id is not None
    return render(listing, request.language, request.view, chat=chat, project_id=request.project.id)


def _unknown(name: str, sub: str | None) -> InputError:
    """Which word is unknown, and the words that would be known in its place."""
    subs = sorted(s for n, s in COMMANDS if n == name and s is not None)
    if subs and sub is None:
        return InputError(
            Message("/%(name)s needs a sub-command: %(subs)s.", name=name, subs=either(subs))
        )
    if subs and sub is not None:
        values = {"name": name, "sub": sub[:20], "subs": either(subs)}
        guesses = closest(sub, subs, n=1)
        if guesses:
            return InputError(
                Message(
                    "/%(name)s has no sub-command '%(sub)s'; did you mean /%(name)s %(guess)s? "
                    "It has %(subs)s.",
                    guess=guesses[0],
                    **values,
                )
            )
        return InputError(
            Message("/%(name)s has no sub-command '%(sub)s'; it has %(subs)s.", **values)
        )
    guesses = closest(name, COMMAND_NAMES, n=1)
    if guesses:
        return InputError(
            Message(
                "I do not know the command '%(name)s'; did you mean /%(guess)s? Try /help.",
                name=name[:20],
                guess=guesses[0],
            )
        )
    return InputError(Message("I do not know the command '%(name)s'. Try /help.", name=name[:20]))


async def record_refusal(
    core: Core, actor: Actor, project: Project | None, *, command: str, role: str | None
) -> None:
    """Its own transaction: the refused command's transaction has rolled back."""
    async with transaction(core.sessions) as session:
        audit.record(
            session,
            at=core.clock(),
            actor=actor.name,
            action="access.refused",
            project_id=project.id if project else None,
            command=command,
            role=role,
        )

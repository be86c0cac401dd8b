"""What the chat adapter and the command layer exchange.

The Telegram handlers never import the command layer: the composition root hands them
a ``ChatCommands`` that runs a typed line (or an uploaded file) for an actor and gives
back a ``CommandReply``. These are plain values, so both sides depend only on the core.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.core.access import Actor


@dataclass(frozen=True)
class Attachment:
    """A file sent with an answer: a document in Telegram, a file on disk in the shell."""

    name: str
    content: bytes
    caption: str | None = None  # said under the document when the answer says nothing else


@dataclass(frozen=True)
class Page:
    """Which page of a long list a reply shows (``bot.core.listing``). A button that
    turns it answers with another page, which the chat shows in place of this one."""

    number: int  # from 1
    count: int  # pages the list has now
    command: str  # the command line that makes the list

    def line(self, number: int) -> str:
        """The command line that makes page ``number``."""
        return f"{self.command} page {number}"

    @property
    def file_line(self) -> str:
        """The command line that sends the whole list as a file."""
        return f"{self.command} file"


@dataclass(frozen=True)
class CommandReply:
    """An answer, with optional buttons: (label, command line the button runs), one a row."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    refused: bool = False  # the command changed nothing; ``text`` says why
    attachment: Attachment | None = None
    page: Page | None = None  # a page of a long list, in a chat


@dataclass(frozen=True)
class Upload:
    """A file a coordinator sent to the chat, not downloaded yet: the command layer checks
    who sent it, its name and its declared size before ``fetch`` downloads it."""

    name: str | None
    mime_type: str | None
    declared_size: int | None
    fetch: Callable[[], Awaitable[bytes]]


# How far a long command has come: (done, in all), e.g. people of a month close.
Progress = Callable[[int, int], Awaitable[None]]


class ChatCommands(Protocol):
    async def run(
        self,
        actor: Actor,
        line: str,
        *,
        bot_username: str | None,
        progress: Progress | None = None,
    ) -> CommandReply:
        """A typed command line or a pressed button's line, answered in the actor's language;
        ``progress`` hears how far a long one (a month close) has come."""
        ...

    async def upload(self, actor: Actor, upload: Upload) -> CommandReply:
        """An uploaded attendance list."""
        ...

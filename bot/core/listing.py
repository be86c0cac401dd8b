"""Long lists in a chat: one message holding one page, buttons to turn it, the list as a file.

No page is stored anywhere. A page button carries the command line that makes its page
(``@3 unsigned 2026-10 page 2``), so pressing it runs the command again: it works after
a restart and in any web process, shows the list as it is now, and passes the same
access check as the typed command. ``@3`` pins the line to the project the list was
made in (by id, which keeps every line within Telegram's 64 bytes of callback data): a
press after ``/project use`` of another project still turns that list's page, and is
refused where the presser has no role.

The shell asks for no page and gets the whole list as it always printed it.
``bot.core.list_pages`` renders a ``Listing`` for a ``View``; ``bot.core.list_file``
writes it as a file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.access import NO_ACCESS
from bot.core.errors import InputError
from bot.core.i18n import Message, Translatable

WHICH_PAGE = Message("Which page? Write it as page 2.")


@dataclass(frozen=True)
class Entry:
    """One thing listed: its line in the chat, its row in the file, and buttons that act
    on it (shown on the page that lists it)."""

    line: Translatable | str
    cells: tuple[Translatable | str, ...]
    buttons: tuple[tuple[Translatable, str], ...] = ()


@dataclass(frozen=True)
class Section:
    """Entries under a title ("Disputed (3):"); a page that starts inside a section
    shows its title again."""

    title: Translatable | None
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Listing:
    """A command's answer that grows with the project, before it is written in the
    asker's language and cut into pages (``bot.core.list_pages.render``)."""

    title: Translatable  # "Not signed for 2026-10"
    count: Translatable  # "1234 people"
    command: str  # the command line that makes it, canonical: "unsigned 2026-10"
    columns: tuple[Translatable | str, ...]  # the file's header row
    sections: tuple[Section, ...]
    file_name: str  # "unsigned-ESF-1-2026-10.csv"
    preface: tuple[Translatable, ...] = ()  # on every page, under the header
    footer: tuple[Translatable, ...] = ()  # on every page, under the entries
    heading: Translatable | None = None  # the whole list's first line (the shell's)

    @staticmethod
    def of(entries: Sequence[Entry]) -> tuple[Section]:
        """The sections of a list without titles."""
        return (Section(None, tuple(entries)),)


@dataclass(frozen=True)
class View:
    """What the asker wants of a list: a page (None: the first in a chat, all of it in
    the shell) or the whole list as a file."""

    page: int | None = None
    as_file: bool = False


_DIGITS = re.compile(r"[0-9]+")
PAST_THE_END = 10**9  # a page number too long to be any list's: past its end


def take_view(args: Sequence[str]) -> tuple[list[str], View]:
    """The arguments without a trailing ``page <n>`` or ``file``, and what they asked."""
    words = list(args)
    last = [w.lower() for w in words[-2:]]
    if last and last[-1] == "file":
        return words[:-1], View(as_file=True)
    if last and last[-1] == "page":
        raise InputError(WHICH_PAGE)
    if len(last) == 2 and last[0] == "page":
        return words[:-2], View(page=_page_number(words[-1]))
    return words, View()


def _page_number(text: str) -> int:
    digits = text.lstrip("0")
    if not _DIGITS.fullmatch(text) or not digits:
        raise InputError(
            Message("'%(text)s' is not a page; pages count from 1, as in page 2.", text=text[:20])
        )
    # int() of thousands of digits is refused (and slow): no list has that many pages.
    return int(digits) if len(digits) < 10 else PAST_THE_END


_PIN = re.compile(r"@([0-9]{1,9})")


def pin(project_id: int, line: str) -> str:
    return f"@{project_id} {line}"


def take_pin(words: Sequence[str]) -> tuple[list[str], int | None]:
    """A line's words without its leading ``@<project id>``, and that id. A line starting
    with anything else after ``@`` was not made by us: it is refused."""
    if not words or not words[0].startswith("@"):
        return list(words), None
    found = _PIN.fullmatch(words[0])
    if found is None:
        raise InputError(NO_ACCESS)
    return list(words[1:]), int(found.group(1))

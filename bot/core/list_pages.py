"""A ``Listing`` as the asker sees it: one page in a chat, the whole list in the shell, a file.

Pages are cut by length, not by a fixed count of entries: a page must stay under
Telegram's 4096 characters whatever the language and however long the names are.
The same list in the same language always cuts the same way, so page k of a button
made a minute ago is page k now, unless the list itself changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.chat import Attachment, CommandReply, Page
from bot.core.errors import InputError
from bot.core.i18n import Message, Plural
from bot.core.list_file import csv_file
from bot.core.listing import PAST_THE_END, Entry, Listing, View, pin

MESSAGE_CHARS = 4096  # Telegram's limit for a message's text
PAGE_CHARS = 3800  # a whole page, header and footer included, with room to spare
LEAST_BODY = 1000  # the entries' share of a page, however long its fixed lines
PAGE_LINES = 50  # a page one reads without scrolling for long
LINE_CHARS = 400  # a line cut in the chat (a long dispute reason); the file holds it whole
ENTRY_BUTTONS = 50  # entries' buttons on a page; with the pager's 3 under Telegram's 100
CALLBACK_BYTES = 64  # Telegram's limit for a button's callback data

PREVIOUS = Message("« Previous")
NEXT = Message("Next »")
AS_FILE = Message("As a file (CSV)")


@dataclass(frozen=True)
class _Line:
    section: int
    text: str
    entry: Entry


def render(
    listing: Listing, language: str, view: View, *, chat: bool, project_id: int
) -> CommandReply:
    """The reply for ``view`` in ``language``: in a chat one page with its buttons (the
    first unless another is asked for), in the shell the whole list, or the list as a
    CSV file. Every button's line is pinned to ``project_id``."""
    if view.as_file:
        # One message: a line before the document would hold it back a second (the
        # chat's send slot), so the count rides as its caption.
        content = csv_file(listing, language)
        caption = _header(listing, language)
        return CommandReply("", attachment=Attachment(listing.file_name, content, caption))
    if view.page is None and not chat:
        return CommandReply(_whole(listing, language))
    return _page(listing, language, view.page or 1, project_id)


def _header(listing: Listing, language: str, page: int = 1, pages: int = 1) -> str:
    if pages > 1:
        paged = Message(
            "%(title)s: %(count)s, page %(page)s of %(pages)s",
            title=listing.title,
            count=listing.count,
            page=page,
            pages=pages,
        )
        return paged.text(language)
    return Message("%(title)s: %(count)s", title=listing.title, count=listing.count).text(language)


def _whole(listing: Listing, language: str) -> str:
    """Everything, uncut, as the shell always printed it (scripts read it)."""
    texts = [listing.heading.text(language)] if listing.heading is not None else []
    texts += [line.text(language) for line in listing.preface]
    for section in listing.sections:
        if section.title is not None:
            texts.append(section.title.text(language))
        texts += [_text(entry, language) for entry in section.entries]
    texts += [line.text(language) for line in listing.footer]
    return "\n".join(texts)


def _page(listing: Listing, language: str, number: int, project_id: int) -> CommandReply:
    titles = [_short(s.title.text(language)) if s.title else None for s in listing.sections]
    preface = [_short(line.text(language)) for line in listing.preface]
    footer = [_short(line.text(language)) for line in listing.footer]
    widest = _short(_header(listing, language, PAST_THE_END, PAST_THE_END))
    budget = PAGE_CHARS - sum(len(text) + 1 for text in (widest, *preface, *footer))
    pages = _cut(list(_lines(listing, language)), titles, max(budget, LEAST_BODY))
    if number > len(pages):
        raise InputError(
            Plural(
                "This list has %(n)s page now; there is no page %(page)s.",
                "This list has %(n)s pages now; there is no page %(page)s.",
                n=len(pages),
                page=number if number < PAST_THE_END else "…",
            )
        )
    shown = pages[number - 1]
    body: list[str] = []
    for n, line in enumerate(shown):
        title = titles[line.section]
        if title is not None and (n == 0 or shown[n - 1].section != line.section):
            body.append(title)
        body.append(line.text)
    header = _short(_header(listing, language, number, len(pages)))
    text = "\n".join([header, *preface, *body, *footer])[:MESSAGE_CHARS]
    page = Page(number, len(pages), pin(project_id, listing.command))
    return CommandReply(text, _buttons(shown, page, language, project_id), page=page)


def _lines(listing: Listing, language: str) -> list[_Line]:
    lines = []
    for n, section in enumerate(listing.sections):
        for entry in section.entries:
            lines.append(_Line(n, _short(_text(entry, language)), entry))
    return lines


def _short(text: str) -> str:
    """A line as a page shows it: cut where it would crowd out the rest (a name or a
    dispute reason of thousands of characters); the shell and the file keep it whole."""
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1] + "…"


def _text(entry: Entry, language: str) -> str:
    return entry.line if isinstance(entry.line, str) else entry.line.text(language)


def _cut(lines: list[_Line], titles: list[str | None], budget: int) -> list[list[_Line]]:
    """Lines in pages of at most ``budget`` characters, a section's title counted on
    each page it appears on; at least one (empty) page."""
    pages: list[list[_Line]] = []
    current: list[_Line] = []
    used = 0
    for line in lines:
        cost = _cost(line, current, titles)
        if current and (used + cost > budget or len(current) >= PAGE_LINES):
            pages.append(current)
            current, used = [], 0
            cost = _cost(line, current, titles)
        current.append(line)
        used += cost
    pages.append(current)
    return pages


def _cost(line: _Line, page: list[_Line], titles: list[str | None]) -> int:
    cost = len(line.text) + 1
    title = titles[line.section]
    if title is not None and (not page or page[-1].section != line.section):
        cost += len(title) + 1
    return cost


def _buttons(
    shown: list[_Line], page: Page, language: str, project_id: int
) -> tuple[tuple[str, str], ...]:
    """The entries' buttons (as many as fit), then Previous, Next and As a file."""
    buttons: list[tuple[str, str]] = []
    for line in shown:
        if len(buttons) + len(line.entry.buttons) > ENTRY_BUTTONS:
            break
        buttons += [
            (label.text(language), pin(project_id, command))
            for label, command in line.entry.buttons
        ]
    if page.number > 1:
        buttons.append((PREVIOUS.text(language), page.line(page.number - 1)))
    if page.number < page.count:
        buttons.append((NEXT.text(language), page.line(page.number + 1)))
    if page.count > 1:
        buttons.append((AS_FILE.text(language), page.file_line))
    # A line over Telegram's limit would make it refuse the whole message; ours are made
    # of references and numbers and fit (tests/test_pages.py checks the longest).
    return tuple((label, line) for label, line in buttons if len(line.encode()) <= CALLBACK_BYTES)

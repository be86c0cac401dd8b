"""Translation and locale formatting shared by every text timesign shows, in sv, en and pl.

Message ids are English and live in the code; translations live in gettext catalogs
(``bot/core/locale/<lang>/LC_MESSAGES/timesign.po``), read at run time with Babel
so no compiled .mo files are kept in the repository. ``scripts/messages`` extracts the
ids (with ``EXTRACT_KEYWORDS``) and updates the catalogs.

A ``Message`` is a sentence translated late: the core raises ``InputError(Message("There
is no project %(code)s.", code=...))`` without knowing who will read it, and the chat, the
shell or the outbox renders it in the reader's language.

SMS cost: locale formatting is cleaned of characters outside GSM-7 (CLDR puts no-break
spaces in numbers and dates; one of them forces UCS-2, which halves what a segment holds).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Protocol, TypeGuard, runtime_checkable

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LANGUAGES = ("sv", "en", "pl")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "timesign"
# The one way to write a sentence for a reader: ``Message(msgid, **values)`` (and
# ``Plural`` for counts), rendered with ``.text(language)`` by whoever answers. Their
# literal arguments are the message ids ``scripts/messages`` extracts.
EXTRACT_KEYWORDS: dict[str, tuple[int, ...]] = {"Message": (1,), "Plural": (1, 2)}
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


class Catalog(Protocol):
    def gettext(self, message: str) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


@lru_cache(maxsize=8)
def catalog(language: str) -> Catalog:
    if language not in LANGUAGES or language == "en":
        return NullTranslations()
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        messages = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def language_or_english(language: str | None) -> str:
    return language if language in LANGUAGES else "en"


def _translate(language: str, message: str, values: dict[str, object]) -> str:
    text = str(catalog(language).gettext(message))
    return text % values if values else text


@runtime_checkable
class Translatable(Protocol):
    def text(self, language: str) -> str: ...


_KINDS: dict[type, bool] = {}


def _translatable(value: object) -> TypeGuard[Translatable]:
    """``isinstance(value, Translatable)``, remembered per type: a protocol check walks the
    class's attributes each time, and a list of 2 000 people makes tens of thousands."""
    kind = type(value)
    known = _KINDS.get(kind)
    if known is None:
        known = _KINDS[kind] = isinstance(value, Translatable)
    return known


class Message:
    """A sentence whose reader is not known yet; ``text(language)`` renders it.

    Values that are ``Translatable`` themselves (a ``Message``, ``Lines``, ``Hours``) are
    rendered in the same language; anything else is inserted as it is.
    """

    __slots__ = ("msgid", "values")

    def __init__(self, msgid: str, /, **values: object) -> None:
        self.msgid = msgid
        self.values = values

    def text(self, language: str) -> str:
        values = {
            name: value.text(language) if _translatable(value) else value
            for name, value in self.values.items()
        }
        return _translate(language, self.msgid, values)

    def __str__(self) -> str:
        return self.text("en")

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, **{self.values!r})"


class Rendered:
    """A sentence already written in its reader's language, passed on as it is (an answer
    that the shell prints, say); ``text`` ignores the language asked for."""

    __slots__ = ("rendered",)

    def __init__(self, rendered: str) -> None:
        self.rendered = rendered

    def text(self, language: str) -> str:
        return self.rendered

    def __str__(self) -> str:
        return self.rendered


class Plural:
    """A phrase that depends on a count: "1 day", "3 days"; Polish has three forms, which
    the catalog's plural rule picks. ``n`` is also a placeholder of the phrase; other
    ``Translatable`` values are rendered in the same language, as in ``Message``."""

    __slots__ = ("plural", "singular", "values")

    def __init__(self, singular: str, plural: str, /, n: int, **values: object) -> None:
        self.singular, self.plural = singular, plural
        self.values = {"n": n, **values}

    def text(self, language: str) -> str:
        n = self.values["n"]
        assert isinstance(n, int)
        chosen = str(catalog(language).ngettext(self.singular, self.plural, n))
        # As in ``Message``: a month name or a moment inside is written the reader's way.
        values = {
            name: value.text(language) if isinstance(value, Translatable) else value
            for name, value in self.values.items()
        }
        return chosen % values

    def __str__(self) -> str:
        return self.text("en")


class Joined:
    """Sentences, values and plain strings side by side, translated together."""

    __slots__ = ("parts", "separator")

    def __init__(self, parts: Sequence[Translatable | str], separator: str = "") -> None:
        self.parts = tuple(parts)
        self.separator = separator

    def text(self, language: str) -> str:
        return self.separator.join(
            p if isinstance(p, str) else p.text(language) for p in self.parts
        )

    def __str__(self) -> str:
        return self.text("en")


class Lines(Joined):
    """Several messages or plain strings, one a line, translated together."""

    __slots__ = ()

    def __init__(self, parts: Sequence[Translatable | str]) -> None:
        super().__init__(parts, "\n")


class Hours:
    """An amount of hours inside a sentence, written the reader's way ("7,5 h", "7.5 h")."""

    __slots__ = ("minutes",)

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes

    def text(self, language: str) -> str:
        return hours(language, self.minutes)

    def __str__(self) -> str:
        return self.text("en")


class MonthName:
    """A month inside a sentence, named the reader's way ("oktober 2026")."""

    __slots__ = ("month",)

    def __init__(self, month: date) -> None:
        self.month = month

    def text(self, language: str) -> str:
        return month_name(language, self.month)

    def __str__(self) -> str:
        return self.text("en")


class Moment:
    """A local date and time inside a sentence ("3 nov. 09:00"), in its own zone."""

    __slots__ = ("when",)

    def __init__(self, when: datetime) -> None:
        self.when = when

    def text(self, language: str) -> str:
        return moment(language, self.when)

    def __str__(self) -> str:
        return self.text("en")


# Cached: a month close renders the same few hours, months and moments for every person,
# and babel parses its locale on each call.
@functools.lru_cache(maxsize=4096)
def hours(language: str, minutes: int) -> str:
    """Minutes as locale decimal hours: "7,5 h" (sv, pl), "7.5 h" (en), "8 h"."""
    number = format_decimal(minutes / 60, format="#,##0.##", locale=language_or_english(language))
    return f"{number} h".translate(_SPACES)


@functools.lru_cache(maxsize=256)
def month_name(language: str, month: date) -> str:
    formatted = format_date(month, "LLLL yyyy", locale=language_or_english(language))
    return str(formatted).translate(_SPACES)


@functools.lru_cache(maxsize=1024)
def moment(language: str, when: datetime) -> str:
    formatted = format_datetime(
        when, "d MMM HH:mm", tzinfo=when.tzinfo, locale=language_or_english(language)
    )
    return str(formatted).translate(_SPACES)


def dated_moment(language: str, when: datetime) -> str:
    """A local date with its year and time, for evidence read years later: "3 november
    2026 09:00"."""
    formatted = format_datetime(
        when, "d MMMM yyyy HH:mm", tzinfo=when.tzinfo, locale=language_or_english(language)
    )
    return str(formatted).translate(_SPACES)

"""Translation and locale formatting shared by every text timesign shows, in sv, en and pl.

Message ids are English and live in the code; translations live in gettext catalogs
(``notifications/locale/<lang>/LC_MESSAGES/timesign.po``), read at run time with Babel
so no compiled .mo files are kept in the repository. ``scripts/messages`` extracts the
ids (with ``EXTRACT_KEYWORDS``) and updates the catalogs.

A ``Message`` is a sentence translated late: the core raises ``InputError("There is no
project %(code)s.", code=...)`` without knowing who will read it, and the chat or shell
that answers renders it in the reader's language.

SMS cost: locale formatting is cleaned of characters outside GSM-7 (CLDR puts no-break
spaces in numbers and dates; one of them forces UCS-2, which halves what a segment holds).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Protocol, runtime_checkable

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LANGUAGES = ("sv", "en", "pl")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "timesign"
# Functions whose literal arguments are message ids: (name, position of the msgid).
# ``_(language, msgid)`` in texts, and the late-translated sentences of the core.
EXTRACT_KEYWORDS: dict[str, tuple[int, ...]] = {
    "_": (2,),
    "ngettext": (1, 2),
    "Message": (1,),
    "Plural": (1, 2),
    "say": (1,),
    "InputError": (1,),
    "AccessDenied": (1,),
    "ProtectedIdentityError": (1,),
    "need": (2,),
}
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


def _(language: str, message: str, /, **values: object) -> str:
    text = str(catalog(language).gettext(message))
    return text % values if values else text


@runtime_checkable
class Translatable(Protocol):
    def text(self, language: str) -> str: ...


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
            name: value.text(language) if isinstance(value, Translatable) else value
            for name, value in self.values.items()
        }
        return _(language, self.msgid, **values)

    def __str__(self) -> str:
        return self.text("en")

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, **{self.values!r})"


class Plural:
    """A phrase that depends on a count: "1 day", "3 days"; Polish has three forms, which
    the catalog's plural rule picks. ``n`` is also a placeholder of the phrase."""

    __slots__ = ("plural", "singular", "values")

    def __init__(self, singular: str, plural: str, /, n: int, **values: object) -> None:
        self.singular, self.plural = singular, plural
        self.values = {"n": n, **values}

    def text(self, language: str) -> str:
        n = self.values["n"]
        assert isinstance(n, int)
        chosen = str(catalog(language).ngettext(self.singular, self.plural, n))
        return chosen % self.values

    def __str__(self) -> str:
        return self.text("en")


class Lines:
    """Several messages or plain strings, one a line, translated together."""

    __slots__ = ("parts",)

    def __init__(self, parts: Sequence[Message | Lines | str]) -> None:
        self.parts = tuple(parts)

    def text(self, language: str) -> str:
        return "\n".join(p if isinstance(p, str) else p.text(language) for p in self.parts)

    def __str__(self) -> str:
        return self.text("en")


class Hours:
    """An amount of hours inside a sentence, written the reader's way ("7,5 h", "7.5 h")."""

    __slots__ = ("minutes",)

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes

    def text(self, language: str) -> str:
        return hours(language, self.minutes)

    def __str__(self) -> str:
        return self.text("en")


def hours(language: str, minutes: int) -> str:
    """Minutes as locale decimal hours: "7,5 h" (sv, pl), "7.5 h" (en), "8 h"."""
    number = format_decimal(minutes / 60, format="#,##0.##", locale=language_or_english(language))
    return f"{number} h".translate(_SPACES)


def month_name(language: str, month: date) -> str:
    formatted = format_date(month, "LLLL yyyy", locale=language_or_english(language))
    return str(formatted).translate(_SPACES)


def moment(language: str, when: datetime) -> str:
    formatted = format_datetime(
        when, "d MMM HH:mm", tzinfo=when.tzinfo, locale=language_or_english(language)
    )
    return str(formatted).translate(_SPACES)

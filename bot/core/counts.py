"""Counted nouns that sentences share ("1 person", "3 people"): Polish has three plural
forms and Swedish two, so a count is never glued to a fixed English plural."""

from __future__ import annotations

from bot.core.i18n import Plural


def people(n: int) -> Plural:
    return Plural("%(n)s person", "%(n)s people", n=n)


def lines(n: int) -> Plural:
    return Plural("%(n)s line", "%(n)s lines", n=n)

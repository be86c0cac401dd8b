"""Naming what was wrong and what would be right: a typo gets the closest choices.

difflib's ratio is enough for command words and names of a few words; it needs no
dictionary and no extra package.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from bot.core.errors import InputError
from bot.core.i18n import Joined, Message

CUTOFF = 0.6


def closest(word: str, choices: Iterable[str], *, n: int = 3) -> list[str]:
    """The choices most like ``word`` (case ignored), best first, in their own spelling."""
    by_lower = {choice.lower(): choice for choice in choices}
    matches = difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=CUTOFF)
    return [by_lower[match] for match in matches]


def either(words: Sequence[str]) -> Joined:
    """``a, b or c`` in the reader's language."""
    if len(words) == 1:
        return Joined([words[0]])
    return Joined([", ".join(words[:-1]), " ", Message("or"), " ", words[-1]])


def not_a_choice(word: str, choices: Sequence[str], what: Message) -> InputError:
    """``'particpant' is not a kind of person; did you mean participant? ...``"""
    shown = word[:30]
    guesses = closest(word, choices, n=1)
    if guesses:
        return InputError(
            Message(
                "'%(word)s' is not %(what)s; did you mean %(guess)s? Write %(choices)s.",
                word=shown,
                what=what,
                guess=guesses[0],
                choices=either(choices),
            )
        )
    return InputError(
        Message(
            "'%(word)s' is not %(what)s; write %(choices)s.",
            word=shown,
            what=what,
            choices=either(choices),
        )
    )

"""Who may do what in a project: superusers, then per-project admin > coordinator > viewer.

A refusal is an ``AccessDenied`` (an ``InputError``, so every caller answers it with
its sentence) and an audit event, written by the command layer that catches it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import InputError
from bot.core.i18n import Message

ROLES = ("viewer", "coordinator", "admin")
SUPERUSER = "superuser"
_RANK = {"viewer": 1, "coordinator": 2, "admin": 3, SUPERUSER: 4}


class AccessDenied(InputError):
    """The actor's role does not allow the command; the text says what would."""


@dataclass(frozen=True)
class Actor:
    """Who sends a command: ``name`` goes into audit events ("cli", "telegram:42")."""

    name: str
    telegram_user_id: int | None = None
    superuser: bool = False
    language: str | None = None  # the Telegram app's language, if timesign speaks it


def may(role: str | None, needed: str) -> bool:
    return role is not None and _RANK[role] >= _RANK[needed]


def require(role: str | None, needed: str, what: Message) -> None:
    if may(role, needed):
        return
    if role is None:
        raise AccessDenied(NO_ACCESS)
    raise AccessDenied(
        Message(
            "%(what)s needs the %(needed)s role; you are %(role)s here.",
            what=what,
            needed=ROLE_NAMES[needed],
            role=ROLE_NAMES[role],
        )
    )


# The same sentence whether the project exists or not: a refusal tells nothing.
NO_ACCESS = Message("Sorry, this chat has no access to that project. Ask its admin to add you.")
# Role names as they read in sentences; the command words stay English.
ROLE_NAMES = {
    "viewer": Message("viewer"),
    "coordinator": Message("coordinator"),
    "admin": Message("admin"),
    SUPERUSER: Message("superuser"),
}

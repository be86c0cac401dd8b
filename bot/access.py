"""Who may do what in a project: superusers, then per-project admin > coordinator > viewer.

A refusal is an ``AccessDenied`` (an ``InputError``, so every caller answers it with
its sentence) and an audit event, written by the command layer that catches it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import InputError

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
    language: str = "en"


def may(role: str | None, needed: str) -> bool:
    return role is not None and _RANK[role] >= _RANK[needed]


def require(role: str | None, needed: str, what: str) -> None:
    if may(role, needed):
        return
    if role is None:
        raise AccessDenied(
            "Sorry, this chat has no access to that project. Ask its admin to add you."
        )
    raise AccessDenied(f"{what} needs the {needed} role; you are {role} here.")

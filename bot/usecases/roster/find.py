"""Finding the person or activity a coordinator names: by reference, exact name or phone.

A refusal says what was not found without repeating a typed phone number.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import InputError
from bot.core.i18n import Joined, Message
from bot.core.phones import mask, try_e164
from bot.core.suggest import closest, either
from storage import queries
from storage.tables import Activity, Person, Project


async def find_person(session: AsyncSession, project: Project, text: str) -> Person:
    """A person by reference (P-0007), exact name or phone number."""
    assert project.id is not None
    phone = try_e164(text, project.country) if any(c.isdigit() for c in text) else None
    found = await queries.people_named(
        session, project.id, ref=text.upper(), name=text, phone=phone
    )
    by_ref = [person for person in found if person.ref == text.upper()]
    if len(by_ref) == 1:  # a reference is exact, even if someone is named "P-0007"
        return by_ref[0]
    if len(found) != 1:
        shown = mask(phone) if phone else text[:40]  # a refusal repeats no phone number
        if found:
            raise InputError(
                Message(
                    "No single person is called '%(text)s'; use the reference, e.g. P-0007.",
                    text=shown,
                )
            )
        guesses = None if phone else await _near(session, Person, project.id, text)
        if guesses is not None:
            raise InputError(
                Message(
                    "There is no person '%(text)s'; did you mean %(guesses)s?",
                    text=text[:40],
                    guesses=guesses,
                )
            )
        raise InputError(
            Message(
                "There is no person '%(text)s' in %(code)s; see /person list.",
                text=shown,
                code=project.code,
            )
        )
    return found[0]


async def find_activity(session: AsyncSession, project_id: int, text: str) -> Activity:
    found = await queries.activities_named(session, project_id, ref=text.upper(), name=text)
    if len(found) != 1:
        if found:
            raise InputError(
                Message(
                    "No single activity is called '%(text)s'; use the reference, e.g. A-002.",
                    text=text[:40],
                )
            )
        guesses = await _near(session, Activity, project_id, text)
        if guesses is not None:
            raise InputError(
                Message(
                    "There is no activity '%(text)s'; did you mean %(guesses)s?",
                    text=text[:40],
                    guesses=guesses,
                )
            )
        raise InputError(
            Message("There is no activity '%(text)s'; see /activity list.", text=text[:40])
        )
    return found[0]


async def _near(
    session: AsyncSession, table: type[Person] | type[Activity], project_id: int, text: str
) -> Joined | None:
    """The names a typed name is nearly ("Ana Berg": Anna Berg (P-0003)), or None."""
    names = await queries.names_of(session, table, project_id)
    guesses = closest(text, names)
    if not guesses:
        return None
    return either([f"{name} ({names[name]})" for name in guesses])

"""Linking a Telegram chat to a person: by a coordinator's invite token or by a shared contact.

From then on that person's messages go to Telegram. A shared contact only counts when it
is the sender's own (Telegram says whose contact it is), otherwise anyone could claim a
participant's phone number and receive their codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import col, select

from bot.core import participant_texts as texts
from bot.core.phones import try_e164
from bot.core.states import Channel
from bot.usecases.context import Core
from storage import audit, queries
from storage.db import transaction
from storage.tables import Person, Project


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LinkResult:
    linked: bool
    text: str


async def link_by_token(core: Core, token: str, chat_id: int, language: str) -> LinkResult:
    now = core.clock()
    async with transaction(core.sessions) as session:
        found = (
            await session.exec(
                select(Person, Project)
                .join(Project, col(Project.id) == Person.project_id)
                .where(col(Person.invite_token) == token[:64], col(Person.active).is_(True))
            )
        ).first()
        if found is None:
            return LinkResult(False, texts.TELEGRAM_LINK_INVALID.text(language))
        person, project = found
        made = person.invite_created_at
        if made is not None and _aware(made) + core.policy.invite_ttl < now:
            days = core.policy.invite_ttl.days
            return LinkResult(False, texts.telegram_link_expired(days).text(language))
        _link(person, chat_id)
        session.add(person)
        audit.record(
            session,
            at=now,
            actor=f"telegram:{chat_id}",
            action="person.telegram_linked",
            project_id=person.project_id,
            person=person.ref,
            how="invite",
        )
        return LinkResult(
            True,
            texts.telegram_linked(name=person.name, project_name=project.name).text(
                person.language
            ),
        )


async def link_by_contact(
    core: Core, phone: str, chat_id: int, *, own_contact: bool, language: str
) -> LinkResult:
    if not own_contact:
        return LinkResult(False, texts.TELEGRAM_CONTACT_NOT_OWN.text(language))
    now = core.clock()
    e164 = try_e164(phone if phone.startswith("+") else f"+{phone}", "SE")
    async with transaction(core.sessions) as session:
        people = list(await queries.people_by_address(session, "sms", e164)) if e164 else []
        if not people:
            # Same answer as any unknown sender: reveals nothing about who is registered.
            return LinkResult(False, texts.UNKNOWN_SENDER.text(language))
        for person in people:
            _link(person, chat_id)
            session.add(person)
            audit.record(
                session,
                at=now,
                actor=f"telegram:{chat_id}",
                action="person.telegram_linked",
                project_id=person.project_id,
                person=person.ref,
                how="contact",
            )
        project = await session.get(Project, people[0].project_id)
        assert project is not None
        first = people[0]
        return LinkResult(
            True,
            texts.telegram_linked(name=first.name, project_name=project.name).text(first.language),
        )


def _link(person: Person, chat_id: int) -> None:
    person.telegram_chat_id = chat_id
    person.channel = Channel.TELEGRAM
    person.invite_token = None  # an invite works once

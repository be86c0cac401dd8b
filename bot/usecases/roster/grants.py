"""Granting roles and choosing the project a chat works on."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from bot.core.access import NO_ACCESS, ROLE_NAMES, SUPERUSER, AccessDenied, Actor
from bot.core.errors import InputError
from bot.core.i18n import Message
from bot.usecases.context import Core
from storage import audit, queries
from storage.db import transaction
from storage.tables import ChatProject, Coordinator, Project


async def grant(
    core: Core, project: Project, telegram_user_id: int, role: str, *, actor: str
) -> None:
    """Give (or change) a user's role in ``project``."""
    now = core.clock()
    async with transaction(core.sessions) as session:
        assert project.id is not None
        existing = (
            await session.exec(
                select(Coordinator).where(
                    Coordinator.project_id == project.id,
                    Coordinator.telegram_user_id == telegram_user_id,
                )
            )
        ).first()
        if existing is None:
            existing = Coordinator(
                project_id=project.id,
                telegram_user_id=telegram_user_id,
                role=role,
                language=project.language,
                created_at=now,
            )
        existing.role = role
        session.add(existing)
        audit.record(
            session,
            at=now,
            actor=actor,
            action="coordinator.grant",
            project_id=project.id,
            telegram_user_id=telegram_user_id,
            role=role,
        )


async def use_project(core: Core, actor: Actor, args: list[str]) -> Message:
    """``/project use <code>``: only a project where the actor has a role (or a superuser)."""
    if len(args) != 1:
        raise InputError(Message("Usage: %(usage)s", usage="/project use <code>"))
    if actor.telegram_user_id is None:
        # The shell remembers nothing between commands; saying "now works on" would lie.
        raise InputError(
            Message(
                "The shell does not remember a project: run timesign admin --project %(code)s "
                "<command>, or set TIMESIGN_PROJECT=%(code)s.",
                code=args[0].upper()[:32],
            )
        )
    now = core.clock()
    async with transaction(core.sessions) as session:
        project = await queries.project_by_code(session, args[0].upper())
        role = await queries.role_of(session, project, actor.telegram_user_id)
        if actor.superuser and project is not None:
            role = SUPERUSER
        if project is None or project.id is None or role is None:
            # The same sentence whether the project exists or not: nothing leaks.
            raise AccessDenied(NO_ACCESS)
        if actor.telegram_user_id is not None:
            await session.exec(
                sa.delete(ChatProject).where(
                    ChatProject.telegram_user_id == actor.telegram_user_id  # type: ignore[arg-type]
                )
            )
            session.add(
                ChatProject(
                    telegram_user_id=actor.telegram_user_id, project_id=project.id, chosen_at=now
                )
            )
        return Message(
            "This chat now works on %(code)s (%(name)s) as %(role)s.",
            code=project.code,
            name=project.name,
            role=ROLE_NAMES[role],
        )

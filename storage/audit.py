"""Audit events: who did what, when, from where. Written in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.summary import canonical_json
from storage.tables import AuditEvent


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: str,
    project_id: int | None = None,
    **detail: object,
) -> None:
    session.add(
        AuditEvent(
            project_id=project_id, actor=actor, action=action, detail=canonical_json(detail), at=at
        )
    )

"""Many people at once for the tests and benchmarks of long lists: rows written in bulk
(adding 2 000 people one command at a time would take most of a minute), then the month
closed through the product's own close, so every one of them waits for a signature."""

from __future__ import annotations

from datetime import date

from bot.core.months import Month
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from storage import queries
from storage.db import transaction
from storage.tables import Activity, Person, TimeEntry

MONTH = Month(2026, 10)


async def unsigned_crowd(core: Core, project_code: str, people: int) -> None:
    """``people`` people (P-0001 ...) with 6 h on 2026-10-14 each, October closed."""
    now = core.clock()
    async with transaction(core.sessions) as session:
        project = await queries.project_by_code(session, project_code)
        assert project is not None and project.id is not None
        activity = Activity(
            project_id=project.id,
            ref="A-900",
            name="Svenska för yrket",
            kind="training",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            created_at=now,
        )
        session.add(activity)
        rows = [
            Person(
                project_id=project.id,
                ref=f"P-{n:04d}",
                name=f"Person number {n}",
                phone=f"+4670{n:07d}",
                created_at=now,
            )
            for n in range(1, people + 1)
        ]
        session.add_all(rows)
        await session.flush()
        session.add_all(
            TimeEntry(
                person_id=person.id or 0,
                activity_id=activity.id or 0,
                day=date(2026, 10, 14),
                minutes=360,
                recorded_at=now,
            )
            for person in rows
        )
    await close_month(core, project_code, MONTH, actor="test")

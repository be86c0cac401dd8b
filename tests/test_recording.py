"""Hours recorded through the use-case: the rules see what is already in the database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from bot.core.code_box import open_code
from bot.core.errors import InputError
from bot.core.i18n import Message
from bot.core.inbound import Inbound
from bot.core.months import Month
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from bot.usecases.recording.hours import record_hours
from bot.usecases.roster.registry import NewPerson, add_activity, add_person, create_project
from bot.usecases.signing.conversation import accept_reply
from storage.tables import AuditEvent, OutboxMessage, TimeEntry
from tests.stack import PROJECT

MONDAY = date(2026, 10, 12)


async def _setup(core: Core, kind: str, person_kind: str = "participant") -> tuple[str, str]:
    await create_project(core, code=PROJECT, name="Jobbsteget", actor="test")
    activity = await add_activity(
        core,
        PROJECT,
        name="Praktik",
        kind=kind,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        actor="test",
    )
    person = await add_person(
        core, PROJECT, NewPerson("Ann", "+46701234567", kind=person_kind), actor="test"
    )
    return person.ref, activity.ref


async def _record(core: Core, person: str, activity: str, day: date, minutes: int) -> list[Message]:
    recorded = await record_hours(
        core,
        PROJECT,
        person_ref=person,
        activity_ref=activity,
        day=day,
        minutes=minutes,
        actor="test",
    )
    return recorded.warnings


async def test_internship_week_cap_counts_the_days_already_recorded(core: Core) -> None:
    person, activity = await _setup(core, "internship")
    for offset in range(4):
        await _record(core, person, activity, date(2026, 10, 12 + offset), 8 * 60)
    await _record(core, person, activity, date(2026, 10, 16), 8 * 60)  # exactly 40 h
    with pytest.raises(InputError, match="40 h a week"):
        await _record(core, person, activity, date(2026, 10, 17), 15)


async def test_replacing_a_day_is_checked_against_the_other_days_only(core: Core) -> None:
    person, activity = await _setup(core, "internship")
    await _record(core, person, activity, MONDAY, 8 * 60)
    await _record(core, person, activity, MONDAY, 7 * 60)  # a replacement, not 15 h
    async with core.sessions() as session:
        entries = (await session.exec(select(TimeEntry))).all()
    assert [(e.day, e.minutes) for e in entries] == [(MONDAY, 7 * 60)]


async def test_a_refused_day_changes_nothing(core: Core) -> None:
    person, activity = await _setup(core, "internship")
    with pytest.raises(InputError, match="Sunday"):
        await _record(core, person, activity, date(2026, 10, 11), 60)
    async with core.sessions() as session:
        assert (await session.exec(select(TimeEntry))).all() == []
        actions = [e.action for e in (await session.exec(select(AuditEvent))).all()]
    assert "hours.record" not in actions


async def test_future_days_are_refused_in_the_project_zone(core: Core) -> None:
    person, activity = await _setup(core, "other")
    with pytest.raises(InputError, match="future"):
        await _record(core, person, activity, date(2026, 11, 4), 60)


async def test_staff_warning_comes_from_the_recorded_year(core: Core) -> None:
    person, activity = await _setup(core, "other", person_kind="staff")
    cap = 1720 * 60
    day = date(2026, 1, 1)
    recorded = 0
    warnings: list[Message] = []
    while recorded + 8 * 60 <= cap * 9 // 10:
        warnings = await _record(core, person, activity, day, 8 * 60)
        recorded += 8 * 60
        day = date.fromordinal(day.toordinal() + 1)
    assert warnings == []
    warnings = await _record(core, person, activity, day, 8 * 60)
    assert warnings and "staff hours" in str(warnings[0])


async def test_a_signed_month_changes_only_by_an_explicit_correction(core: Core) -> None:
    person, activity = await _setup(core, "other")
    await _record(core, person, activity, MONDAY, 4 * 60)
    await close_month(core, PROJECT, Month(2026, 10), actor="test")
    async with core.sessions() as session:
        message = (await session.exec(select(OutboxMessage))).one()
    assert message.sealed_code is not None
    code = open_code(core.key, message.sealed_code)
    assert code is not None
    answer = await accept_reply(
        core, Inbound("sms", "SM" + "1" * 32, "+46701234567", code), queue_answer=False
    )
    assert answer.outcome == "signed"
    with pytest.raises(InputError, match="signed 2026-10 already"):
        await _record(core, person, activity, MONDAY, 5 * 60)
    corrected = await record_hours(
        core,
        PROJECT,
        person_ref=person,
        activity_ref=activity,
        day=MONDAY,
        minutes=5 * 60,
        actor="test",
        correction=True,
    )
    assert corrected.entry.minutes == 5 * 60
    report = await close_month(core, PROJECT, Month(2026, 10), actor="test")
    assert report.superseded == [person]

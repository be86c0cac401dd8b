"""What coordinators read: lists of activities and people, who has not signed, counts."""

from __future__ import annotations

from collections import Counter

from bot.closing import CloseReport
from bot.context import Core
from bot.hours import format_hours
from bot.months import Month
from bot.phones import mask
from storage import queries
from storage.tables import Project

NOTHING = "Nothing yet."


def describe_close(report: CloseReport) -> str:
    lines = [
        f"Closed {report.month}: {len(report.sent)} summaries queued for signing, "
        f"{len(report.unchanged)} unchanged, {len(report.superseded)} corrected and re-sent."
    ]
    if report.withdrawn:
        lines.append(f"Withdrawn (no hours any more): {', '.join(report.withdrawn)}.")
    for ref, reason in report.unreachable:
        lines.append(f"{ref} cannot be reached: {reason}.")
    return "\n".join(lines)


async def activities(core: Core, project: Project) -> str:
    assert project.id is not None
    async with core.sessions() as session:
        rows = await queries.activities(session, project.id)
    lines = [f"{a.ref} {a.name} ({a.kind}, {a.starts_on} to {a.ends_on})" for a in rows]
    return "\n".join(lines) or NOTHING


async def people(core: Core, project: Project) -> str:
    assert project.id is not None
    async with core.sessions() as session:
        rows = await queries.active_people(session, project.id)
    lines = [
        f"{p.ref} {p.name} ({p.kind}, {p.language}, {p.channel}"
        f"{', ' + mask(p.phone) if p.phone else ''})"
        for p in rows
    ]
    return "\n".join(lines) or NOTHING


async def unsigned(core: Core, project: Project, month: Month) -> tuple[str, list[str]]:
    """The list, with last reminder and delivery state, and the references in it."""
    assert project.id is not None
    async with core.sessions() as session:
        rows = await queries.unsigned(session, project.id, str(month))
    if not rows:
        return f"Everyone with hours in {month} has signed, or the month is not closed yet.", []
    lines = [f"Not signed for {month}: {len(rows)}"]
    for person, summary, delivery in rows:
        reminded = (
            f", last reminder {summary.last_reminder_at:%Y-%m-%d} ({summary.reminders_sent} sent)"
            if summary.last_reminder_at
            else ", no reminder yet"
        )
        lines.append(
            f"{person.ref} {person.name}: sent {summary.created_at:%Y-%m-%d}, "
            f"{delivery or 'not sent yet'}{reminded}"
        )
    return "\n".join(lines), [person.ref for person, _, _ in rows]


async def status(core: Core, project: Project, month: Month) -> str:
    assert project.id is not None
    async with core.sessions() as session:
        states = await queries.summary_states(session, project.id, str(month))
        deliveries = await queries.delivery_states(session, project.id, str(month))
    counts = Counter(states)
    sent = sum(counts.values())
    delivered = deliveries.get("delivered", 0) + deliveries.get("sent", 0)
    return (
        f"{project.code} {month}: {sent} sent, {delivered} delivered, "
        f"{counts.get('signed', 0)} signed, {counts.get('disputed', 0)} disputed, "
        f"{deliveries.get('failed', 0) + deliveries.get('undelivered', 0)} failed."
    )


async def person(core: Core, project: Project, text: str, month: Month | None) -> str:
    """A person's registration and, for a month, their hours per day and activity."""
    async with core.sessions() as session:
        found = await queries.find_person(session, project, text)
        lines = [
            f"{found.ref} {found.name}: {found.kind}, {found.language}, via {found.channel}"
            f"{', ' + mask(found.phone) if found.phone else ''}"
            f"{', Telegram linked' if found.telegram_chat_id else ''}"
            f"{'' if found.active else ', INACTIVE'}"
            f"{', SMS opted out' if found.sms_opted_out else ''}"
        ]
        if month is None:
            return lines[0]
        assert found.id is not None
        entries = await queries.person_entries(session, found.id, month.first_day, month.last_day)
    total = 0
    for entry, activity in entries:
        lines.append(f"{entry.day} {activity.ref} {format_hours(entry.minutes)} h")
        total += entry.minutes
    lines.append(
        f"{month}: {format_hours(total)} h in all." if entries else f"No hours in {month}."
    )
    return "\n".join(lines)

"""What coordinators read: lists of activities and people, who has not signed, counts.

Every function returns sentences for the reader's language; references, dates and command
words stay as they are, the prose around them is translated.
"""

from __future__ import annotations

from collections import Counter

from bot.core.i18n import Hours, Joined, Lines, Message, Translatable
from bot.core.months import Month
from bot.core.phones import mask
from bot.core.states import OutboxState, SummaryState
from bot.usecases.closing.month_close import CloseReport
from bot.usecases.context import Core
from bot.usecases.roster.find import find_person
from storage import queries
from storage.tables import Project

NOTHING = Message("Nothing yet.")
# Outbox states as a coordinator reads them in /unsigned.
DELIVERY_STATES = {
    OutboxState.QUEUED: Message("queued"),
    OutboxState.SENDING: Message("sending"),
    OutboxState.SENT: Message("sent"),
    OutboxState.DELIVERED: Message("delivered"),
    OutboxState.UNDELIVERED: Message("undelivered"),
    OutboxState.FAILED: Message("failed"),
}


def describe_close(report: CloseReport) -> Lines:
    lines: list[Translatable | str] = [
        Message(
            "Closed %(month)s: %(sent)s summaries queued for signing, "
            "%(unchanged)s unchanged, %(superseded)s corrected and re-sent.",
            month=str(report.month),
            sent=len(report.sent),
            unchanged=len(report.unchanged),
            superseded=len(report.superseded),
        )
    ]
    if report.withdrawn:
        lines.append(
            Message("Withdrawn (no hours any more): %(refs)s.", refs=", ".join(report.withdrawn))
        )
    for ref, reason in report.unreachable:
        lines.append(Message("%(ref)s cannot be reached: %(reason)s.", ref=ref, reason=reason))
    return Lines(lines)


async def activities(core: Core, project: Project) -> Translatable:
    assert project.id is not None
    async with core.sessions() as session:
        rows = await queries.activities(session, project.id)
    lines = [
        Message(
            "%(ref)s %(name)s (%(kind)s, %(first)s to %(last)s)",
            ref=a.ref,
            name=a.name,
            kind=a.kind,
            first=str(a.starts_on),
            last=str(a.ends_on),
        )
        for a in rows
    ]
    return Lines(lines) if lines else NOTHING


async def people(core: Core, project: Project) -> Translatable:
    assert project.id is not None
    async with core.sessions() as session:
        rows = await queries.active_people(session, project.id)
    lines = [
        f"{p.ref} {p.name} ({p.kind}, {p.language}, {p.channel}"
        f"{', ' + mask(p.phone) if p.phone else ''})"
        for p in rows
    ]
    return Lines(lines) if lines else NOTHING


async def unsigned(core: Core, project: Project, month: Month) -> tuple[Translatable, list[str]]:
    """The list, with last reminder and delivery state, and the references in it."""
    assert project.id is not None
    async with core.sessions() as session:
        rows = await queries.unsigned(session, project.id, str(month))
    if not rows:
        everyone = Message(
            "Everyone with hours in %(month)s has signed, or the month is not closed yet.",
            month=str(month),
        )
        return everyone, []
    lines: list[Translatable | str] = [
        Message("Not signed for %(month)s: %(count)s", month=str(month), count=len(rows))
    ]
    for person, summary, delivery in rows:
        reminded = (
            Message(
                ", last reminder %(day)s (%(count)s sent)",
                day=f"{summary.last_reminder_at:%Y-%m-%d}",
                count=summary.reminders_sent,
            )
            if summary.last_reminder_at
            else Message(", no reminder yet")
        )
        if delivery is None:
            state: Message | str = Message("not sent yet")
        else:
            state = DELIVERY_STATES[delivery]
        lines.append(
            Message(
                "%(ref)s %(name)s: sent %(day)s, %(delivery)s%(reminded)s",
                ref=person.ref,
                name=person.name,
                day=f"{summary.created_at:%Y-%m-%d}",
                delivery=state,
                reminded=reminded,
            )
        )
    return Lines(lines), [p.ref for p, _, _ in rows]


async def status(core: Core, project: Project, month: Month) -> Message:
    assert project.id is not None
    async with core.sessions() as session:
        states = await queries.summary_states(session, project.id, str(month))
        deliveries = await queries.delivery_states(session, project.id, str(month))
    counts = Counter(states)
    delivered = deliveries.get(OutboxState.DELIVERED, 0) + deliveries.get(OutboxState.SENT, 0)
    return Message(
        "%(project)s %(month)s: %(sent)s sent, %(delivered)s delivered, "
        "%(signed)s signed, %(disputed)s disputed, %(failed)s failed.",
        project=project.code,
        month=str(month),
        sent=sum(counts.values()),
        delivered=delivered,
        signed=counts.get(SummaryState.SIGNED, 0),
        disputed=counts.get(SummaryState.DISPUTED, 0),
        failed=deliveries.get(OutboxState.FAILED, 0) + deliveries.get(OutboxState.UNDELIVERED, 0),
    )


async def person(core: Core, project: Project, text: str, month: Month | None) -> Translatable:
    """A person's registration and, for a month, their hours per day and activity."""
    async with core.sessions() as session:
        found = await find_person(session, project, text)
        head: list[Translatable | str] = [
            Message(
                "%(ref)s %(name)s: %(kind)s, %(language)s, via %(channel)s",
                ref=found.ref,
                name=found.name,
                kind=found.kind,
                language=found.language,
                channel=found.channel,
            )
        ]
        if found.phone:
            head.append(mask(found.phone))
        if found.telegram_chat_id:
            head.append(Message("Telegram linked"))
        if not found.active:
            head.append(Message("INACTIVE"))
        if found.sms_opted_out:
            head.append(Message("SMS opted out"))
        registration = Joined(head, ", ")
        if month is None:
            return registration
        lines: list[Translatable | str] = [registration]
        assert found.id is not None
        entries = await queries.person_entries(session, found.id, month.first_day, month.last_day)
    total = 0
    for entry, activity in entries:
        lines.append(Joined([f"{entry.day} {activity.ref} ", Hours(entry.minutes)]))
        total += entry.minutes
    if entries:
        lines.append(Message("%(month)s: %(hours)s in all.", month=str(month), hours=Hours(total)))
    else:
        lines.append(Message("No hours in %(month)s.", month=str(month)))
    return Lines(lines)

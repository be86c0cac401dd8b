"""What coordinators read: lists of activities and people, who has not signed, counts.

Every function returns sentences for the reader's language; references, dates and command
words stay as they are, the prose around them is translated.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from bot.core.i18n import Hours, Joined, Lines, Message, Plural, Translatable
from bot.core.months import Month
from bot.core.phones import mask
from bot.core.standing import NOT_SIGNED, PersonMonth, Standing, standing_of
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
    """Each person closed is counted once, in one group, so the numbers add up."""
    corrected = [ref for ref in report.superseded if ref in report.sent]
    first = [ref for ref in report.sent if ref not in report.superseded]
    people = len(first) + len(corrected) + len(report.unchanged) + len(report.withdrawn)
    people += len(report.unreachable)
    lines: list[Translatable | str] = [
        Plural(
            "Closed %(month)s for %(n)s person:",
            "Closed %(month)s for %(n)s people:",
            n=people,
            month=str(report.month),
        )
    ]
    groups = (
        (
            first,
            Plural(
                "%(n)s summary queued for signing",
                "%(n)s summaries queued for signing",
                n=len(first),
            ),
        ),
        (
            corrected,
            Plural(
                "%(n)s corrected summary queued for signing again",
                "%(n)s corrected summaries queued for signing again",
                n=len(corrected),
            ),
        ),
        (
            report.unchanged,
            Plural(
                "%(n)s unchanged since it was sent",
                "%(n)s unchanged since they were sent",
                n=len(report.unchanged),
            ),
        ),
    )
    for refs, counted in groups:
        if refs:
            lines.append(Joined(["- ", counted, _listed(refs)]))
    if report.withdrawn:
        withdrawn = Plural(
            "%(n)s withdrawn, no hours any more",
            "%(n)s withdrawn, no hours any more",
            n=len(report.withdrawn),
        )
        lines.append(Joined(["- ", withdrawn, _listed(report.withdrawn)]))
    for ref, reason in report.unreachable:
        lines.append(Message("%(ref)s cannot be reached: %(reason)s.", ref=ref, reason=reason))
    return Lines(lines)


LISTED = 20  # references named in a close answer; past that the count says enough


def _listed(refs: list[str]) -> str:
    return ": " + ", ".join(refs) if len(refs) <= LISTED else ""


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


async def standings(
    core: Core, project: Project, month: Month
) -> list[tuple[PersonMonth, Standing]]:
    assert project.id is not None
    async with core.sessions() as session:
        rows = await queries.month_standing(
            session, project.id, str(month), month.first_day, month.last_day
        )
    return [(row, standing) for row in rows if (standing := standing_of(row)) is not None]


# The groups of /unsigned, in the order a coordinator chases them.
GROUPS: tuple[tuple[Standing, Message], ...] = (
    (Standing.DISPUTED, Message("Disputed")),
    (Standing.DELIVERY_FAILED, Message("The message did not arrive")),
    (Standing.CORRECTION_NOT_SENT, Message("Corrected, not sent again yet")),
    (Standing.NOT_SENT, Message("Hours recorded, not sent yet")),
    (Standing.WAITING, Message("Waiting for a signature")),
)


def _day(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d}" if moment else "?"


def _unsigned_line(row: PersonMonth, standing: Standing) -> Translatable:
    who = f"{row.ref} {row.name}"
    if standing is Standing.DISPUTED:
        return Message(
            "%(who)s, %(day)s: %(reason)s",
            who=who,
            day=_day(row.state_changed_at),
            reason=row.dispute_reason or "",
        )
    if standing in (Standing.CORRECTION_NOT_SENT, Standing.NOT_SENT):
        return Joined([who])
    delivery: Translatable = (
        Message("%(state)s %(day)s", state=DELIVERY_STATES[row.delivery], day=_day(row.delivery_at))
        if row.delivery is not None
        else Message("no message (cannot be reached)")
    )
    reminded: Translatable = (
        Plural(
            ", last reminder %(day)s (%(n)s sent)",
            ", last reminder %(day)s (%(n)s sent)",
            n=row.reminders_sent,
            day=_day(row.last_reminder_at),
        )
        if row.last_reminder_at
        else Message(", no reminder yet")
    )
    line = Message(
        "%(who)s: summary of %(day)s, message %(delivery)s%(reminded)s",
        who=who,
        day=_day(row.summary_at),
        delivery=delivery,
        reminded=reminded,
    )
    if not row.codes_requested:
        return line
    asked = Plural(
        ", asked for %(n)s new code",
        ", asked for %(n)s new codes",
        n=row.codes_requested,
    )
    return Joined([line, asked])


async def unsigned(core: Core, project: Project, month: Month) -> tuple[Translatable, list[str]]:
    """Everyone who has not signed, by group, and the references waiting for a signature
    (the ones a reminder or a new code can help)."""
    rows = await standings(core, project, month)
    open_rows = [(row, standing) for row, standing in rows if standing in NOT_SIGNED]
    if not open_rows:
        if rows:
            return Message("Everyone with hours in %(month)s has signed.", month=str(month)), []
        return Message("Nobody has hours in %(month)s.", month=str(month)), []
    lines: list[Translatable | str] = [
        Message("Not signed for %(month)s: %(count)s", month=str(month), count=len(open_rows))
    ]
    for standing, title in GROUPS:
        group = [row for row, s in open_rows if s is standing]
        if not group:
            continue
        lines.append(Joined([title, f" ({len(group)}):"]))
        lines += [Joined(["- ", _unsigned_line(row, standing)]) for row in group]
    if any(s in (Standing.CORRECTION_NOT_SENT, Standing.NOT_SENT) for _, s in open_rows):
        lines.append(Message("/close %(month)s sends what is not sent yet.", month=str(month)))
    waiting = [row.ref for row, s in open_rows if s in (Standing.WAITING, Standing.DELIVERY_FAILED)]
    return Lines(lines), waiting


async def status(core: Core, project: Project, month: Month) -> Translatable:
    """The same groups as /unsigned, counted, and how the month's messages fared."""
    rows = await standings(core, project, month)
    counted = Counter(standing for _, standing in rows)
    deliveries = Counter(row.delivery for row, _ in rows if row.delivery is not None)
    sent = sum(
        1
        for row, _ in rows
        if row.summary_state is not None and row.summary_state != SummaryState.SUPERSEDED
    )
    return Lines(
        [
            Message(
                "%(project)s %(month)s: %(sent)s sent, %(delivered)s delivered, "
                "%(signed)s signed, %(disputed)s disputed, %(failed)s failed.",
                project=project.code,
                month=str(month),
                sent=sent,
                delivered=deliveries[OutboxState.DELIVERED] + deliveries[OutboxState.SENT],
                signed=counted[Standing.SIGNED],
                disputed=counted[Standing.DISPUTED],
                failed=deliveries[OutboxState.FAILED] + deliveries[OutboxState.UNDELIVERED],
            ),
            Message(
                "Not signed: %(waiting)s waiting, %(failed)s not delivered, %(disputed)s "
                "disputed, %(corrected)s corrected and not sent again, %(unsent)s not sent.",
                waiting=counted[Standing.WAITING],
                failed=counted[Standing.DELIVERY_FAILED],
                disputed=counted[Standing.DISPUTED],
                corrected=counted[Standing.CORRECTION_NOT_SENT],
                unsent=counted[Standing.NOT_SENT],
            ),
        ]
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

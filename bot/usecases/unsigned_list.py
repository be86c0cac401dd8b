"""Who has not signed a month: ``/unsigned``, grouped in the order a coordinator chases them.

A coordinator in a chat gets a Remind and a New code button by everyone waiting for a
signature; the list as a file has a row per person with the same facts in columns.
"""

from __future__ import annotations

from datetime import datetime

from bot.core import counts
from bot.core.i18n import Joined, Message, Plural, Translatable
from bot.core.listing import Entry, Listing, Section
from bot.core.months import Month
from bot.core.standing import NOT_SIGNED, PersonMonth, Standing
from bot.core.states import OutboxState
from bot.usecases.context import Core
from bot.usecases.reports import standings
from storage.tables import Project

# Outbox states as a coordinator reads them in /unsigned.
DELIVERY_STATES = {
    OutboxState.QUEUED: Message("queued"),
    OutboxState.SENDING: Message("sending"),
    OutboxState.SENT: Message("sent"),
    OutboxState.DELIVERED: Message("delivered"),
    OutboxState.UNDELIVERED: Message("undelivered"),
    OutboxState.FAILED: Message("failed"),
}
GROUPS: tuple[tuple[Standing, Message], ...] = (
    (Standing.DISPUTED, Message("Disputed")),
    (Standing.DELIVERY_FAILED, Message("The message did not arrive")),
    (Standing.CORRECTION_NOT_SENT, Message("Corrected, not sent again yet")),
    (Standing.NOT_SENT, Message("Hours recorded, not sent yet")),
    (Standing.WAITING, Message("Waiting for a signature")),
)
# The ones a reminder or a new code can help.
ACTIONABLE = (Standing.WAITING, Standing.DELIVERY_FAILED)
COLUMNS = (
    Message("Person"),
    Message("Name"),
    Message("State"),
    Message("Summary date"),
    Message("Message"),
    Message("Message date"),
    Message("Reminders sent"),
    Message("Last reminder"),
    Message("Disputed on"),
    Message("Dispute reason"),
    Message("New codes asked for"),
)


def _day(moment: datetime | None) -> str:
    # Not f"{moment:%Y-%m-%d}": strftime costs tens of microseconds, four times a person.
    return moment.date().isoformat() if moment else "?"


def _line(row: PersonMonth, standing: Standing) -> Translatable:
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


def _cells(row: PersonMonth, standing: Standing, group: Message) -> tuple[Translatable | str, ...]:
    disputed = standing is Standing.DISPUTED
    sent = row.summary_at is not None and standing not in (
        Standing.CORRECTION_NOT_SENT,
        Standing.NOT_SENT,
    )
    return (
        row.ref,
        row.name,
        group,
        _day(row.summary_at) if sent else "",
        DELIVERY_STATES[row.delivery] if row.delivery is not None and sent else "",
        _day(row.delivery_at) if row.delivery is not None and sent else "",
        str(row.reminders_sent) if sent else "",
        _day(row.last_reminder_at) if row.last_reminder_at and sent else "",
        _day(row.state_changed_at) if disputed else "",
        (row.dispute_reason or "") if disputed else "",
        str(row.codes_requested) if row.codes_requested else "",
    )


def _entry(row: PersonMonth, standing: Standing, group: Message, month: Month, act: bool) -> Entry:
    buttons: tuple[tuple[Translatable, str], ...] = ()
    if act and standing in ACTIONABLE:
        buttons = (
            (Message("Remind %(ref)s", ref=row.ref), f"remind {month} {row.ref}"),
            (Message("New code %(ref)s", ref=row.ref), f"reissue {row.ref} {month}"),
        )
    return Entry(Joined(["- ", _line(row, standing)]), _cells(row, standing, group), buttons)


async def unsigned(
    core: Core, project: Project, month: Month, *, actions: bool
) -> Listing | Translatable:
    """Everyone who has not signed, by group; ``actions``: with Remind and New code
    buttons for those waiting for a signature."""
    rows = await standings(core, project, month)
    open_rows = [(row, standing) for row, standing in rows if standing in NOT_SIGNED]
    if not open_rows:
        if rows:
            return Message("Everyone with hours in %(month)s has signed.", month=str(month))
        return Message("Nobody has hours in %(month)s.", month=str(month))
    sections = []
    for standing, title in GROUPS:
        group = [row for row, s in open_rows if s is standing]
        if group:
            entries = tuple(_entry(row, standing, title, month, actions) for row in group)
            sections.append(Section(Joined([title, f" ({len(group)}):"]), entries))
    footer: tuple[Translatable, ...] = ()
    if any(s in (Standing.CORRECTION_NOT_SENT, Standing.NOT_SENT) for _, s in open_rows):
        footer = (Message("/close %(month)s sends what is not sent yet.", month=str(month)),)
    return Listing(
        title=Message("Not signed for %(month)s", month=str(month)),
        count=counts.people(len(open_rows)),
        command=f"unsigned {month}",
        columns=COLUMNS,
        sections=tuple(sections),
        file_name=f"unsigned-{project.code}-{month}.csv",
        footer=footer,
        heading=Message(
            "Not signed for %(month)s: %(count)s", month=str(month), count=len(open_rows)
        ),
    )

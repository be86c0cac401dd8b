"""What coordinators read: lists of activities, people and hours, counts.

Every function returns sentences for the reader's language; references, dates and command
words stay as they are, the prose around them is translated.
"""

from __future__ import annotations

from collections import Counter

from bot.core import counts
from bot.core.i18n import Hours, Joined, Lines, Message, Plural, Translatable
from bot.core.listing import Entry, Listing
from bot.core.months import Month
from bot.core.phones import mask
from bot.core.standing import PersonMonth, Standing, standing_of
from bot.core.states import OutboxState, SummaryState
from bot.usecases.closing.batch import CloseReport
from bot.usecases.context import Core
from bot.usecases.roster.find import find_person
from storage import queries
from storage.tables import Project

NOTHING = Message("Nothing yet.")


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


async def activities(core: Core, project: Project) -> Listing | Translatable:
    assert project.id is not None
    async with core.sessions() as session:
        rows = await queries.activities(session, project.id)
    if not rows:
        return NOTHING
    entries = [
        Entry(
            Message(
                "%(ref)s %(name)s (%(kind)s, %(first)s to %(last)s)",
                ref=a.ref,
                name=a.name,
                kind=a.kind,
                first=str(a.starts_on),
                last=str(a.ends_on),
            ),
            (a.ref, a.name, a.kind, str(a.starts_on), str(a.ends_on)),
        )
        for a in rows
    ]
    return Listing(
        title=Message("Activities of %(project)s", project=project.code),
        count=Plural("%(n)s activity", "%(n)s activities", n=len(rows)),
        command="activity list",
        columns=(
            Message("Activity"),
            Message("Name"),
            Message("Kind"),
            Message("Starts"),
            Message("Ends"),
        ),
        sections=Listing.of(entries),
        file_name=f"activities-{project.code}.csv",
    )


async def people(core: Core, project: Project) -> Listing | Translatable:
    assert project.id is not None
    async with core.sessions() as session:
        rows = await queries.active_people(session, project.id)
    if not rows:
        return NOTHING
    entries = [
        Entry(
            f"{p.ref} {p.name} ({p.kind}, {p.language}, {p.channel}"
            f"{', ' + mask(p.phone) if p.phone else ''})",
            (p.ref, p.name, p.kind, p.language, p.channel, mask(p.phone) if p.phone else ""),
        )
        for p in rows
    ]
    return Listing(
        title=Message("People in %(project)s", project=project.code),
        count=counts.people(len(rows)),
        command="person list",
        columns=(
            Message("Person"),
            Message("Name"),
            Message("Kind"),
            Message("Language"),
            Message("Channel"),
            Message("Phone"),
        ),
        sections=Listing.of(entries),
        file_name=f"people-{project.code}.csv",
    )


async def standings(
    core: Core, project: Project, month: Month
) -> list[tuple[PersonMonth, Standing]]:
    assert project.id is not None
    async with core.sessions() as session:
        rows = await queries.month_standing(
            session, project.id, str(month), month.first_day, month.last_day
        )
    return [(row, standing) for row in rows if (standing := standing_of(row)) is not None]


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


async def person(
    core: Core, project: Project, text: str, month: Month | None
) -> Listing | Translatable:
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
        assert found.id is not None
        entries = await queries.person_entries(session, found.id, month.first_day, month.last_day)
    if not entries:
        return Lines([registration, Message("No hours in %(month)s.", month=str(month))])
    days = [
        Entry(
            Joined([f"{entry.day} {activity.ref} ", Hours(entry.minutes)]),
            (str(entry.day), activity.ref, Hours(entry.minutes)),
        )
        for entry, activity in entries
    ]
    total = sum(entry.minutes for entry, _ in entries)
    return Listing(
        title=Message(
            "%(ref)s %(name)s in %(month)s", ref=found.ref, name=found.name, month=str(month)
        ),
        count=Plural("%(n)s recorded day", "%(n)s recorded days", n=len(days)),
        command=f"hours show {found.ref} {month}",
        columns=(Message("Date"), Message("Activity"), Message("Hours")),
        sections=Listing.of(days),
        file_name=f"hours-{project.code}-{found.ref}-{month}.csv",
        preface=(registration,),
        footer=(Message("%(month)s: %(hours)s in all.", month=str(month), hours=Hours(total)),),
    )

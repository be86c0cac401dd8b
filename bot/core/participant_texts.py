"""Every text a participant reads, as sentences rendered in the reader's language later.

SMS cost: texts are short; ``i18n`` cleans locale formatting of characters outside GSM-7.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.i18n import Hours, Joined, Lines, Message, Moment, MonthName, Plural, Translatable
from bot.core.own_hours import MonthState, OwnMonth
from bot.core.sms_segments import MAX_SEGMENTS, fit_sms, segment_count


def _summary_block(
    project_name: str, month: date, lines: Sequence[tuple[str, int]], total: int
) -> list[Translatable | str]:
    block: list[Translatable | str] = [Joined([project_name, ", ", MonthName(month), ":"])]
    block += [Joined([name, " ", Hours(minutes)]) for name, minutes in lines]
    block.append(Message("Total %(hours)s", hours=Hours(total)))
    return block


def month_end(
    *,
    project_name: str,
    month: date,
    lines: Sequence[tuple[str, int]],
    total_minutes: int,
    code: str,
    expires_at: datetime,
    hash_prefix: str,
) -> Lines:
    block = _summary_block(project_name, month, lines, total_minutes)
    block.append(
        Message("Code %(code)s, valid until %(expires)s.", code=code, expires=Moment(expires_at))
    )
    block.append(Message("Reply with the code to sign, or NO and what is wrong."))
    block.append(f"Ref {hash_prefix}")
    return Lines(block)


def reminder(
    *,
    project_name: str,
    month: date,
    lines: Sequence[tuple[str, int]],
    total_minutes: int,
    code: str,
    expires_at: datetime,
    hash_prefix: str,
) -> Lines:
    block: list[Translatable | str] = [Message("Reminder: not signed yet.")]
    block += _summary_block(project_name, month, lines, total_minutes)
    block.append(
        Message("Code %(code)s, valid until %(expires)s.", code=code, expires=Moment(expires_at))
    )
    block.append(f"Ref {hash_prefix}")
    return Lines(block)


def reminder_without_code(
    *,
    project_name: str,
    month: date,
    lines: Sequence[tuple[str, int]],
    total_minutes: int,
    expires_at: datetime | None,
    hash_prefix: str,
) -> Lines:
    """A reminder whose code is still valid (it is only kept hashed, so it is not repeated),
    or whose code is dead (the person asks for a new one)."""
    block: list[Translatable | str] = [Message("Reminder: not signed yet.")]
    block += _summary_block(project_name, month, lines, total_minutes)
    if expires_at is not None:
        block.append(
            Message(
                "Reply with the code from the earlier message; it is valid until %(expires)s.",
                expires=Moment(expires_at),
            )
        )
    else:
        block.append(Message("Reply NEW CODE for a new code."))
    block.append(f"Ref {hash_prefix}")
    return Lines(block)


def _with_link(text: Message, receipt_url: str | None) -> Translatable:
    return Joined([text, " ", receipt_url]) if receipt_url else text


def signed(*, month: date, receipt: str, receipt_url: str | None) -> Translatable:
    text = Message(
        "Thank you! Your hours for %(month)s are signed. Receipt %(receipt)s",
        month=MonthName(month),
        receipt=receipt,
    )
    return _with_link(text, receipt_url)


def already_signed(*, month: date, receipt: str, receipt_url: str | None) -> Translatable:
    text = Message(
        "Your hours for %(month)s are already signed. Receipt %(receipt)s",
        month=MonthName(month),
        receipt=receipt,
    )
    return _with_link(text, receipt_url)


def disputed(*, month: date) -> Message:
    return Message(
        "Thank you. Your objection to %(month)s has been passed to your "
        "coordinator, who will be in touch.",
        month=MonthName(month),
    )


DISPUTE_NEEDS_REASON = Message(
    "Please write NO followed by what is wrong, e.g. NO I was ill on the 14th."
)


def _months(months: Sequence[date]) -> str:
    """Months as they are typed back ("2026-10, 2026-09")."""
    return ", ".join(f"{month:%Y-%m}" for month in months)


def which_month_to_dispute(months: Sequence[date]) -> Message:
    return Message(
        "You have more than one month waiting: %(months)s. Reply NO, the month and what "
        "is wrong, e.g. NO %(month)s I was ill on the 14th.",
        months=_months(months),
        month=f"{months[0]:%Y-%m}",
    )


def which_month_for_a_code(months: Sequence[date]) -> Message:
    return Message(
        "More than one month needs a new code: %(months)s. Reply NEW CODE and the month, "
        "e.g. NEW CODE %(month)s.",
        months=_months(months),
        month=f"{months[0]:%Y-%m}",
    )


def month_not_waiting(month: date, waiting: Sequence[date]) -> Message:
    return Message(
        "%(month)s is not waiting for your signature; these months are: %(months)s.",
        month=MonthName(month),
        months=_months(waiting),
    )


def new_code_sent(*, month: date) -> Message:
    return Message(
        "A new code for %(month)s is on its way in a separate message; the old one no "
        "longer works.",
        month=MonthName(month),
    )


def code_still_valid(*, month: date, expires_at: datetime) -> Message:
    return Message(
        "Your code for %(month)s is still valid until %(expires)s; reply with it to sign.",
        month=MonthName(month),
        expires=Moment(expires_at),
    )


def code_limit_reached(*, month: date, issued: int, next_at: datetime) -> Plural:
    return Plural(
        "You have had %(n)s code for %(month)s in the last 24 hours; "
        "the next is possible from %(at)s.",
        "You have had %(n)s codes for %(month)s in the last 24 hours; "
        "the next is possible from %(at)s.",
        n=issued,
        month=MonthName(month),
        at=Moment(next_at),
    )


CANNOT_REACH = Message(
    "We cannot send you a new code while SMS is off for your number. Reply START to turn "
    "it on again, or ask your coordinator."
)


def _own_month_head(month: OwnMonth) -> Message:
    name = MonthName(month.month)
    match month.state:
        case MonthState.SIGNED:
            return Message(
                "%(month)s, signed, receipt %(receipt)s:", month=name, receipt=month.receipt
            )
        case MonthState.DISPUTED:
            return Message("%(month)s, disputed:", month=name)
        case MonthState.SENT:
            return Message("%(month)s, sent to you, not signed yet:", month=name)
        case _ if month.current:
            return Message("%(month)s so far, open:", month=name)
        case _:
            return Message("%(month)s, open, not sent for signing yet:", month=name)


def _own_month(month: OwnMonth) -> list[Translatable | str]:
    if not month.lines:
        return [Joined([_own_month_head(month), " ", Message("No hours recorded.")])]
    block: list[Translatable | str] = [_own_month_head(month)]
    block += [Joined([name, " ", Hours(minutes)]) for name, minutes in month.lines]
    block.append(Message("Total %(hours)s", hours=Hours(month.total_minutes)))
    return block


def _own_month_brief(month: OwnMonth) -> Translatable:
    if not month.lines:
        return Joined([_own_month_head(month), " ", Message("No hours recorded.")])
    return Joined(
        [_own_month_head(month), " ", Message("Total %(hours)s", hours=Hours(month.total_minutes))]
    )


class _FirstThatFits:
    """The full text when its SMS keeps to the segment budget, else the brief one."""

    __slots__ = ("brief", "full")

    def __init__(self, full: Translatable, brief: Translatable) -> None:
        self.full, self.brief = full, brief

    def text(self, language: str) -> str:
        full = self.full.text(language)
        if segment_count(fit_sms(full)) <= MAX_SEGMENTS:
            return full
        return self.brief.text(language)


def own_hours(projects: Sequence[tuple[str, Sequence[OwnMonth]]], *, sms: bool) -> Translatable:
    """Each project's months (newest first); in an SMS only totals when per activity
    would not fit."""
    full: list[Translatable | str] = []
    brief: list[Translatable | str] = []
    for project_name, months in projects:
        full.append(project_name)
        brief.append(project_name)
        for month in months:
            full += _own_month(month)
            brief.append(_own_month_brief(month))
    if any(m.state is MonthState.SENT for _, months in projects for m in months):
        full.append(Message("Reply with your code to sign, or NEW CODE for a new one."))
    return _FirstThatFits(Lines(full), Lines(brief)) if sms else Lines(full)


def wrong_code(*, tries_left: int) -> Plural:
    return Plural(
        "Wrong code. You have %(n)d try left.",
        "Wrong code. You have %(n)d tries left.",
        n=tries_left,
    )


CODE_DEAD = Message(
    "The code can no longer be used after too many wrong tries. Reply NEW CODE for a new one."
)
CODE_EXPIRED = Message("The code has expired. Reply NEW CODE for a new one.")
CODE_SUPERSEDED = Message(
    "Your hours were corrected and sent again. Please use the code in the newest message."
)
NOTHING_PENDING = Message("You have nothing waiting to be signed right now.")
UNKNOWN_SENDER = Message(
    "We could not match your message. If you expected a message from us, "
    "please contact your coordinator."
)
NOT_UNDERSTOOD = Message(
    "Sorry, I did not understand. Reply with your code to sign, NO and a reason to object, "
    "HOURS to see your hours, or HELP."
)
HELP = Message(
    "To sign your hours, reply with the code from our message. If something "
    "is wrong, reply NO and what is wrong. HOURS shows your hours, NEW CODE "
    "sends a new code. STOP ends SMS, START resumes."
)
OPTED_OUT = Message("You will get no more SMS from us. Reply START to resume.")
OPTED_IN = Message("Welcome back, SMS messages are on again.")


def telegram_linked(*, name: str, project_name: str) -> Message:
    return Message(
        "Hello %(name)s! From now on your hours from %(project)s come here.",
        name=name,
        project=project_name,
    )


TELEGRAM_LINK_INVALID = Message(
    "This link is not valid any more. Ask your coordinator for a new one, "
    "or share your phone number with the button below."
)


def telegram_link_expired(days: int) -> Plural:
    return Plural(
        "This link has expired: an invite works for %(n)s day. Ask your coordinator for a "
        "new one (/person invite), or share your phone number with the button below.",
        "This link has expired: an invite works for %(n)s days. Ask your coordinator for a "
        "new one (/person invite), or share your phone number with the button below.",
        n=days,
    )


TELEGRAM_CONTACT_NOT_OWN = Message(
    "Please share your own phone number with the button, not someone else's."
)
TELEGRAM_WELCOME = Message(
    "Welcome! Open the link your coordinator gave you, or share your phone "
    "number with the button below so we can find your hours."
)
SHARE_CONTACT_BUTTON = Message("Share my phone number")

"""Every text a participant reads, as sentences rendered in the reader's language later.

SMS cost: texts are short; ``i18n`` cleans locale formatting of characters outside GSM-7.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.i18n import Hours, Joined, Lines, Message, Moment, MonthName, Plural, Translatable


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
    or whose code is dead (a coordinator issues a new one)."""
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
        block.append(Message("Ask your coordinator for a new code."))
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


def wrong_code(*, tries_left: int) -> Plural:
    return Plural(
        "Wrong code. You have %(n)d try left.",
        "Wrong code. You have %(n)d tries left.",
        n=tries_left,
    )


CODE_DEAD = Message(
    "The code can no longer be used after too many wrong tries. "
    "Your coordinator can send you a new one."
)
CODE_EXPIRED = Message("The code has expired. Your coordinator or a reminder will send a new one.")
CODE_SUPERSEDED = Message(
    "Your hours were corrected and sent again. Please use the code in the newest message."
)
NOTHING_PENDING = Message("You have nothing waiting to be signed right now.")
UNKNOWN_SENDER = Message(
    "We could not match your message. If you expected a message from us, "
    "please contact your coordinator."
)
NOT_UNDERSTOOD = Message(
    "Sorry, I did not understand. Reply with your code to sign, NO and a reason to object, or HELP."
)
HELP = Message(
    "To sign your hours, reply with the code from our message. If something "
    "is wrong, reply NO and what is wrong. STOP ends SMS, START resumes."
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

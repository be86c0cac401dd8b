"""Every text a participant reads, in Swedish, English and Polish (see ``i18n``).

SMS cost: texts are short; ``i18n`` cleans locale formatting of characters outside GSM-7.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.i18n import LANGUAGES, _, catalog, hours, moment, month_name

__all__ = ["LANGUAGES", "hours", "moment", "month_name"]


def _summary_block(
    language: str, project_name: str, month: date, lines: Sequence[tuple[str, int]], total: int
) -> list[str]:
    block = [f"{project_name}, {month_name(language, month)}:"]
    block += [f"{name} {hours(language, minutes)}" for name, minutes in lines]
    block.append(_(language, "Total %(hours)s", hours=hours(language, total)))
    return block


def month_end(
    language: str,
    *,
    project_name: str,
    month: date,
    lines: Sequence[tuple[str, int]],
    total_minutes: int,
    code: str,
    expires_at: datetime,
    hash_prefix: str,
) -> str:
    block = _summary_block(language, project_name, month, lines, total_minutes)
    block.append(
        _(
            language,
            "Code %(code)s, valid until %(expires)s.",
            code=code,
            expires=moment(language, expires_at),
        )
    )
    block.append(_(language, "Reply with the code to sign, or NO and what is wrong."))
    block.append(f"Ref {hash_prefix}")
    return "\n".join(block)


def reminder(
    language: str,
    *,
    project_name: str,
    month: date,
    lines: Sequence[tuple[str, int]],
    total_minutes: int,
    code: str,
    expires_at: datetime,
    hash_prefix: str,
) -> str:
    block = [_(language, "Reminder: not signed yet.")]
    block += _summary_block(language, project_name, month, lines, total_minutes)
    block.append(
        _(
            language,
            "Code %(code)s, valid until %(expires)s.",
            code=code,
            expires=moment(language, expires_at),
        )
    )
    block.append(f"Ref {hash_prefix}")
    return "\n".join(block)


def reminder_without_code(
    language: str,
    *,
    project_name: str,
    month: date,
    lines: Sequence[tuple[str, int]],
    total_minutes: int,
    expires_at: datetime | None,
    hash_prefix: str,
) -> str:
    """A reminder whose code is still valid (it is only kept hashed, so it is not repeated),
    or whose code is dead (a coordinator issues a new one)."""
    block = [_(language, "Reminder: not signed yet.")]
    block += _summary_block(language, project_name, month, lines, total_minutes)
    if expires_at is not None:
        block.append(
            _(
                language,
                "Reply with the code from the earlier message; it is valid until %(expires)s.",
                expires=moment(language, expires_at),
            )
        )
    else:
        block.append(_(language, "Ask your coordinator for a new code."))
    block.append(f"Ref {hash_prefix}")
    return "\n".join(block)


def signed(language: str, *, month: date, receipt: str, receipt_url: str | None) -> str:
    text = _(
        language,
        "Thank you! Your hours for %(month)s are signed. Receipt %(receipt)s",
        month=month_name(language, month),
        receipt=receipt,
    )
    return f"{text} {receipt_url}" if receipt_url else text


def already_signed(language: str, *, month: date, receipt: str, receipt_url: str | None) -> str:
    text = _(
        language,
        "Your hours for %(month)s are already signed. Receipt %(receipt)s",
        month=month_name(language, month),
        receipt=receipt,
    )
    return f"{text} {receipt_url}" if receipt_url else text


def disputed(language: str, *, month: date) -> str:
    return _(
        language,
        "Thank you. Your objection to %(month)s has been passed to your "
        "coordinator, who will be in touch.",
        month=month_name(language, month),
    )


def dispute_needs_reason(language: str) -> str:
    return _(language, "Please write NO followed by what is wrong, e.g. NO I was ill on the 14th.")


def wrong_code(language: str, *, tries_left: int) -> str:
    text = catalog(language).ngettext(
        "Wrong code. You have %(n)d try left.", "Wrong code. You have %(n)d tries left.", tries_left
    )
    return str(text) % {"n": tries_left}


def code_dead(language: str) -> str:
    return _(
        language,
        "The code can no longer be used after too many wrong tries. "
        "Your coordinator can send you a new one.",
    )


def code_expired(language: str) -> str:
    return _(language, "The code has expired. Your coordinator or a reminder will send a new one.")


def code_superseded(language: str) -> str:
    return _(
        language,
        "Your hours were corrected and sent again. Please use the code in the newest message.",
    )


def nothing_pending(language: str) -> str:
    return _(language, "You have nothing waiting to be signed right now.")


def unknown_sender(language: str) -> str:
    return _(
        language,
        "We could not match your message. If you expected a message from us, "
        "please contact your coordinator.",
    )


def not_understood(language: str) -> str:
    return _(
        language,
        "Sorry, I did not understand. Reply with your code to sign, NO and a "
        "reason to object, or HELP.",
    )


def help(language: str) -> str:
    return _(
        language,
        "To sign your hours, reply with the code from our message. If something "
        "is wrong, reply NO and what is wrong. STOP ends SMS, START resumes.",
    )


def opted_out(language: str) -> str:
    return _(language, "You will get no more SMS from us. Reply START to resume.")


def opted_in(language: str) -> str:
    return _(language, "Welcome back, SMS messages are on again.")


def telegram_linked(language: str, *, name: str, project_name: str) -> str:
    return _(
        language,
        "Hello %(name)s! From now on your hours from %(project)s come here.",
        name=name,
        project=project_name,
    )


def telegram_link_invalid(language: str) -> str:
    return _(
        language,
        "This link is not valid any more. Ask your coordinator for a new one, "
        "or share your phone number with the button below.",
    )


def telegram_contact_not_own(language: str) -> str:
    return _(language, "Please share your own phone number with the button, not someone else's.")


def telegram_welcome(language: str) -> str:
    return _(
        language,
        "Welcome! Open the link your coordinator gave you, or share your phone "
        "number with the button below so we can find your hours.",
    )


def share_contact_button(language: str) -> str:
    return _(language, "Share my phone number")

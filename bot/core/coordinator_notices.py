"""Notices coordinators get in their chat, in their language (see ``i18n``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.i18n import _, month_name


def dispute(language: str, *, person_ref: str, person_name: str, month: date, reason: str) -> str:
    return _(
        language,
        "%(ref)s %(name)s objects to %(month)s: %(reason)s",
        ref=person_ref,
        name=person_name,
        month=month_name(language, month),
        reason=reason,
    )


def delivery_failed(language: str, *, person_ref: str, person_name: str, reason: str) -> str:
    return _(
        language,
        "A message to %(ref)s %(name)s could not be delivered: %(reason)s",
        ref=person_ref,
        name=person_name,
        reason=reason,
    )


def opt_out(language: str, *, person_ref: str, person_name: str, opted_out: bool) -> str:
    if opted_out:
        return _(
            language, "%(ref)s %(name)s has opted out of SMS.", ref=person_ref, name=person_name
        )
    return _(
        language, "%(ref)s %(name)s has opted in to SMS again.", ref=person_ref, name=person_name
    )


def channel_changed(language: str, *, person_ref: str, person_name: str, channel: str) -> str:
    return _(
        language,
        "Telegram no longer reaches %(ref)s %(name)s; messages now go by %(channel)s.",
        ref=person_ref,
        name=person_name,
        channel=channel.upper(),
    )


def unsigned_list(language: str, *, month: date, people: Sequence[str]) -> str:
    head = _(
        language,
        "Still not signed for %(month)s after the last reminder:",
        month=month_name(language, month),
    )
    return "\n".join([head, *people])

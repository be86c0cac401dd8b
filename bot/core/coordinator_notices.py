"""Notices coordinators get in their chat, rendered in each coordinator's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.i18n import Lines, Message, MonthName


def dispute(*, person_ref: str, person_name: str, month: date, reason: str) -> Message:
    return Message(
        "%(ref)s %(name)s objects to %(month)s: %(reason)s",
        ref=person_ref,
        name=person_name,
        month=MonthName(month),
        reason=reason,
    )


def delivery_failed(*, person_ref: str, person_name: str, reason: str) -> Message:
    return Message(
        "A message to %(ref)s %(name)s could not be delivered: %(reason)s",
        ref=person_ref,
        name=person_name,
        reason=reason,
    )


def opt_out(*, person_ref: str, person_name: str, opted_out: bool) -> Message:
    if opted_out:
        return Message("%(ref)s %(name)s has opted out of SMS.", ref=person_ref, name=person_name)
    return Message("%(ref)s %(name)s has opted in to SMS again.", ref=person_ref, name=person_name)


def channel_changed(*, person_ref: str, person_name: str, channel: str) -> Message:
    return Message(
        "Telegram no longer reaches %(ref)s %(name)s; messages now go by %(channel)s.",
        ref=person_ref,
        name=person_name,
        channel=channel.upper(),
    )


def unsigned_list(*, month: date, people: Sequence[str]) -> Lines:
    head = Message(
        "Still not signed for %(month)s after the last reminder:", month=MonthName(month)
    )
    return Lines([head, *people])

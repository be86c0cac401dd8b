"""Which channel reaches a person: Telegram once linked, SMS otherwise (unless opted out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.i18n import Message
from bot.core.states import Channel


class Reachable(Protocol):
    @property
    def channel(self) -> str: ...
    @property
    def telegram_chat_id(self) -> int | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def sms_opted_out(self) -> bool: ...


@dataclass(frozen=True)
class Route:
    channel: Channel
    address: str


def route_for(person: Reachable) -> Route | None:
    if person.channel == Channel.TELEGRAM and person.telegram_chat_id is not None:
        return Route(Channel.TELEGRAM, str(person.telegram_chat_id))
    return sms_route(person)


def sms_route(person: Reachable) -> Route | None:
    if person.phone and not person.sms_opted_out:
        return Route(Channel.SMS, person.phone)
    return None


def unreachable_reason(person: Reachable) -> Message:
    """Why no message can reach ``person``, for coordinators (``str()`` is English)."""
    if person.phone and person.sms_opted_out:
        return Message("opted out of SMS and has no Telegram")
    return Message("no phone number and no linked Telegram chat")

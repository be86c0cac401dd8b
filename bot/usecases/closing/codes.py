"""A fresh one-time code and the message that carries it: for a month close, a
reminder whose code ran out, and a coordinator's /reissue.

The code is kept only as an HMAC bound to the summary's hash, and travels sealed in
the outbox row until it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.core import participant_texts as texts
from bot.core.code_box import CODE_MARKER, seal_code
from bot.core.codes import code_hmac, generate_code
from bot.core.months import Month
from bot.core.reminders import window_opening
from bot.core.routing import route_for
from bot.core.states import CodeState
from bot.core.summary import summary_lines
from bot.usecases.context import Core
from storage.outbox import Outgoing
from storage.tables import Person, Project, SigningCode

# Twilio holds a queued SMS up to 10 h by default; a code that arrives at night is worse
# than one that is re-sent by the worker, so code-carrying SMS expire in the queue after 4 h.
CODE_SMS_VALIDITY_SECONDS = 4 * 3600


class SummaryFacts(Protocol):
    """What a code and its message need of a summary (a row, or one about to be)."""

    @property
    def id(self) -> int | None: ...
    @property
    def sha256(self) -> str: ...
    @property
    def month(self) -> str: ...
    @property
    def document(self) -> str: ...
    @property
    def total_minutes(self) -> int: ...


@dataclass(frozen=True)
class NewSummary:
    id: int
    sha256: str
    month: str
    document: str
    total_minutes: int


def issue_code(
    core: Core,
    project: Project,
    person: Person,
    summary: SummaryFacts,
    now: datetime,
    *,
    purpose: str = "month_end",
    windowed: bool = False,
) -> tuple[SigningCode, Outgoing | None]:
    """A fresh code for ``summary`` and the message that carries it (None: unreachable).

    ``windowed``: nobody asked for it just now (the schedule did), so it waits for the
    project's sending window, and the code's time runs from the window's opening."""
    values, outgoing = code_values(
        core, project, person, summary, now, purpose=purpose, windowed=windowed
    )
    return SigningCode(**values), outgoing


def code_values(
    core: Core,
    project: Project,
    person: Person,
    summary: SummaryFacts,
    now: datetime,
    *,
    purpose: str = "month_end",
    windowed: bool = False,
    lines: tuple[tuple[str, int], ...] | None = None,
) -> tuple[dict[str, Any], Outgoing | None]:
    """``issue_code`` as a row's values, for a close that inserts thousands at once;
    ``lines``: the document's lines when at hand (else read from the document)."""
    assert summary.id is not None and person.id is not None
    code = generate_code(core.policy.code_digits, core.rng)
    sent_from = window_opening(project, now) if windowed else now
    expires_at = sent_from + core.policy.code_ttl
    values: dict[str, Any] = {
        "summary_id": summary.id,
        "person_id": person.id,
        "code_hmac": code_hmac(core.key, summary.sha256, code),
        "expires_at": expires_at,
        "attempts_left": core.policy.code_attempts,
        "state": CodeState.ACTIVE,
        "created_at": now,
    }
    route = route_for(person)
    if route is None:
        return values, None
    render = texts.reminder if purpose == "reminder" else texts.month_end
    text = render(
        project_name=project.name,
        month=Month.parse(summary.month).first_day,
        lines=lines if lines is not None else summary_lines(summary.document),
        total_minutes=summary.total_minutes,
        code=CODE_MARKER,
        expires_at=expires_at.astimezone(ZoneInfo(project.time_zone)),
        hash_prefix=summary.sha256[:8],
    ).text(person.language)
    outgoing = Outgoing(
        channel=route.channel,
        address=route.address,
        text=text,
        purpose=purpose,
        project_id=project.id,
        person_id=person.id,
        summary_id=summary.id,
        sealed_code=seal_code(core.key, code),
        validity_seconds=CODE_SMS_VALIDITY_SECONDS if route.channel == "sms" else None,
        windowed=windowed,
    )
    return values, outgoing

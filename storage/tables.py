"""SQLModel tables. They hold data only; behaviour lives in ``bot`` and ``storage.queries``.

Every timestamp is an aware UTC datetime (sqlmodel rejects naive ones). States and
channels are StrEnums stored as their short strings (``column_types.EnumText``), so the
database stays readable in an audit.
"""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.core.reply_outcomes import Outcome
from bot.core.states import Channel, CodeState, OutboxState, SummaryState
from storage.column_types import EnumText


class Project(SQLModel, table=True):
    __tablename__ = "projects"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    country: str = Field(default="SE", max_length=2)
    time_zone: str = Field(default="Europe/Stockholm", max_length=64)
    language: str = Field(default="sv", max_length=5)
    # The programme period decides the staff cap: "esf-2014-2020" or "esf-plus-2021-2027".
    programme_period: str = Field(default="esf-plus-2021-2027", max_length=32)
    # Reminder policy (bot.core.reminders.ReminderPolicy); hours are local, the end exclusive.
    reminder_first_days: int = Field(default=3, sa_column_kwargs={"server_default": "3"})
    reminder_every_days: int = Field(default=3, sa_column_kwargs={"server_default": "3"})
    reminder_max: int = Field(default=3, sa_column_kwargs={"server_default": "3"})
    reminder_from_hour: int = Field(default=9, sa_column_kwargs={"server_default": "9"})
    reminder_until_hour: int = Field(default=19, sa_column_kwargs={"server_default": "19"})
    # Scheduled close: day N of the next month at close_time (local); None means off.
    close_day: int | None = None
    close_time: time | None = None
    # Saturday hours of activities not held at weekends: a warning, or (True) a refusal.
    refuse_saturdays: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime


class Coordinator(SQLModel, table=True):
    """A Telegram user's role in one project (admin, coordinator or viewer)."""

    __tablename__ = "coordinators"
    __table_args__ = (sa.UniqueConstraint("project_id", "telegram_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", index=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger, index=True)
    role: str = Field(max_length=16)
    language: str = Field(default="sv", max_length=5)
    created_at: datetime


class Person(SQLModel, table=True):
    __tablename__ = "people"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "ref"),
        sa.UniqueConstraint("project_id", "phone"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", index=True)
    ref: str = Field(max_length=16)
    name: str = Field(max_length=200)
    kind: str = Field(default="participant", max_length=16)  # participant | staff
    phone: str | None = Field(default=None, max_length=20, index=True)  # E.164 only
    telegram_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger, index=True)
    language: str = Field(default="sv", max_length=5)
    channel: Channel = Field(default=Channel.SMS, sa_type=EnumText(Channel))
    active: bool = True
    sms_opted_out: bool = False
    reduced_hours: bool = False  # significant or moderate disability: 7 h/day, 35 h/week
    invite_token: str | None = Field(default=None, max_length=64, unique=True)
    invite_created_at: datetime | None = None  # an invite link expires (SigningPolicy)
    created_at: datetime


class Activity(SQLModel, table=True):
    __tablename__ = "activities"
    __table_args__ = (sa.UniqueConstraint("project_id", "ref"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", index=True)
    ref: str = Field(max_length=16)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16)  # training | internship | counselling | other
    starts_on: date
    ends_on: date
    allows_holidays: bool = False
    active: bool = True
    created_at: datetime


class TimeEntry(SQLModel, table=True):
    __tablename__ = "time_entries"
    __table_args__ = (sa.UniqueConstraint("person_id", "activity_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="people.id", index=True)
    activity_id: int = Field(foreign_key="activities.id", index=True)
    day: date = Field(index=True)
    minutes: int
    recorded_at: datetime


class MonthlySummary(SQLModel, table=True):
    """One version of a person's month: the document they are asked to sign."""

    __tablename__ = "monthly_summaries"
    __table_args__ = (sa.UniqueConstraint("person_id", "month", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", index=True)
    person_id: int = Field(foreign_key="people.id", index=True)
    month: str = Field(max_length=7, index=True)  # YYYY-MM
    version: int
    document: str = Field(sa_type=sa.Text)  # canonical JSON, hashed as stored
    sha256: str = Field(max_length=64)
    total_minutes: int
    state: SummaryState = Field(sa_type=EnumText(SummaryState), index=True)
    dispute_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime
    state_changed_at: datetime
    reminders_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_reminder_at: datetime | None = None
    next_reminder_at: datetime | None = Field(default=None, index=True)  # None: no more


class SigningCode(SQLModel, table=True):
    """A one-time code, stored only as an HMAC bound to the summary's hash."""

    __tablename__ = "signing_codes"

    id: int | None = Field(default=None, primary_key=True)
    summary_id: int = Field(foreign_key="monthly_summaries.id", index=True)
    person_id: int = Field(foreign_key="people.id", index=True)
    code_hmac: str = Field(max_length=64)
    expires_at: datetime
    attempts_left: int
    state: CodeState = Field(sa_type=EnumText(CodeState), index=True)
    created_at: datetime


class Signature(SQLModel, table=True):
    __tablename__ = "signatures"

    id: int | None = Field(default=None, primary_key=True)
    summary_id: int = Field(foreign_key="monthly_summaries.id", unique=True)
    summary_sha256: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    sender: str = Field(max_length=64)  # phone (E.164) or Telegram chat id, as evidence
    provider_message_id: str = Field(max_length=64)
    signed_at: datetime
    receipt: str = Field(max_length=32, unique=True)
    # Ed25519 over ``statement`` (bot.core.evidence.Statement) by the key ``key_id``;
    # before public-key seals, an HMAC over a few columns (key id 'hmac-legacy').
    seal: str = Field(max_length=128)
    key_id: str = Field(max_length=40, sa_column_kwargs={"server_default": "hmac-legacy"})
    statement: str | None = Field(default=None, sa_type=sa.Text)


class EvidenceEvent(SQLModel, table=True):
    """One entry of a project's evidence log (bot.core.evidence_chain): append-only."""

    __tablename__ = "evidence_events"
    __table_args__ = (sa.UniqueConstraint("project_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id")
    seq: int
    kind: str = Field(max_length=24)
    at: datetime
    summary_id: int | None = Field(default=None, index=True)
    detail: str = Field(sa_type=sa.Text)  # canonical JSON
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class EvidenceHead(SQLModel, table=True):
    """The last entry of a project's chain; appends lock this row, so none fork it."""

    __tablename__ = "evidence_heads"

    project_id: int = Field(primary_key=True, foreign_key="projects.id")
    seq: int
    hash: str = Field(max_length=64)


class SealKeyRow(SQLModel, table=True):
    """A retired seal key, listed so that old seals keep verifying; ``vouch`` is its
    successor's signature over it (bot.core.seal_keys): a row without one is not trusted."""

    __tablename__ = "seal_keys"

    key_id: str = Field(primary_key=True, max_length=40)
    public_key: str = Field(max_length=64)  # raw Ed25519 public key, base64url
    vouched_by: str = Field(max_length=40)
    vouch: str = Field(max_length=128)
    retired_at: datetime


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int | None = Field(default=None, foreign_key="projects.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="people.id", index=True)
    summary_id: int | None = Field(default=None, foreign_key="monthly_summaries.id")
    purpose: str = Field(max_length=24)  # month_end | reply | coordinator | reminder
    channel: Channel = Field(sa_type=EnumText(Channel))
    address: str = Field(max_length=64)
    text: str = Field(sa_type=sa.Text)
    # A code travels encrypted until delivery, then is erased: codes are never kept in clear.
    sealed_code: str | None = Field(default=None, max_length=200)
    # Telegram only: inline buttons as JSON [[label, command line], ...], one a row.
    buttons: str | None = Field(default=None, sa_type=sa.Text)
    # Telegram only: the key of a file sent as a document with ``text`` as its caption.
    attachment: str | None = Field(default=None, max_length=32)
    # Telegram only: a reply keyboard as JSON, {"contact": label} or {"remove": true}.
    keyboard: str | None = Field(default=None, sa_type=sa.Text)
    validity_seconds: int | None = None
    # Held to the project's sending window (working days, its hours): what the schedule
    # sends participants unasked. Coordinators' answers and notices go at once.
    windowed: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    state: OutboxState = Field(default=OutboxState.QUEUED, sa_type=EnumText(OutboxState))
    attempts: int = 0
    next_attempt_at: datetime
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = None
    provider_message_id: str | None = Field(default=None, max_length=64, index=True)
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime
    sent_at: datetime | None = None


class OutboxAttachment(SQLModel, table=True):
    """A file waiting in the outbox (a certificate, an export); deleted once handed over,
    since it can be made again from the evidence."""

    __tablename__ = "outbox_attachments"

    key: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=120)
    content: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime


class InboundMessage(SQLModel, table=True):
    """Every inbound webhook, unique by provider id so a retried delivery acts once."""

    __tablename__ = "inbound_messages"
    __table_args__ = (sa.UniqueConstraint("channel", "provider_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    provider_id: str = Field(max_length=64)
    sender: str = Field(max_length=64)
    body: str = Field(sa_type=sa.Text)  # codes are redacted before storing
    outcome: Outcome | None = Field(default=None, sa_type=EnumText(Outcome, 32))
    reply_text: str | None = Field(default=None, sa_type=sa.Text)
    person_id: int | None = Field(default=None, foreign_key="people.id")
    received_at: datetime


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int | None = Field(default=None, foreign_key="projects.id", index=True)
    actor: str = Field(max_length=64)  # "telegram:<user id>", "cli", "system", "sms:<person ref>"
    action: str = Field(max_length=64)
    detail: str = Field(default="{}", sa_type=sa.Text)  # JSON
    at: datetime = Field(index=True)


class ChatProject(SQLModel, table=True):
    """The project a coordinator's chat works on (``/project use``), one per Telegram user."""

    __tablename__ = "chat_projects"

    telegram_user_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    project_id: int = Field(foreign_key="projects.id")
    chosen_at: datetime


class ChatLanguage(SQLModel, table=True):
    """The language a coordinator chose with ``/language``, one per Telegram user.

    Without a row, answers follow the language of the user's Telegram app."""

    __tablename__ = "chat_languages"

    telegram_user_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    language: str = Field(max_length=5)
    chosen_at: datetime


class ScheduledRun(SQLModel, table=True):
    """Work done once per project and month (``close``, ``unsigned_list``): the unique row
    is the claim, inserted in the same transaction as the work, so racing workers and
    restarts cannot do it twice."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (sa.UniqueConstraint("project_id", "kind", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id")
    kind: str = Field(max_length=16)
    month: str = Field(max_length=7)
    ran_at: datetime


class RateBucket(SQLModel, table=True):
    """One send slot of a rate limit shared by every worker (see ``bot.core.rate_limits``):
    it may not be used before ``next_free_at``."""

    __tablename__ = "rate_buckets"

    key: str = Field(primary_key=True, max_length=96)
    next_free_at: datetime


class EarlyStatus(SQLModel, table=True):
    """A delivery callback that arrived before the worker recorded the provider's id.

    Twilio can call back within milliseconds of accepting a message; the worker applies
    these when it records the send, so a fast 'delivered' or 'failed' is never lost.
    """

    __tablename__ = "early_statuses"

    provider_id: str = Field(max_length=64, primary_key=True)
    status: str = Field(max_length=16, primary_key=True)
    error_code: str | None = Field(default=None, max_length=20)
    received_at: datetime


class Superuser(SQLModel, table=True):
    """A superuser named by ``TIMESIGN_ADMIN_TELEGRAM_IDS``, mirrored here at each start.

    The worker writes coordinator notices where no request is at hand; it finds here who
    hears them when a project has no admin or coordinator of its own.
    """

    __tablename__ = "superusers"

    telegram_user_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    listed_at: datetime


class Resend(SQLModel, table=True):
    """A month whose hours changed after it was sent: the worker closes it again once
    ``due_at`` (the project's next sending hour) has come, or ``/close`` does at once."""

    __tablename__ = "resends"

    project_id: int = Field(foreign_key="projects.id", primary_key=True)
    month: str = Field(max_length=7, primary_key=True)
    due_at: datetime = Field(index=True)
    requested_at: datetime


class TelegramUpdate(SQLModel, table=True):
    """A Telegram update as it came, stored before Telegram hears 200 (it never sends an
    acknowledged update again); processing reads it from here, so a restart finishes
    what a killed process had accepted. Once processed only the id is kept, for a while,
    to recognise a re-sent update."""

    __tablename__ = "telegram_updates"

    update_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    body: str | None = Field(default=None, sa_type=sa.Text)
    received_at: datetime = Field(index=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = None
    done_at: datetime | None = None


class InboundCount(SQLModel, table=True):
    """Messages counted in one window of an inbound limit (``bot.core.inbound_limits``);
    the key names a sender only by a digest. Past a limit a message is counted here and
    nowhere else, so a flood grows this table by a row a window, not a row a message."""

    __tablename__ = "inbound_counts"

    key: str = Field(primary_key=True, max_length=96)
    window_start: datetime = Field(primary_key=True, index=True)
    count: int = 0


class CloseRun(SQLModel, table=True):
    """A month close in progress: it runs in batches, each its own transaction, and this
    row says so. Its holder renews the lease each batch; a row whose lease ran out is a
    close that was interrupted, and the worker finishes it."""

    __tablename__ = "close_runs"

    project_id: int = Field(foreign_key="projects.id", primary_key=True)
    month: str = Field(primary_key=True, max_length=7)
    holder: str = Field(max_length=64)
    actor: str = Field(max_length=64)
    until: datetime = Field(index=True)
    started_at: datetime

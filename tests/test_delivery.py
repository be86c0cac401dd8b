"""The outbox dispatcher's error handling, end to end: the real twilio and PTB clients talk
over HTTP to the fake providers, which fail on cue; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.core.months import Month
from bot.usecases.closing.month_close import close_month
from notifications.dispatcher import Dispatcher
from notifications.twilio_sms import TwilioSmsTransport
from storage.tables import AuditEvent, Coordinator, OutboxMessage, Person, Signature
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.stack import PROJECT, TWILIO_SID, TWILIO_TOKEN, Stack, seed_project, wait_for

OCTOBER = Month(2026, 10)
COORDINATOR_CHAT = 4242
PERSON_CHAT = 777001
_CODE = re.compile(r"\b(\d{6})\b")


def utc(moment: datetime | None) -> datetime:
    """SQLite hands timestamps back without a zone; they are stored as UTC."""
    assert moment is not None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def add_coordinator(stack: Stack) -> None:
    async with stack.core.sessions() as session, session.begin():
        session.add(
            Coordinator(
                project_id=1,
                telegram_user_id=COORDINATOR_CHAT,
                role="coordinator",
                language="en",
                created_at=stack.clock(),
            )
        )


async def one_person_closed(stack: Stack, *, telegram: bool = False) -> str:
    """One person with October hours, a coordinator, and October closed; returns the phone.

    With ``telegram`` the person is linked to chat PERSON_CHAT before the close, as the
    invite link would leave them, so the month-end message is queued for Telegram."""
    project = await seed_project(stack.core, people=1)
    await add_coordinator(stack)
    if telegram:
        async with stack.core.sessions() as session, session.begin():
            person = (await session.exec(select(Person).where(Person.ref == "P-0001"))).one()
            person.telegram_chat_id = PERSON_CHAT
            person.channel = "telegram"
            session.add(person)
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")
    return project.people["P-0001"]


async def month_end_rows(stack: Stack) -> list[OutboxMessage]:
    async with stack.core.sessions() as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.purpose == "month_end")
            .order_by(col(OutboxMessage.id))
        )
        return list((await session.exec(query)).all())


async def month_end_row(stack: Stack) -> OutboxMessage:
    [row] = await month_end_rows(stack)
    return row


async def coordinator_rows(stack: Stack) -> list[OutboxMessage]:
    async with stack.core.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.purpose == "coordinator")
        return list((await session.exec(query)).all())


async def failure_audits(stack: Stack) -> list[dict[str, object]]:
    async with stack.core.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.action == "outbox.failed")
        return [json.loads(event.detail) for event in (await session.exec(query)).all()]


async def person(stack: Stack) -> Person:
    async with stack.core.sessions() as session:
        return (await session.exec(select(Person).where(Person.ref == "P-0001"))).one()


# --- Twilio -------------------------------------------------------------------------------


async def test_twilio_429_waits_for_retry_after(stack: Stack, fake_twilio: FakeTwilio) -> None:
    phone = await one_person_closed(stack)
    # 120 s is longer than the first backoff step (30 s): only Retry-After explains the wait.
    fake_twilio.fail_next(status=429, retry_after=120)
    started = stack.clock()

    assert await stack.deliver() == 1
    row = await month_end_row(stack)
    assert row.state == "queued" and row.attempts == 1
    assert row.last_error is not None and "429" in row.last_error
    assert utc(row.next_attempt_at) >= started + timedelta(seconds=120)
    assert row.sealed_code is not None  # the code is kept for the retry
    assert fake_twilio.sent_to(phone) == []

    # Not due yet: nothing goes out, and Twilio is not asked again.
    assert await stack.deliver() == 0
    stack.clock.advance(seconds=119)
    assert await stack.deliver() == 0
    assert fake_twilio.requests == 1

    stack.clock.advance(seconds=1)
    assert await stack.deliver() == 1
    assert len(fake_twilio.sent_to(phone)) == 1
    row = await month_end_row(stack)
    assert row.state == "sent" and row.attempts == 2 and row.last_error is None
    assert row.sealed_code is None
    stack.clock.advance(hours=2)
    assert await stack.deliver() == 0
    assert fake_twilio.requests == 2 and len(fake_twilio.sent_to(phone)) == 1


async def test_twilio_500_is_retried_with_backoff_then_delivered_once(
    stack: Stack, fake_twilio: FakeTwilio
) -> None:
    phone = await one_person_closed(stack)
    fake_twilio.fail_next(2, status=500)
    started = stack.clock()

    assert await stack.deliver() == 1
    row = await month_end_row(stack)
    assert row.state == "queued" and row.attempts == 1
    assert row.last_error is not None and "500" in row.last_error
    first_wait = utc(row.next_attempt_at) - started
    assert first_wait > timedelta(0)

    stack.clock.advance(seconds=first_wait.total_seconds())
    assert await stack.deliver() == 1
    row = await month_end_row(stack)
    assert row.state == "queued" and row.attempts == 2
    second_wait = utc(row.next_attempt_at) - stack.clock()
    assert second_wait > first_wait  # the wait grows
    assert fake_twilio.sent_to(phone) == []

    stack.clock.advance(seconds=second_wait.total_seconds() - 1)
    assert await stack.deliver() == 0
    stack.clock.advance(seconds=1)
    assert await stack.deliver() == 1
    row = await month_end_row(stack)
    assert row.state == "sent" and row.attempts == 3 and row.last_error is None
    assert fake_twilio.requests == 3 and len(fake_twilio.sent_to(phone)) == 1
    assert await failure_audits(stack) == []
    assert await coordinator_rows(stack) == []


async def test_twilio_stalling_past_the_timeout_is_transient_and_retried(
    stack: Stack, fake_twilio: FakeTwilio
) -> None:
    phone = await one_person_closed(stack)
    transport = TwilioSmsTransport(
        account_sid=TWILIO_SID,
        auth_token=TWILIO_TOKEN,
        sender="+46700000000",
        api_url=fake_twilio.url,
        timeout=0.1,
    )
    dispatcher = Dispatcher(
        stack.core.sessions,
        {"sms": transport, "telegram": stack.runtime.transports["telegram"]},
        key=stack.core.key,
        clock=stack.clock,
        worker="test-worker",
    )
    try:
        fake_twilio.delay = 0.6
        loop = asyncio.get_running_loop()
        began = loop.time()
        assert (await dispatcher.handle_batch()).claimed
        assert loop.time() - began < 0.5  # gave up at the timeout, not at the answer
        row = await month_end_row(stack)
        assert row.state == "queued" and row.attempts == 1
        assert row.last_error is not None and "unreachable" in row.last_error
        assert await failure_audits(stack) == []

        # Let the stalled request finish on the fake before the provider recovers.
        await wait_for(lambda: _all_answered(fake_twilio))
        fake_twilio.delay = 0.0
        assert not (await dispatcher.handle_batch()).claimed  # backoff: not due yet
        stack.clock.advance(seconds=(utc(row.next_attempt_at) - stack.clock()).total_seconds())
        assert (await dispatcher.handle_batch()).claimed
    finally:
        await transport.aclose()
    row = await month_end_row(stack)
    assert row.state == "sent" and row.attempts == 2 and row.last_error is None
    assert fake_twilio.requests == 2
    assert fake_twilio.sent_to(phone)


@pytest.mark.parametrize(
    ("code", "meaning"),
    [(21610, "opted out"), (21211, "invalid 'To' number")],
)
async def test_twilio_permanent_error_fails_the_message_and_tells_coordinators(
    stack: Stack, fake_twilio: FakeTwilio, fake_telegram: FakeTelegram, code: int, meaning: str
) -> None:
    phone = await one_person_closed(stack)
    fake_twilio.fail_for(phone, status=400, code=code)

    # The month-end SMS fails, then the coordinator notice goes out over Telegram.
    assert await stack.deliver() == 2
    row = await month_end_row(stack)
    assert row.state == "failed" and row.attempts == 1
    assert row.last_error is not None
    assert str(code) in row.last_error and meaning in row.last_error
    assert row.sealed_code is None  # a code that will never be sent is not kept

    [audit] = await failure_audits(stack)
    assert audit["outbox_id"] == row.id and audit["channel"] == "sms"
    assert audit["reason"] == row.last_error

    [notice] = await coordinator_rows(stack)
    assert notice.channel == "telegram" and notice.address == str(COORDINATOR_CHAT)
    assert notice.state == "sent"
    [told] = fake_telegram.texts_to(COORDINATOR_CHAT)
    assert "P-0001" in told and "Person 1" in told and meaning in told

    # Never retried.
    stack.clock.advance(days=1)
    assert await stack.deliver() == 0
    assert fake_twilio.requests == 1 and fake_twilio.sent_to(phone) == []

    # An opt-out at Twilio is recorded on the person, so later closes do not queue SMS.
    async with stack.core.sessions() as session:
        person = (await session.exec(select(Person).where(Person.ref == "P-0001"))).one()
    assert person.sms_opted_out is (code == 21610)


# --- Telegram -----------------------------------------------------------------------------


async def test_telegram_blocked_falls_back_to_sms_and_tells_coordinators(
    stack: Stack, fake_twilio: FakeTwilio, fake_telegram: FakeTelegram
) -> None:
    phone = await one_person_closed(stack, telegram=True)
    fake_telegram.blocked(PERSON_CHAT)

    # Telegram refuses, the SMS fallback goes out, the coordinator notice goes out.
    assert await stack.deliver() == 3
    telegram_row, sms_row = await month_end_rows(stack)
    assert telegram_row.channel == "telegram" and telegram_row.address == str(PERSON_CHAT)
    assert telegram_row.state == "failed"
    assert telegram_row.last_error is not None and "403" in telegram_row.last_error
    assert len(fake_telegram.texts_to(PERSON_CHAT)) == 1  # tried once, refused, not retried

    assert (await person(stack)).channel == "sms"
    assert sms_row.channel == "sms" and sms_row.address == phone and sms_row.state == "sent"
    assert sms_row.summary_id == telegram_row.summary_id
    [audit] = await failure_audits(stack)
    assert audit["outbox_id"] == telegram_row.id and audit["channel"] == "telegram"

    [told] = fake_telegram.texts_to(COORDINATOR_CHAT)
    assert "P-0001" in told and "SMS" in told

    # The SMS carries the same summary's code: replying with it signs that summary.
    [body] = fake_twilio.sent_to(phone)
    code = _CODE.search(body)
    assert code is not None
    response = await stack.sms(phone, code.group(1), "SM" + "a" * 32)
    assert response.status == 200
    async with stack.core.sessions() as session:
        [signature] = (await session.exec(select(Signature))).all()
    assert signature.summary_id == telegram_row.summary_id


async def test_telegram_429_waits_for_retry_after(
    stack: Stack, fake_twilio: FakeTwilio, fake_telegram: FakeTelegram
) -> None:
    await one_person_closed(stack, telegram=True)
    fake_telegram.fail_next(
        status=429, description="Too Many Requests: retry after 90", parameters={"retry_after": 90}
    )
    started = stack.clock()

    assert await stack.deliver() == 1
    row = await month_end_row(stack)
    assert row.state == "queued" and row.attempts == 1
    assert row.last_error is not None and "429" in row.last_error
    assert utc(row.next_attempt_at) >= started + timedelta(seconds=90)

    stack.clock.advance(seconds=89)
    assert await stack.deliver() == 0
    assert len(fake_telegram.calls("sendMessage")) == 1

    stack.clock.advance(seconds=1)
    assert await stack.deliver() == 1
    row = await month_end_row(stack)
    assert row.state == "sent" and row.attempts == 2 and row.last_error is None
    assert len(fake_telegram.texts_to(PERSON_CHAT)) == 2  # the refused try and the delivery
    assert row.provider_message_id is not None
    assert (await person(stack)).channel == "telegram"  # flood control is no reason to switch
    assert fake_twilio.requests == 0
    assert await coordinator_rows(stack) == []


async def test_telegram_chat_not_found_is_permanent(
    stack: Stack, fake_twilio: FakeTwilio, fake_telegram: FakeTelegram
) -> None:
    phone = await one_person_closed(stack, telegram=True)
    fake_telegram.fail_chat(PERSON_CHAT, status=400, description="Bad Request: chat not found")

    assert await stack.deliver() == 3
    telegram_row, sms_row = await month_end_rows(stack)
    assert telegram_row.state == "failed" and telegram_row.attempts == 1
    assert telegram_row.last_error == "telegram 400: chat not found"
    [audit] = await failure_audits(stack)
    assert audit["outbox_id"] == telegram_row.id

    # Never retried over Telegram; SMS takes over.
    stack.clock.advance(days=1)
    assert await stack.deliver() == 0
    assert len(fake_telegram.texts_to(PERSON_CHAT)) == 1
    assert sms_row.state == "sent" and len(fake_twilio.sent_to(phone)) == 1
    assert (await person(stack)).channel == "sms"


async def _all_answered(fake: FakeTwilio) -> bool:
    return bool(fake.answered == fake.requests)

"""Month close and the reply protocol at the use-case level, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest
from sqlmodel import col, select

from bot.core.code_box import CODE_MARKER, open_code
from bot.core.errors import InputError, ProtectedIdentityError
from bot.core.inbound import Inbound
from bot.core.months import Month
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from bot.usecases.recording.hours import record_hours
from bot.usecases.roster.registry import NewPerson, add_person
from bot.usecases.signing.conversation import Answer, accept_reply
from storage.tables import (
    AuditEvent,
    InboundMessage,
    MonthlySummary,
    OutboxMessage,
    Person,
    Signature,
    SigningCode,
)
from tests.stack import PROJECT, Clock, seed_project

OCTOBER = Month(2026, 10)


async def code_for(core: Core, phone: str) -> str:
    """The code in the newest message queued to ``phone``, as the phone would show it."""
    async with core.sessions() as session:
        row = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.address == phone, col(OutboxMessage.sealed_code).is_not(None))
                .order_by(col(OutboxMessage.id).desc())
            )
        ).first()
    assert row is not None and row.sealed_code is not None
    code = open_code(core.key, row.sealed_code)
    assert code is not None
    return code


_sids = iter(range(10**6))


async def reply(core: Core, phone: str, text: str, sid: str | None = None) -> Answer:
    sid = sid or f"SM{next(_sids):032d}"
    return await accept_reply(
        core, Inbound(channel="sms", provider_id=sid, sender=phone, text=text), queue_answer=False
    )


async def count(core: Core, table: type) -> int:  # type: ignore[type-arg]
    async with core.sessions() as session:
        return len((await session.exec(select(table))).all())


async def test_close_queues_one_summary_per_person_with_hours(core: Core) -> None:
    await seed_project(core)
    report = await close_month(core, PROJECT, OCTOBER, actor="test")
    assert report.sent == ["P-0001", "P-0002", "P-0003"]
    async with core.sessions() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
        codes = (await session.exec(select(SigningCode))).all()
        summaries = (await session.exec(select(MonthlySummary))).all()
    assert {r.purpose for r in rows} == {"month_end"}
    assert all(CODE_MARKER in r.text and r.sealed_code for r in rows)
    assert all(len(c.code_hmac) == 64 and c.attempts_left == 5 for c in codes)
    assert {s.state for s in summaries} == {"sent"}
    assert all(s.sha256[:8] in r.text for s, r in zip(summaries, rows, strict=True))


async def test_close_again_without_changes_sends_nothing(core: Core) -> None:
    await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    again = await close_month(core, PROJECT, OCTOBER, actor="test")
    assert again.sent == [] and len(again.unchanged) == 3
    assert await count(core, OutboxMessage) == 3


async def test_correction_supersedes_the_signed_summary_and_sends_a_new_one(core: Core) -> None:
    project = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]
    old_code = await code_for(core, phone)
    assert (await reply(core, phone, old_code)).outcome == "signed"
    await record_hours(
        core,
        PROJECT,
        person_ref="P-0001",
        activity_ref="A-001",
        day=date(2026, 10, 7),
        minutes=120,
        actor="test",
        correction=True,
    )
    report = await close_month(core, PROJECT, OCTOBER, actor="test")
    assert report.superseded == ["P-0001"] and report.sent == ["P-0001"]
    assert (await reply(core, phone, old_code)).outcome == "superseded"
    new_code = await code_for(core, phone)
    assert (await reply(core, phone, new_code)).outcome == "signed"
    async with core.sessions() as session:
        versions = (
            await session.exec(
                select(MonthlySummary.version, MonthlySummary.state)
                .where(MonthlySummary.person_id == 1)
                .order_by(col(MonthlySummary.version))
            )
        ).all()
    assert versions == [(1, "superseded"), (2, "signed")]


async def test_months_without_hours_are_not_sent(core: Core) -> None:
    await seed_project(core)
    report = await close_month(core, PROJECT, Month(2026, 9), actor="test")
    assert report.sent == [] and await count(core, OutboxMessage) == 0


async def test_a_month_that_has_not_begun_cannot_be_closed(core: Core) -> None:
    await seed_project(core)
    with pytest.raises(InputError, match="not ended"):
        await close_month(core, PROJECT, Month(2026, 12), actor="test")


async def test_unknown_project_is_refused(core: Core) -> None:
    with pytest.raises(InputError, match="no project"):
        await close_month(core, "NOPE", OCTOBER, actor="test")


async def test_correct_code_signs_with_receipt_and_evidence(core: Core) -> None:
    project = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0002"]
    answer = await reply(
        core,
        phone,
        "  " + (await code_for(core, phone))[:3] + "-" + (await code_for(core, phone))[3:],
        sid="SM" + "a" * 32,
    )
    assert answer.outcome == "signed"
    async with core.sessions() as session:
        signature = (await session.exec(select(Signature))).one()
        inbound = (await session.exec(select(InboundMessage))).one()
    assert signature.receipt in answer.text
    assert signature.sender == phone and signature.channel == "sms"
    assert signature.provider_message_id == "SM" + "a" * 32
    assert inbound.body == "[code]"  # the code itself is never stored in clear


async def test_wrong_code_reports_tries_left_and_the_sixth_try_finds_it_dead(core: Core) -> None:
    project = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]
    right = await code_for(core, phone)
    wrong = "000000" if right != "000000" else "111111"
    outcomes = [(await reply(core, phone, wrong)).outcome for _ in range(5)]
    assert outcomes == ["wrong_code"] * 4 + ["dead"]
    sixth = await reply(core, phone, right)
    assert sixth.outcome == "dead"
    assert await count(core, Signature) == 0


async def test_wrong_code_answer_names_the_tries_left(core: Core) -> None:
    project = await seed_project(core, language="en")
    await close_month(core, PROJECT, OCTOBER, actor="test")
    answer = await reply(core, project.people["P-0001"], "999999")
    assert "4" in answer.text


async def test_expired_code_says_so(core: Core, clock: Clock) -> None:
    project = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]
    clock.advance(hours=72, seconds=1)
    assert (await reply(core, phone, await code_for(core, phone))).outcome == "expired"
    assert (await reply(core, phone, "123123")).outcome == "expired"


async def test_same_message_sid_twice_gives_one_signature_and_the_same_answer(core: Core) -> None:
    project = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]
    code = await code_for(core, phone)
    first = await reply(core, phone, code, sid="SM" + "1" * 32)
    second = await reply(core, phone, code, sid="SM" + "1" * 32)
    assert first.outcome == "signed" and second.duplicate and second.text == first.text
    assert await count(core, Signature) == 1
    assert await count(core, InboundMessage) == 1


async def test_concurrent_correct_replies_give_exactly_one_signature(core: Core) -> None:
    project = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0003"]
    code = await code_for(core, phone)
    answers = await asyncio.gather(*(reply(core, phone, code) for _ in range(8)))
    outcomes = sorted(a.outcome for a in answers)
    assert outcomes.count("signed") == 1
    assert set(outcomes) == {"signed", "already_signed"}
    assert await count(core, Signature) == 1


async def test_concurrent_wrong_replies_each_use_up_one_try(core: Core) -> None:
    project = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]
    await asyncio.gather(*(reply(core, phone, "000001") for _ in range(3)))
    async with core.sessions() as session:
        code = (await session.exec(select(SigningCode).where(SigningCode.person_id == 1))).one()
    assert code.attempts_left == 2


async def test_dispute_records_the_reason_and_tells_coordinators(core: Core) -> None:
    from storage.tables import Coordinator

    project = await seed_project(core)
    async with core.sessions() as session, session.begin():
        session.add(
            Coordinator(
                project_id=1,
                telegram_user_id=4242,
                role="coordinator",
                language="en",
                created_at=core.clock(),
            )
        )
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]
    assert (await reply(core, phone, "NO")).outcome == "dispute_needs_reason"
    answer = await reply(core, phone, "NEJ jag var sjuk den 6:e")
    assert answer.outcome == "disputed"
    async with core.sessions() as session:
        summary = (
            await session.exec(select(MonthlySummary).where(MonthlySummary.person_id == 1))
        ).one()
        notice = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "coordinator"))
        ).one()
    assert summary.state == "disputed" and summary.dispute_reason == "jag var sjuk den 6:e"
    assert notice.address == "4242" and "jag var sjuk den 6:e" in notice.text
    # Its button opens the disputed hours for a correction.
    assert notice.buttons is not None
    assert json.loads(notice.buttons) == [["P-0001 2026-10", "hours show P-0001 2026-10"]]
    # The disputed summary's code no longer signs.
    assert (await reply(core, phone, await code_for(core, phone))).outcome != "signed"


async def test_unknown_sender_learns_nothing(core: Core) -> None:
    project = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    stranger = await reply(core, "+46709999999", await code_for(core, project.people["P-0001"]))
    gibberish = await reply(core, "+46709999998", "hello")
    assert stranger.outcome == gibberish.outcome == "unknown_sender"
    assert stranger.text == gibberish.text
    assert await count(core, Signature) == 0


async def test_stop_and_start_toggle_sms_and_are_audited(core: Core) -> None:
    project = await seed_project(core)
    phone = project.people["P-0001"]
    assert (await reply(core, phone, "STOPP")).outcome == "opted_out"
    async with core.sessions() as session:
        assert (await session.exec(select(Person).where(Person.phone == phone))).one().sms_opted_out
    report = await close_month(core, PROJECT, OCTOBER, actor="test")
    unreachable = [(ref, str(why)) for ref, why in report.unreachable]
    assert ("P-0001", "opted out of SMS and has no Telegram") in unreachable
    assert (await reply(core, phone, "START")).outcome == "opted_in"
    async with core.sessions() as session:
        actions = (await session.exec(select(AuditEvent.action))).all()
    assert "person.opt_out" in actions and "person.opt_in" in actions


async def test_help_in_the_persons_language(core: Core) -> None:
    project = await seed_project(core, language="pl")
    answer = await reply(core, project.people["P-0001"], "POMOC")
    assert answer.outcome == "help" and answer.text


async def test_protected_identity_is_refused_and_nothing_is_stored(core: Core) -> None:
    await seed_project(core)
    before = await count(core, Person), await count(core, AuditEvent)
    with pytest.raises(ProtectedIdentityError):
        await add_person(
            core,
            PROJECT,
            NewPerson("Skyddad", "+46701119999", protected_identity=True),
            actor="test",
        )
    assert (await count(core, Person), await count(core, AuditEvent)) == before

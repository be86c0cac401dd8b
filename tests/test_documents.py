"""Certificates (PDF) and month exports (XLSX) through the chat and the shell."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.core.months import Month
from bot.roots.admin import run_admin
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from bot.usecases.recording.hours import record_hours
from bot.usecases.roster.registry import NewPerson, add_person
from storage.month_streams import month_days, month_lines
from storage.tables import AuditEvent, OutboxAttachment
from storage.tables import Project as ProjectRow
from tests.stack import (
    PROJECT,
    PUBLIC_URL,
    SUPERUSER_ID,
    Stack,
    say_command,
    seed_project,
)

OCTOBER = Month(2026, 10)
_CODE = re.compile(r"\b(\d{6})\b")


async def say(stack: Stack, fake: Any, text: str, user: int = SUPERUSER_ID) -> str:
    return await say_command(stack, fake, user, text)


async def october_with_one_signature(stack: Stack, fake_twilio: Any, fake_telegram: Any) -> str:
    """ESF-1 closed for October, P-0002 signed by SMS; returns P-0002's receipt."""
    project = await seed_project(stack.core)
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")
    await stack.deliver()
    phone = project.people["P-0002"]
    [body] = [m["Body"] for m in fake_twilio.messages if m["To"] == phone]
    code = _CODE.search(body)
    assert code is not None
    twiml = await (await stack.sms(phone, code.group(1), "SM" + "7" * 32)).text()
    receipt = re.search(r"TS-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", twiml)
    assert receipt is not None
    assert "works on ESF-1" in await say(stack, fake_telegram, "/project use ESF-1")
    return receipt.group(0)


def documents(fake: Any) -> list[dict[str, Any]]:
    return [call["document"] for call in fake.calls("sendDocument")]


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


async def test_a_signed_month_gives_a_certificate_with_its_evidence(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    receipt = await october_with_one_signature(stack, fake_twilio, fake_telegram)

    answer = await say(stack, fake_telegram, "/certificate P-0002 2026-10")

    assert answer.startswith("Attendance certificate of P-0002 Person 2 for 2026-10 (signed)")
    [document] = documents(fake_telegram)
    assert document["filename"] == "certificate-ESF-1-P-0002-2026-10.pdf"
    text = pdf_text(document["content"])
    assert "Intyg för närvarotid" in text  # the project's language
    assert "Person 2 (P-0002)" in text and "Jobbsteget Malmö (ESF-1)" in text
    assert "oktober 2026" in text and "2026-10-06" in text and "Totalt 21 h" in text
    assert receipt in text and f"{PUBLIC_URL}/r/{receipt}" in text
    assert "+46701234562" not in text  # the sender is masked
    async with stack.core.sessions() as session:
        assert (await session.exec(select(OutboxAttachment))).all() == []  # gone once sent
        actions = [e.action for e in (await session.exec(select(AuditEvent))).all()]
    assert "document.certificate" in actions


async def test_an_unsigned_month_gives_lines_for_a_handwritten_signature_in_polish(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)

    answer = await say(stack, fake_telegram, "/certificate P-0001 2026-10 pl")

    assert "(waiting for a signature)" in answer
    text = pdf_text(documents(fake_telegram)[0]["content"])
    assert "Zaświadczenie o obecności" in text
    assert "październik 2026" in text
    assert "Niepodpisane elektronicznie" in text and "Podpis:" in text


async def test_the_month_export_has_a_row_per_person_and_per_day(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    receipt = await october_with_one_signature(stack, fake_twilio, fake_telegram)

    answer = await say(stack, fake_telegram, "/export 2026-10 en")

    assert answer.startswith("ESF-1, 2026-10. People: 3, hours recorded: ")
    [document] = documents(fake_telegram)
    assert document["filename"] == "timesign-ESF-1-2026-10.xlsx"
    workbook = load_workbook(io.BytesIO(document["content"]), read_only=True)
    assert workbook.sheetnames == ["Summaries", "Hours"]
    people = list(workbook["Summaries"].iter_rows(values_only=True))
    assert people[0][:6] == (
        "Person",
        "Name",
        "Kind",
        "Hours recorded",
        "Hours sent for signing",
        "State",
    )
    by_ref = {row[0]: row for row in people[1:]}
    assert set(by_ref) == {"P-0001", "P-0002", "P-0003"}
    assert by_ref["P-0002"][5] == "signed" and by_ref["P-0002"][9] == receipt
    assert by_ref["P-0002"][3] == by_ref["P-0002"][4] == 21
    assert by_ref["P-0001"][5] == "waiting for a signature"
    days = list(workbook["Hours"].iter_rows(values_only=True))
    assert len(days) == 1 + 9
    assert days[1][5].date().isoformat() == "2026-10-01" and days[1][6] == 6.5


async def test_a_stranger_gets_no_document(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)

    answer = await say(stack, fake_telegram, "/export 2026-10", user=4242)

    assert answer.startswith("Sorry, this chat has no access")
    assert documents(fake_telegram) == []


async def test_the_shell_writes_the_certificate_to_a_file(
    stack: Stack,
    fake_twilio: Any,
    fake_telegram: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)
    monkeypatch.chdir(tmp_path)

    answer = await run_admin(stack.settings, "esf-1", ["certificate", "P-0002", "2026-10"])

    written = tmp_path / "certificate-ESF-1-P-0002-2026-10.pdf"
    assert answer.splitlines() == [
        "Attendance certificate of P-0002 Person 2 for 2026-10 (signed).",
        str(written),
    ]
    assert "Intyg för närvarotid" in pdf_text(written.read_bytes())


async def test_a_month_of_23_working_days_fits_one_page_with_its_evidence(
    core: Any,
) -> None:
    """July 2026 has 23 working days; signed, its certificate is one A4 page with the
    evidence, the key's fingerprint, a QR code and times with their zone."""
    from datetime import date, timedelta

    from bot.core.inbound import Inbound
    from bot.usecases.documents.build import certificate
    from bot.usecases.recording.hours import record_hours
    from bot.usecases.roster.registry import NewPerson, add_activity, add_person, create_project
    from bot.usecases.signing.conversation import accept_reply
    from storage.queries import project_by_code
    from tests.test_signing import code_for

    july = Month(2026, 7)
    await create_project(core, code=PROJECT, name="Jobbsteget Malmö", actor="test")
    await add_activity(
        core,
        PROJECT,
        name="Praktik på Malmö stads förvaltning för arbetsmarknad och vuxenutbildning",
        kind="internship",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        actor="test",
    )
    person = await add_person(
        core, PROJECT, NewPerson("Anna Lindqvist-Bergström", "+46701234561"), actor="test"
    )
    days = [july.first_day + timedelta(days=n) for n in range(31)]
    workdays = [d for d in days if d.weekday() < 5]
    assert len(workdays) == 23
    for day in workdays:
        await record_hours(
            core,
            PROJECT,
            person_ref=person.ref,
            activity_ref="A-001",
            day=day,
            minutes=450,
            actor="test",
        )
    await close_month(core, PROJECT, july, actor="test")
    code = await code_for(core, "+46701234561")
    await accept_reply(
        core,
        Inbound(channel="sms", provider_id="SMmarch", sender="+46701234561", text=code),
        queue_answer=False,
    )
    async with core.sessions() as session:
        project = await project_by_code(session, PROJECT)
    assert project is not None
    _, attachment = await certificate(core, project, person.ref, july, "sv")
    reader = pypdf.PdfReader(io.BytesIO(attachment.content))
    assert len(reader.pages) == 1
    text = pdf_text(attachment.content)
    assert "2026-07-31" in text and "Totalt 172,5 h" in text
    assert core.sealer.public.fingerprint in text
    assert "CEST" in text or "CET" in text
    assert "/r/TS-" in text


async def test_a_disputed_month_shows_the_dispute_instead_of_signature_lines(core: Any) -> None:
    from bot.core.inbound import Inbound
    from bot.usecases.documents.build import certificate
    from bot.usecases.signing.conversation import accept_reply
    from storage.queries import project_by_code

    people = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    await accept_reply(
        core,
        Inbound(
            channel="sms", provider_id="SMdisp", sender=people.people["P-0001"], text="NEJ fel dag"
        ),
        queue_answer=False,
    )
    async with core.sessions() as session:
        project = await project_by_code(session, PROJECT)
    assert project is not None
    _, attachment = await certificate(core, project, "P-0001", OCTOBER, "en")
    text = pdf_text(attachment.content)
    assert "Disputed by Person 1 on 2026-11-03 10:00 CET: fel dag" in text
    assert "Signature: ____" not in text and "not confirmed until the dispute" in text


async def test_the_export_reads_the_month_a_batch_at_a_time_in_the_workbooks_order(
    core: Core,
) -> None:
    await seed_project(core)  # P-0001..P-0003, 1, 2 and 6 October
    await close_month(core, PROJECT, OCTOBER, actor="test")
    await record_hours(
        core,
        PROJECT,
        person_ref="P-0002",
        activity_ref="A-001",
        day=date(2026, 10, 7),
        minutes=120,
        actor="test",
        correction=True,
    )
    await close_month(core, PROJECT, OCTOBER, actor="test")  # P-0002 version 2
    await add_person(core, PROJECT, NewPerson("Late Comer", "+46701234569"), actor="test")
    await record_hours(
        core,
        PROJECT,
        person_ref="P-0004",
        activity_ref="A-001",
        day=date(2026, 10, 5),
        minutes=90,
        actor="test",
    )
    async with core.sessions() as session:
        project = (await session.exec(select(ProjectRow).where(ProjectRow.code == PROJECT))).one()
        assert project.id is not None
        line_batches = [b async for b in month_lines(session, project.id, OCTOBER, batch=2)]
        day_batches = [b async for b in month_days(session, project.id, OCTOBER, batch=4)]

    assert [len(b) for b in line_batches] == [2, 2] and [len(b) for b in day_batches] == [4, 4, 3]
    lines = {line.ref: line for b in line_batches for line in b}
    assert list(lines) == ["P-0001", "P-0002", "P-0003", "P-0004"]
    assert lines["P-0002"].version == 2 and lines["P-0002"].summary_minutes == 3 * 420 + 120
    assert lines["P-0004"].recorded_minutes == 90 and lines["P-0004"].state is None
    days = [(d.person_ref, d.day.day) for b in day_batches for d in b]
    assert days == sorted(days) and len(days) == 3 + 4 + 3 + 1

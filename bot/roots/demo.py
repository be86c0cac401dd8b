"""``timesign demo``: the whole signing loop on a fresh SQLite file, with no accounts.

It goes through the same use-cases as production: registration, month close, the
outbox dispatcher (console transports print what a phone would show), replies as the
webhooks would deliver them, and the receipts an auditor would open.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.commands.runner import run_command
from bot.core.errors import InputError
from bot.core.hours import parse_hours
from bot.core.inbound import Inbound
from bot.core.months import current_month
from bot.core.seal_keys import new_seal_key
from bot.core.states import Channel
from bot.roots.admin import CLI
from bot.roots.config import load_settings
from bot.roots.core import build_core
from bot.roots.keys import write_key
from bot.roots.verify import verify_file
from bot.roots.wiring import worker_name
from bot.roots.worker import run_due
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core, system_clock
from bot.usecases.evidence.audit import audit
from bot.usecases.evidence.checking import check
from bot.usecases.recording.hours import record_hours
from bot.usecases.roster.registry import NewPerson, add_activity, add_person, create_project
from bot.usecases.signing.conversation import accept_reply
from notifications.console import ConsoleTransport
from notifications.dispatcher import Dispatcher
from notifications.transport import Envelope, Sent, Transport
from storage.db import create_engine, transaction
from storage.migrate import upgrade
from storage.receipts import find_receipt
from storage.tables import Coordinator

PROJECT = "ESF-DEMO"
LOCAL_URL = "http://127.0.0.1:8080"
_CODE = re.compile(r"\b(\d{6})\b")


class Phones:
    """Console transports that also remember what each phone received, so the simulated
    participants can read their code off their own message, as a person would."""

    def __init__(self) -> None:
        self.received: dict[str, list[str]] = {}

    def transport(self, channel: str) -> Transport:
        console = ConsoleTransport(channel, sys.stdout, reveal_codes=True)  # a demo, local
        phones = self

        class _Recording:
            def __init__(self) -> None:
                self.channel = channel

            async def send(self, envelope: Envelope) -> Sent:
                phones.received.setdefault(envelope.address, []).append(envelope.text)
                return await console.send(envelope)

            async def aclose(self) -> None:
                await console.aclose()

        return _Recording()

    def code_for(self, address: str) -> str:
        match = _CODE.search(self.received[address][-1])
        assert match is not None, "the month-end message carries a code"
        return match.group(1)


def _title(text: str, why: str) -> None:
    """A step's heading and one line on what it shows."""
    print(f"\n=== {text} " + "=" * max(0, 70 - len(text)))
    print(f"  {why}")


def _timesign() -> str:
    """The ``timesign`` of this virtual environment, as a path that works from anywhere."""
    beside = Path(sys.executable).with_name("timesign")
    if beside.exists():
        return str(beside)
    return shutil.which("timesign") or f"{sys.executable} -m bot.roots.cli"


async def run_demo(database: str) -> int:
    path = Path(database)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    seal = await asyncio.to_thread(_demo_seal_key, path)
    settings = load_settings({"database_url": url, "public_url": LOCAL_URL, "seal_key": seal})
    engine = create_engine(url)
    core = build_core(settings, engine, dev=True, clock=system_clock)
    phones = Phones()
    dispatcher = Dispatcher(
        core.sessions,
        {"sms": phones.transport("sms"), "telegram": phones.transport("telegram")},
        key=core.key,
        clock=core.clock,
        worker=worker_name(),
    )
    try:
        await _walk_through(core, dispatcher, phones)
        await _documents(core, path.parent)
        await _audit(core, path.parent)
    finally:
        await engine.dispose()
    print(
        "\nOpen a receipt page, from any folder:\n"
        f"  TIMESIGN_DATABASE_URL={url} TIMESIGN_SEAL_KEY={seal} "
        f"{_timesign()} serve --dev\n"
        f"then visit {LOCAL_URL}/r/<receipt> (add 'Accept: application/json' for JSON)."
    )
    return 0


def _demo_seal_key(database: Path) -> str:
    """The demo's own seal key, kept beside its database: the receipt pages that `serve`
    shows afterwards must check the seals made here."""
    seal = Path(f"{database}.seal.pem").resolve()
    seal.unlink(missing_ok=True)
    write_key(new_seal_key(), seal)
    return str(seal)


async def _walk_through(core: Core, dispatcher: Dispatcher, phones: Phones) -> None:
    month = current_month(core.clock(), "Europe/Stockholm").previous()
    _title(
        f"1. A project, activities and people ({PROJECT})",
        "Each person gets a reference (P-0001); their messages use their language.",
    )
    await create_project(core, code=PROJECT, name="Jobbsteget Malmö", actor="demo")
    training = await add_activity(
        core,
        PROJECT,
        name="Svenska för yrket",
        kind="training",
        starts_on=month.first_day,
        ends_on=month.last_day + timedelta(days=90),
        actor="demo",
    )
    internship = await add_activity(
        core,
        PROJECT,
        name="Praktik lager",
        kind="internship",
        starts_on=month.first_day,
        ends_on=month.last_day + timedelta(days=90),
        actor="demo",
    )
    counselling = await add_activity(
        core,
        PROJECT,
        name="Studie- och yrkesvägledning",
        kind="counselling",
        starts_on=month.first_day,
        ends_on=month.last_day + timedelta(days=90),
        actor="demo",
    )
    anna = await add_person(
        core, PROJECT, NewPerson("Anna Lindqvist", "070-123 45 61", language="sv"), actor="demo"
    )
    jonas = await add_person(
        core, PROJECT, NewPerson("Jonas Berg", "+46701234562", language="sv"), actor="demo"
    )
    maria = await add_person(
        core, PROJECT, NewPerson("Maria Kowalska", "+48 601 234 563", language="pl"), actor="demo"
    )
    sam = await add_person(
        core,
        PROJECT,
        NewPerson("Sam Taylor", "+46701234564", kind="staff", language="en"),
        actor="demo",
    )
    for person in (anna, jonas, maria, sam):
        print(f"  {person.ref}  {person.name:<16} {person.kind:<12} language {person.language}")
    try:
        await add_person(
            core,
            PROJECT,
            NewPerson("Hidden Person", "+46701234599", protected_identity=True),
            actor="demo",
        )
    except InputError as refusal:
        # Protected identities (skyddad identitet) may not be kept in an ordinary register.
        print(f"  Refused, as the rules demand (protected identity): {refusal}")
    async with transaction(core.sessions) as session:
        session.add(
            Coordinator(
                project_id=anna.project_id,
                telegram_user_id=1000001,
                role="coordinator",
                language="en",
                created_at=core.clock(),
            )
        )
    print("  Coordinator: Telegram user 1000001")

    _title(
        f"2. A month of hours ({month})",
        "Every day is checked against the ESF rules as it is recorded (caps, holidays).",
    )
    day = month.first_day
    while day <= month.last_day:
        if day.weekday() < 5:
            await _hours(
                core, anna.ref, training.ref if day.weekday() < 4 else counselling.ref, day, "6"
            )
            await _hours(core, jonas.ref, internship.ref, day, "7,5")
            if day.weekday() in (0, 2):
                await _hours(core, maria.ref, training.ref, day, "4:30")
            await _hours(core, sam.ref, counselling.ref, day, "8")
        day += timedelta(days=1)
    print("  Recorded every weekday: training, internship, counselling and staff time.")

    _title(
        f"3. Month close {month}: summaries, codes, the outbox",
        "Each person's month becomes a document with a SHA-256 hash and a one-time code.",
    )
    report = await close_month(core, PROJECT, month, actor="demo")
    print(f"  {len(report.sent)} summaries queued; total {report.total_minutes / 60:g} hours.")
    _title(
        "4. The worker delivers (console transport: what each phone shows)",
        "'Ref' in a message is the first 8 characters of that document's SHA-256 hash.",
    )
    await run_due(dispatcher)

    _title(
        "5. Replies arrive (as the Twilio webhook would deliver them)",
        "The right code from the right number signs; NO and a reason disputes the month.",
    )
    replies = [
        (anna, phones.code_for(anna.phone or ""), "signs with her code"),
        (jonas, "NEJ Jag var sjuk den 14:e", "disputes"),
        (maria, "000000", "types a wrong code"),
        (maria, phones.code_for(maria.phone or ""), "then types the right one"),
    ]
    receipts = []
    for number, (person, text, what) in enumerate(replies, start=1):
        shown = "[her code]" if text.isdigit() and text != "000000" else text
        assert person.phone is not None
        answer = await accept_reply(
            core,
            Inbound(
                channel=Channel.SMS,
                provider_id=f"SMDEMO{number:026d}",
                sender=person.phone,
                text=text,
            ),
            queue_answer=False,
        )
        print(f"\n  {person.name} {what}: {shown!r}\n  -> {answer.outcome}: {answer.text}")
        receipts += re.findall(r"TS-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", answer.text)
    print(f"\n  {sam.name} has not answered yet: the worker's reminders will follow up.")

    _title(
        "6. Coordinator notices (the dispute) go out through the outbox too",
        "The coordinator's Telegram chat hears of the dispute, with its reason.",
    )
    await run_due(dispatcher)

    _title(
        "7. Receipts: what an auditor sees",
        "Content unchanged: the stored document still has the signed hash; seal valid: "
        "nobody changed the signature's facts since.",
    )
    for receipt in dict.fromkeys(receipts):
        record = await find_receipt(core.sessions, receipt)
        assert record is not None
        v = await check(core, record)
        print(
            f"  {v.receipt}: {v.person}, {v.month}, signed {v.signed_at_local:%Y-%m-%d %H:%M %Z} "
            f"over {v.channel} from {v.sender}"
        )
        print(
            f"    sha256 {v.sha256}; content unchanged: {v.content_unchanged};"
            f" seal valid: {v.seal_valid}"
        )


async def _documents(core: Core, folder: Path) -> None:
    """What a coordinator files with the payment claim, made as ``timesign admin`` does."""
    _title(
        "8. Documents for the payment claim: a certificate and the month's workbook",
        "The same files the chat sends for /certificate and /export, written here.",
    )
    month = str(current_month(core.clock(), "Europe/Stockholm").previous())
    for words in (["certificate", "P-0001", month], ["export", month]):
        reply = await run_command(core, CLI, PROJECT, words)
        assert reply.attachment is not None, reply.text
        written = folder / reply.attachment.name
        written.write_bytes(reply.attachment.content)
        print(f"  {reply.text}\n    -> {written}")


async def _audit(core: Core, folder: Path) -> None:
    """The demo ends as an auditor would begin: the whole evidence, then the month's
    bundle checked with the public keys alone."""
    _title(
        "9. An audit: every chain and signature, and the month's bundle checked offline",
        "timesign audit verify walks the evidence log and every seal; timesign verify "
        "checks the /evidence bundle with nothing but the public keys.",
    )
    report = await audit(core)
    print("\n".join(f"  {line}" for line in report.lines()))
    month = str(current_month(core.clock(), "Europe/Stockholm").previous())
    reply = await run_command(core, CLI, PROJECT, ["evidence", month])
    assert reply.attachment is not None, reply.text
    written = folder / reply.attachment.name
    written.write_bytes(reply.attachment.content)
    print(f"  {reply.text}\n    -> {written}")
    _, lines = verify_file(written, None)
    print("\n".join(f"  {line}" for line in lines))


async def _hours(core: Core, person_ref: str, activity_ref: str, day: date, hours: str) -> None:
    await record_hours(
        core,
        PROJECT,
        person_ref=person_ref,
        activity_ref=activity_ref,
        day=day,
        minutes=parse_hours(hours),
        actor="demo",
    )

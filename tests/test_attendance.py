"""Attendance lists: the parser alone, then uploads through the fake Bot API and the shell."""

from __future__ import annotations

import io
import itertools
import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlmodel import select

from bot.commands.runner import run_command
from bot.core.access import Actor
from bot.core.attendance import MAX_BYTES
from bot.core.errors import InputError
from bot.roots.admin import CLI
from bot.usecases.context import Core
from bot.usecases.recording.attendance_files import parse_attendance
from bot.usecases.recording.hours import record_hours
from bot.usecases.roster.grants import grant, use_project
from bot.usecases.roster.registry import NewPerson, add_activity, add_person, create_project
from storage import queries
from storage.tables import AuditEvent, TimeEntry
from tests.stack import PROJECT, WEBHOOK_SECRET, Stack, post_update_and_answer

COORDINATOR, VIEWER = 201, 202
_ids = itertools.count(80_000)


# --- the parser -------------------------------------------------------------------------


def test_csv_with_semicolons_bom_and_decimal_comma() -> None:
    content = "\ufeffdeltagare;aktivitet;datum;timmar\nP-0001;A-001;2026-10-14;7,5\n".encode()
    sheet = parse_attendance("närvaro.csv", content)
    assert sheet.problems == []
    [row] = sheet.rows
    assert (row.line, row.person, row.activity, row.day, row.minutes) == (
        2,
        "P-0001",
        "A-001",
        date(2026, 10, 14),
        450,
    )


def test_csv_with_commas_quotes_and_clock_hours() -> None:
    content = (
        b'hours,date,person,activity\n7:30,2026-10-14,"Berg, Anna",Svenska\n\n2,2026-10-15,B,S\n'
    )
    sheet = parse_attendance("list.csv", content)
    assert [(r.line, r.person, r.minutes) for r in sheet.rows] == [
        (2, "Berg, Anna", 450),
        (4, "B", 120),
    ]


def test_polish_headers_and_every_bad_line_is_kept_with_its_number() -> None:
    content = (
        "uczestnik;aktywność;data;godziny\nA;X;14.10.2026;2\nA;X;2026-10-14;x\n;X;2026-10-14;1\n"
    )
    sheet = parse_attendance("lista.csv", content.encode())
    assert sheet.rows == []
    assert [p.line for p in sheet.problems] == [2, 3, 4]
    assert "not a date" in str(sheet.problems[0].reason)
    assert "not an amount of hours" in str(sheet.problems[1].reason)
    assert "person is missing" in str(sheet.problems[2].reason)


def test_a_missing_column_a_wrong_encoding_and_a_wrong_type_are_refused() -> None:
    with pytest.raises(InputError, match="hours is missing"):
        parse_attendance("a.csv", b"person;activity;date\nA;B;2026-10-14\n")
    with pytest.raises(InputError, match="not UTF-8"):
        parse_attendance(
            "a.csv", "person;activity;date;hours\nÅsa;B;2026-10-14;1\n".encode("cp1252")
        )
    with pytest.raises(InputError, match="CSV or XLSX"):
        parse_attendance("a.pdf", b"%PDF-1.7")
    with pytest.raises(InputError, match="at most 2 MB"):
        parse_attendance("a.csv", b"x" * (MAX_BYTES + 1))


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_real_dates_numbers_and_times() -> None:
    content = _xlsx(
        [
            ["Person", "Activity", "Date", "Hours"],
            ["P-0001", "A-001", datetime(2026, 10, 14), 7.5],
            [701234567, "A-001", "2026-10-15", time(7, 30)],
            ["P-0001", "A-001", date(2026, 10, 16), "6,25"],
        ]
    )
    sheet = parse_attendance("list.xlsx", content)
    assert sheet.problems == []
    assert [(r.line, r.person, r.day, r.minutes) for r in sheet.rows] == [
        (2, "P-0001", date(2026, 10, 14), 450),
        (3, "701234567", date(2026, 10, 15), 450),
        (4, "P-0001", date(2026, 10, 16), 375),
    ]


# --- uploads through the fake Bot API ---------------------------------------------------


async def _project(core: Core, people: int = 2, kind: str = "training") -> None:
    await create_project(core, code=PROJECT, name="Jobbsteget", actor="test")
    await add_activity(
        core,
        PROJECT,
        name="Svenska",
        kind=kind,
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 12, 31),
        actor="test",
    )
    for n in range(1, people + 1):
        await add_person(core, PROJECT, NewPerson(f"Person {n}", f"070{n:07d}"), actor="test")
    async with core.sessions() as session:
        project = await queries.project_by_code(session, PROJECT)
    assert project is not None
    for user, role in ((COORDINATOR, "coordinator"), (VIEWER, "viewer")):
        await grant(core, project, user, role, actor="test")
        await use_project(core, Actor(f"telegram:{user}", telegram_user_id=user), [PROJECT])


def _document(update_id: int, user: int, name: str, file_id: str, size: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1762160400,
            "chat": {"id": user, "type": "private", "first_name": "C"},
            "from": {"id": user, "is_bot": False, "first_name": "C", "language_code": "en"},
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": name,
                "file_size": size,
            },
        },
    }


async def upload(
    stack: Stack,
    fake: Any,
    user: int,
    name: str,
    content: bytes,
    *,
    update_id: int | None = None,
    size: int | None = None,
) -> str:
    """Send ``content`` as a document from ``user``; the bot's answer, all pages joined."""
    update_id = update_id or next(_ids)
    file_id = f"file{update_id}"
    fake.files[f"documents/{file_id}"] = content
    update = _document(update_id, user, name, file_id, len(content) if size is None else size)
    return await post_update_and_answer(stack, fake, user, update, seconds=30)


async def _entries(core: Core) -> list[tuple[int, date, int]]:
    async with core.sessions() as session:
        rows = (await session.exec(select(TimeEntry))).all()
    return sorted((e.person_id, e.day, e.minutes) for e in rows)


async def _actions(core: Core, action: str) -> list[AuditEvent]:
    async with core.sessions() as session:
        return list(
            (await session.exec(select(AuditEvent).where(AuditEvent.action == action))).all()
        )


async def test_a_good_csv_is_recorded_with_one_audit_event(
    stack: Stack, fake_telegram: Any
) -> None:
    await _project(stack.core)
    content = (
        "\ufeffdeltagare;aktivitet;datum;timmar\n"
        "P-0001;A-001;2026-10-14;7,5\n"
        '"Person 2";Svenska;2026-10-14;4:15\n'
        "0700000001;A-001;2026-10-15;6\n"
    ).encode()
    answer = await upload(stack, fake_telegram, COORDINATOR, "närvaro.csv", content)
    assert answer.startswith("Recorded 3 lines from närvaro.csv: 17.75 h for 2 people.")
    assert [(d, m) for _, d, m in await _entries(stack.core)] == [
        (date(2026, 10, 14), 450),
        (date(2026, 10, 15), 360),
        (date(2026, 10, 14), 255),
    ]
    [event] = await _actions(stack.core, "hours.import")
    assert json.loads(event.detail)["lines"] == 3
    assert fake_telegram.calls("getFile")


async def test_a_good_xlsx_is_recorded(stack: Stack, fake_telegram: Any) -> None:
    await _project(stack.core)
    content = _xlsx(
        [
            ["person", "activity", "date", "hours", "comment"],
            ["P-0001", "A-001", datetime(2026, 10, 14), 7.5, "ok"],
            [700000002, "A-001", "2026-10-14", time(3, 0)],
        ]
    )
    answer = await upload(stack, fake_telegram, COORDINATOR, "list.xlsx", content)
    assert "Recorded 2 lines" in answer
    assert [m for _, _, m in await _entries(stack.core)] == [450, 180]


async def test_one_bad_line_changes_nothing_and_every_bad_line_is_named(
    stack: Stack, fake_telegram: Any
) -> None:
    await _project(stack.core)
    lines = [
        "person,activity,date,hours",
        "P-0001,A-001,2026-10-14,4",  # 2
        "P-0099,A-001,2026-10-14,4",  # 3: nobody
        "P-0001,A-001,2026-10-15,abc",  # 4: not hours
        "P-0002,A-001,2026-10-16,6",  # 5
        "P-0002,A-001,2026-10-16,2",  # 6: the same day again
        "P-0002,A-001,2026-11-20,2",  # 7: the future
        "P-0001,A-001,2026-10-19,5",  # 8
    ]
    answer = await upload(stack, fake_telegram, COORDINATOR, "l.csv", "\n".join(lines).encode())
    assert answer.startswith("Nothing was recorded: 4 of 7 lines of l.csv have problems.")
    assert "Line 3: There is no person 'P-0099'" in answer
    assert "Line 4: 'abc' is not an amount of hours" in answer
    assert "Line 6: Line 5 has P-0002 on A-001 on 2026-10-16 already" in answer
    assert "Line 7: 2026-11-20 is in the future" in answer
    for good in ("Line 2:", "Line 5:", "Line 8:"):
        assert good not in answer
    assert await _entries(stack.core) == []
    assert await _actions(stack.core, "hours.import") == []


async def test_lines_of_one_day_add_up_against_the_daily_cap(
    stack: Stack, fake_telegram: Any
) -> None:
    await _project(stack.core)
    await add_activity(
        stack.core,
        PROJECT,
        name="Yrkessvenska",
        kind="training",
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 12, 31),
        actor="test",
    )
    content = b"person;activity;date;hours\nP-0001;A-001;2026-10-14;5\nP-0001;A-002;2026-10-14;4\n"
    answer = await upload(stack, fake_telegram, COORDINATOR, "l.csv", content)
    assert "Line 3: A training day lasts at most 8 h" in answer
    assert await _entries(stack.core) == []


async def test_the_week_cap_counts_the_file_and_the_database_from_the_shell(
    core: Core, tmp_path: Path
) -> None:
    await _project(core, people=1, kind="internship")
    for day in (12, 13, 14, 15):  # Monday to Thursday: 32 h recorded already
        await record_hours(
            core,
            PROJECT,
            person_ref="P-0001",
            activity_ref="A-001",
            day=date(2026, 10, day),
            minutes=8 * 60,
            actor="test",
        )
    path = tmp_path / "week.csv"
    path.write_text(
        "person;activity;date;hours\nP-0001;A-001;2026-10-16;8\nP-0001;A-001;2026-10-17;1\n"
    )
    cli = CLI
    refused = await run_command(core, cli, PROJECT, ["import", str(path)])
    assert refused.refused and "Line 3: An internship allows at most 40 h a week" in refused.text
    assert len(await _entries(core)) == 4
    path.write_text("person;activity;date;hours\nP-0001;A-001;2026-10-16;8\n")
    answer = await run_command(core, cli, PROJECT, ["import", str(path)])
    assert "Recorded 1 line from week.csv: 8 h for 1 person." in str(answer)
    missing = await run_command(core, cli, PROJECT, ["import", str(tmp_path / "missing.csv")])
    assert missing.refused and "Cannot read" in missing.text


async def test_a_list_of_a_thousand_lines_is_recorded(stack: Stack, fake_telegram: Any) -> None:
    await _project(stack.core, people=50)
    weekdays = [d for d in (date(2026, 10, n) for n in range(1, 32)) if d.weekday() < 5][:20]
    lines = ["person;activity;date;hours"] + [
        f"P-{p:04d};A-001;{day};7,5" for p in range(1, 51) for day in weekdays
    ]
    answer = await upload(stack, fake_telegram, COORDINATOR, "big.csv", "\n".join(lines).encode())
    assert answer.startswith("Recorded 1000 lines from big.csv: 7,500 h for 50 people.")
    assert len(await _entries(stack.core)) == 1000


async def test_a_viewer_is_refused_and_the_refusal_audited(
    stack: Stack, fake_telegram: Any
) -> None:
    await _project(stack.core)
    content = b"person;activity;date;hours\nP-0001;A-001;2026-10-14;2\n"
    answer = await upload(stack, fake_telegram, VIEWER, "l.csv", content)
    assert "needs the coordinator role; you are viewer" in answer
    assert await _entries(stack.core) == []
    [refusal] = await _actions(stack.core, "access.refused")
    assert json.loads(refusal.detail)["command"] == "import"
    assert not fake_telegram.calls("getFile")


async def test_a_wrong_file_type_and_an_oversized_file_are_not_downloaded(
    stack: Stack, fake_telegram: Any
) -> None:
    await _project(stack.core)
    answer = await upload(stack, fake_telegram, COORDINATOR, "scan.pdf", b"%PDF-1.7")
    assert "CSV or XLSX files only" in answer
    answer = await upload(
        stack, fake_telegram, COORDINATOR, "big.csv", b"person", size=3 * 1024 * 1024
    )
    assert "at most 2 MB" in answer
    assert not fake_telegram.calls("getFile")


async def test_the_same_upload_delivered_twice_acts_once(stack: Stack, fake_telegram: Any) -> None:
    await _project(stack.core)
    content = b"person;activity;date;hours\nP-0001;A-001;2026-10-14;2\n"
    await upload(stack, fake_telegram, COORDINATOR, "l.csv", content, update_id=4242)
    response = await stack.client.post(
        "/webhooks/telegram",
        data=json.dumps(_document(4242, COORDINATOR, "l.csv", "file4242", len(content))),
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    assert response.status == 200
    await stack.settled()
    assert len(await _actions(stack.core, "hours.import")) == 1
    assert len(fake_telegram.calls("getFile")) == 1


async def test_import_in_the_chat_asks_for_an_upload(core: Core) -> None:
    await _project(core)
    chat = Actor(f"telegram:{COORDINATOR}", telegram_user_id=COORDINATOR, language="en")
    answer = await run_command(core, chat, PROJECT, ["import", "/etc/passwd"])
    assert answer.refused and "Send the attendance list to this chat" in answer.text

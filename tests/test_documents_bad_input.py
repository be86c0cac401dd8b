"""Bad input to /language, /certificate and /export: one sentence, nothing changed, no file.

And odd data that is not bad input: names a font cannot draw or a worksheet cannot hold,
a corrected or disputed month, a deactivated person, another project's people.
"""

from __future__ import annotations

import gc
import io
import logging
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.core.errors import InputError
from bot.core.months import Month
from bot.roots.admin import run_admin
from bot.usecases.closing.month_close import close_month
from bot.usecases.documents.certificate_pdf import render_certificate
from bot.usecases.documents.models import Certificate, PersonMonth
from bot.usecases.documents.month_xlsx import MonthWorkbook
from bot.usecases.recording.hours import record_hours
from bot.usecases.roster.registry import NewPerson, add_person, create_project
from storage.month_streams import RecordedDay
from storage.tables import AuditEvent, ChatLanguage
from tests.stack import PROJECT, SUPERUSER_ID, Stack
from tests.test_documents import OCTOBER, documents, october_with_one_signature, pdf_text, say

VIEWER, OTHER, STRANGER = 303, 304, 305
ODD_NAMES = [
    "Anna \U0001f600 Berg",  # emoji
    "李明",  # CJK: not in DejaVu Sans
    "שרה כהן",  # right to left
    "Null\x01Byte",  # PostgreSQL stores no NUL; a command refuses it
    "Over\u202eride",
    "Bell\x07 \x1b[31mRed",
    '=HYPERLINK("http://example.com","x")',
    "Line\nBreak",
]


async def audited(stack: Stack, action: str) -> int:
    async with stack.core.sessions() as session:
        events = (await session.exec(select(AuditEvent).where(AuditEvent.action == action))).all()
    return len(events)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/export 2026-00", "'2026-00' is not a month"),
        ("/export 2026-13", "'2026-13' is not a month"),
        ("/export 0001-01", "'0001-01' is not a month"),
        ("/export 9999-12", "'9999-12' is not a month"),  # used to end in year 10000
        ("/certificate P-0001 9999-12", "'9999-12' is not a month"),
        ("/export 2026-1", "'2026-1' is not a month"),
        ("/export 2026-10-01", "is not a month"),
        ("/export " + "9" * 3000, "'99999999999999999999' is not a month"),
        ("/export 2026-10 en extra", "Usage: /export <YYYY-MM> [sv|en|pl]"),
        ("/export 2026-10 sv en", "Usage: /export <YYYY-MM> [sv|en|pl]"),
        ("/export en", "Usage: /export <YYYY-MM> [sv|en|pl]"),
        ("/export 2026-10 de", "Usage: /export <YYYY-MM> [sv|en|pl]"),
        ("/certificate", "Usage: /certificate <person> <YYYY-MM> [sv|en|pl]"),
        ("/certificate 2026-10 sv", "Usage: /certificate <person> <YYYY-MM> [sv|en|pl]"),
        ("/certificate P-0001 P-0002 2026-10", "Usage: /certificate"),
        ("/certificate P-0001 2026-10 sv extra", "Usage: /certificate"),
        ("/certificate P-0099 2026-10", "There is no person 'P-0099' in ESF-1"),
        ("/certificate 0709999999 2026-10", "There is no person '+46*******99' in ESF-1"),
        ('/certificate "Nobody Here" 2026-10', "There is no person 'Nobody Here' in ESF-1"),
        ("/certificate " + "x" * 3000 + " 2026-10", "There is no person '" + "x" * 40 + "'"),
        ("/certificate P-0001 2030-01", "P-0001 has no summary for 2030-01 yet"),
        ('/certificate "Anna 2026-10', "A quote is not closed"),
    ],
)
async def test_bad_arguments_get_one_sentence_and_no_file(
    stack: Stack, fake_twilio: Any, fake_telegram: Any, line: str, expected: str
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)

    answer = await say(stack, fake_telegram, line)

    assert expected in answer and "Traceback" not in answer
    assert len(answer.splitlines()) == 1
    assert documents(fake_telegram) == []
    assert await audited(stack, "document.certificate") == 0
    assert await audited(stack, "document.export") == 0


async def test_unicode_digits_and_capital_language_words_are_understood(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)

    answer = await say(stack, fake_telegram, "/export ２０２６-１０ EN")
    certificate = await say(stack, fake_telegram, "/certificate p-0002 2026-10 PL")

    assert answer.startswith("ESF-1, 2026-10.")
    assert "Attendance certificate of P-0002" in certificate
    export, pdf = documents(fake_telegram)
    assert export["filename"] == "timesign-ESF-1-2026-10.xlsx"
    assert load_workbook(io.BytesIO(export["content"])).sheetnames == ["Summaries", "Hours"]
    assert "Zaświadczenie o obecności" in pdf_text(pdf["content"])


async def test_a_person_is_found_by_phone_and_an_ambiguous_name_is_refused(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)
    await add_person(stack.core, PROJECT, NewPerson("Person 1", "+46701234569"), actor="test")

    spaced = await say(stack, fake_telegram, "/certificate 070-123 45 62 2026-10")
    by_phone = await say(stack, fake_telegram, '/certificate "070-123 45 62" 2026-10')
    ambiguous = await say(stack, fake_telegram, '/certificate "Person 1" 2026-10')

    assert spaced.startswith("Usage: /certificate")  # unquoted, the number is 4 words
    assert by_phone.startswith("Attendance certificate of P-0002 Person 2")
    assert "+46701234562" not in by_phone
    assert ambiguous.startswith("No single person is called 'Person 1'")
    assert len(documents(fake_telegram)) == 1


async def test_a_reference_wins_over_a_name_that_looks_like_one(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)
    await add_person(stack.core, PROJECT, NewPerson("P-0002", "+46701234569"), actor="test")

    answer = await say(stack, fake_telegram, "/certificate P-0002 2026-10")

    assert answer.startswith("Attendance certificate of P-0002 Person 2 for 2026-10 (signed)")


async def test_another_projects_people_are_out_of_reach(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)
    await create_project(stack.core, code="ESF-2", name="Other", actor="test")
    await add_person(stack.core, "ESF-2", NewPerson("Secret Sven", "+46701239999"), actor="test")
    assert "works on ESF-2" in await say(stack, fake_telegram, "/project use ESF-2")
    await say(stack, fake_telegram, f"/coordinator add {OTHER} admin")
    await say(stack, fake_telegram, "/project use ESF-1")
    assert "works on ESF-2" in await say(stack, fake_telegram, "/project use ESF-2", user=OTHER)

    # ESF-1's superuser chat names ESF-2's person; ESF-2's admin names ESF-1's people.
    lines = [
        (SUPERUSER_ID, "/certificate P-0001 2026-10 en"),  # ESF-1's own P-0001 is fine
        (SUPERUSER_ID, '/certificate "Secret Sven" 2026-10'),
        (SUPERUSER_ID, "/certificate 0701239999 2026-10"),
        (OTHER, "/certificate P-0002 2026-10"),
        (OTHER, '/certificate "Person 2" 2026-10'),
        (OTHER, "/certificate 0701234562 2026-10"),
        (OTHER, "/export 2026-10"),
    ]
    answers = [await say(stack, fake_telegram, line, user=user) for user, line in lines]

    assert answers[0].startswith("Attendance certificate of P-0001 Person 1")
    assert answers[1] == "There is no person 'Secret Sven' in ESF-1; see /person list."
    assert answers[2].startswith("There is no person '+46*******99' in ESF-1")
    for answer in answers[3:6]:
        assert answer.startswith("There is no person") and "in ESF-2" in answer
        assert "0701234562" not in answer and "Person 2 " not in answer
    assert answers[6] == "Nobody has hours in 2026-10; there is nothing to export."
    assert len(documents(fake_telegram)) == 1  # only ESF-1's own certificate


async def test_roles_viewer_yes_stranger_no(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)
    await say(stack, fake_telegram, f"/coordinator add {VIEWER} viewer")
    await say(stack, fake_telegram, "/project use ESF-1", user=VIEWER)

    viewer = await say(stack, fake_telegram, "/certificate P-0002 2026-10", user=VIEWER)
    stranger = await say(stack, fake_telegram, "/certificate P-0002 2026-10", user=STRANGER)
    stranger_language = await say(stack, fake_telegram, "/language sv", user=STRANGER)

    assert viewer.startswith("Attendance certificate of P-0002")
    assert stranger.startswith("Sorry, this chat has no access")
    assert stranger_language.startswith("Sorry, this chat has no access")
    assert "Person 2" not in stranger
    assert len(documents(fake_telegram)) == 1
    async with stack.core.sessions() as session:
        assert await session.get(ChatLanguage, STRANGER) is None


@pytest.mark.parametrize(
    "line",
    [
        '/person add "Null\x00Byte" 0701234569',
        '/certificate "Null\x00Byte" 2026-10',
        '/certificate P-0001 "2026-10\x00"',
        '/export "2026-10\x07"',
        '/language "sv\x00"',
    ],
)
async def test_control_characters_are_refused_before_they_reach_the_database(
    stack: Stack, fake_twilio: Any, fake_telegram: Any, line: str
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)

    answer = await say(stack, fake_telegram, line)

    assert answer == "Commands cannot contain control characters; type the line again."
    assert documents(fake_telegram) == []
    assert "P-0004" not in await say(stack, fake_telegram, "/person list")


@pytest.mark.parametrize(
    "line", ["/language de", "/language sv en", "/language " + "s" * 3000, "/language svenska"]
)
async def test_bad_language_words_change_nothing(
    stack: Stack, fake_twilio: Any, fake_telegram: Any, line: str
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)

    answer = await say(stack, fake_telegram, line)

    assert answer == "Usage: /language sv|en|pl"
    async with stack.core.sessions() as session:
        assert await session.get(ChatLanguage, SUPERUSER_ID) is None


async def test_a_language_word_in_capitals_is_understood(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)

    answer = await say(stack, fake_telegram, "/language SV")
    shown = await say(stack, fake_telegram, "/language")

    assert answer == "Från och med nu svarar jag på svenska."
    assert "svenska" in shown
    assert await say(stack, fake_telegram, "/language en") == "From now on I answer in English."


async def test_a_corrected_month_certifies_the_current_version(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)
    await record_hours(
        stack.core,
        PROJECT,
        person_ref="P-0002",
        activity_ref="A-001",
        day=date(2026, 10, 7),
        minutes=120,
        actor="test",
        correction=True,
    )
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")

    answer = await say(stack, fake_telegram, "/certificate P-0002 2026-10 en")

    assert "(waiting for a signature)" in answer  # version 2 waits; version 1 was signed
    text = pdf_text(documents(fake_telegram)[0]["content"])
    assert "version 2" in text and "2026-10-07" in text and "Total 23 h" in text
    assert "Not signed electronically" in text and "Receipt" not in text


async def test_a_disputed_month_and_a_deactivated_person(
    stack: Stack, fake_twilio: Any, fake_telegram: Any
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)
    await stack.sms("+46701234561", "NEJ jag var sjuk den 6:e", "SM" + "8" * 32)
    assert "inactive" in await say(stack, fake_telegram, "/person deactivate P-0003")

    disputed = await say(stack, fake_telegram, "/certificate P-0001 2026-10 en")
    inactive = await say(stack, fake_telegram, "/certificate P-0003 2026-10 en")
    export = await say(stack, fake_telegram, "/export 2026-10 en")

    assert disputed.endswith("(disputed).")
    assert inactive.startswith("Attendance certificate of P-0003 Person 3")
    assert export.startswith("ESF-1, 2026-10. People: 3,")
    pdfs = documents(fake_telegram)
    # The dispute itself, not lines for a handwritten signature.
    assert "Disputed by Person 1 on" in pdf_text(pdfs[0]["content"])
    assert "jag var sjuk den 6:e" in pdf_text(pdfs[0]["content"])
    workbook = load_workbook(io.BytesIO(pdfs[2]["content"]), read_only=True)
    states = {row[0]: row[5] for row in workbook["Summaries"].iter_rows(values_only=True)}
    assert states["P-0001"] == "disputed"


async def test_a_project_with_nobody(stack: Stack, fake_telegram: Any) -> None:
    assert "created" in await say(stack, fake_telegram, "/project new ESF-9 Empty")
    await say(stack, fake_telegram, "/project use ESF-9")

    export = await say(stack, fake_telegram, "/export 2026-10")
    certificate = await say(stack, fake_telegram, "/certificate P-0001 2026-10")

    assert export == "Nobody has hours in 2026-10; there is nothing to export."
    assert certificate == "There is no person 'P-0001' in ESF-9; see /person list."
    assert documents(fake_telegram) == []


async def test_no_project_chosen(stack: Stack, fake_telegram: Any) -> None:
    answer = await say(stack, fake_telegram, "/export 2026-10")

    assert answer == "Choose a project first: /project use <code>."


async def test_odd_names_reach_both_documents_and_stay_out_of_the_log(
    stack: Stack, fake_telegram: Any, caplog: pytest.LogCaptureFixture
) -> None:
    await create_project(stack.core, code=PROJECT, name="Projekt \u202e李", actor="test")
    from bot.usecases.roster.registry import add_activity

    await add_activity(
        stack.core,
        PROJECT,
        name="=1+1 \x01 Kurs 中文",
        kind="training",
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 12, 31),
        actor="test",
    )
    for n, name in enumerate(ODD_NAMES, start=1):
        await add_person(stack.core, PROJECT, NewPerson(name, f"+4670123450{n}"), actor="test")
        await record_hours(
            stack.core,
            PROJECT,
            person_ref=f"P-{n:04d}",
            activity_ref="A-001",
            day=date(2026, 10, 1),
            minutes=60,
            actor="test",
        )
    await close_month(stack.core, PROJECT, OCTOBER, actor="test")
    await say(stack, fake_telegram, "/project use ESF-1")
    caplog.set_level(logging.INFO)

    export = await say(stack, fake_telegram, "/export 2026-10 en")
    answers = [
        await say(stack, fake_telegram, f"/certificate P-{n:04d} 2026-10 en")
        for n in range(1, len(ODD_NAMES) + 1)
    ]

    assert export.startswith(f"ESF-1, 2026-10. People: {len(ODD_NAMES)},")
    assert all(a.startswith("Attendance certificate of P-") for a in answers)
    [workbook_file, *pdfs] = documents(fake_telegram)
    workbook = load_workbook(io.BytesIO(workbook_file["content"]))
    names = {row[0].value: row[1] for row in workbook["Summaries"].iter_rows(min_row=2)}
    assert names["P-0001"].value == "Anna \U0001f600 Berg"
    assert names["P-0004"].value == "NullByte"  # a worksheet cannot hold \x01
    assert names["P-0007"].value.startswith("=HYPERLINK") and names["P-0007"].data_type == "s"
    activity = next(workbook["Hours"].iter_rows(min_row=2))[3]
    assert activity.value == "=1+1  Kurs 中文" and activity.data_type == "s"
    texts = [pdf_text(pdf["content"]) for pdf in pdfs]
    assert "Anna \U0001f600 Berg (P-0001)" in texts[0]
    assert "\ufffd\ufffd (P-0002)" in texts[1]  # visibly missing, not a silent gap
    assert "NullByte (P-0004)" in texts[3] and "Override (P-0005)" in texts[4]
    assert "Line Break (P-0008)" in texts[7]
    for record in caplog.records:  # no name, whole or in letters, in the log
        message = record.getMessage()
        assert "李" not in message and "Anna" not in message and "+4670" not in message


def test_renderers_take_any_text_directly() -> None:
    """The renderers themselves, for names that are nothing but what they cannot draw."""
    document = (
        '{"activities": [{"ref": "A-001", "name": "\\u0000\\u4e2d", "minutes": 60,'
        ' "days": [{"day": "2026-10-01", "minutes": 60}]}], "total_minutes": 60}'
    )
    now = datetime(2026, 11, 3, tzinfo=UTC)
    for name in ["\x00", "\u202e", "", "W" * 200, "\U0001f600" * 50]:
        made = Certificate(
            "ESF-1",
            name,
            "P-0001",
            name,
            "staff",
            OCTOBER,
            1,
            "0" * 64,
            document,
            "sent",
            None,
            now,
        )
        assert render_certificate(made, "sv").startswith(b"%PDF")
        person = PersonMonth("P-0001", name, "staff", 60, None, None, None, None, None, None, None)
        book = MonthWorkbook("pl")
        book.add_people([person])
        book.add_days(
            [RecordedDay("P-0001", name, "A-001", name, "training", OCTOBER.first_day, 60)]
        )
        assert book.finish().startswith(b"PK")


def test_a_workbook_given_up_half_way_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export failing between batches (the database gone, say) takes its sheets'
    temporary files, the month's names, with it, and nothing complains when collected."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where openpyxl puts them
    book = MonthWorkbook("sv")
    book.add_days([RecordedDay("P-0001", "Anna", "A-001", "Kurs", "training", date.today(), 60)])
    assert len(list(tmp_path.iterdir())) == 2

    book.discard()
    del book
    gc.collect()

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ["2026-00", "2026-13", "0001-01", "9999-12", "2026-1", "26-10"])
def test_odd_months_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="is not a month"):
        Month.parse(text)


def test_unicode_digits_read_as_the_month_they_show() -> None:
    assert str(Month.parse("２０２６-１０")) == "2026-10"
    assert Month.parse("9998-12").last_day == date(9998, 12, 31)


async def test_the_shell_says_so_when_it_cannot_write_the_file(
    stack: Stack,
    fake_twilio: Any,
    fake_telegram: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await october_with_one_signature(stack, fake_twilio, fake_telegram)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "timesign-ESF-1-2026-10.xlsx").mkdir()  # in the way, even for root

    with pytest.raises(InputError) as refused:
        await run_admin(stack.settings, "ESF-1", ["export", "2026-10"])

    assert str(refused.value).startswith(
        f"Could not write {tmp_path / 'timesign-ESF-1-2026-10.xlsx'} ("
    )
    assert str(refused.value).endswith("run it from a folder you may write to.")


async def test_the_shell_refuses_language(stack: Stack) -> None:
    with pytest.raises(InputError, match="The shell answers in English"):
        await run_admin(stack.settings, None, ["language", "sv"])

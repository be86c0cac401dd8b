"""Long lists in the chat: one message with a header, Previous / Next buttons that edit that
message in place, and the whole list as a CSV file; the shell still prints everything."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.commands.runner import run_command
from bot.core.access import Actor
from bot.core.i18n import Message
from bot.core.list_file import csv_file
from bot.core.list_pages import CALLBACK_BYTES, MESSAGE_CHARS, render
from bot.core.listing import Entry, Listing, View
from bot.roots.admin import CLI, run_admin
from storage.tables import AuditEvent
from tests.crowd import unsigned_crowd
from tests.stack import Stack, next_update_id
from tests.test_commands import COORDINATOR, OTHER, VIEWER, say, setup_projects

PEOPLE = 2000


def keyboard(params: dict[str, Any]) -> dict[str, str]:
    """The inline buttons of a sendMessage or editMessageText: label -> command line."""
    markup = params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


def messages_to(fake: Any, chat: int) -> list[dict[str, Any]]:
    return [p for p in fake.calls("sendMessage") if str(p["chat_id"]) == str(chat)]


async def press_on(stack: Stack, fake: Any, user: int, data: str, message_id: int | None) -> None:
    """``user`` presses a button carrying ``data`` on message ``message_id`` of their chat
    (None: a press whose message Telegram no longer tells)."""
    update_id = next_update_id()
    query: dict[str, Any] = {
        "id": str(update_id),
        "from": {"id": user, "is_bot": False, "first_name": "C", "language_code": "en"},
        "chat_instance": "1",
        "data": data,
    }
    if message_id is not None:
        query["message"] = {
            "message_id": message_id,
            "date": 1762160400,
            "chat": {"id": user, "type": "private", "first_name": "C"},
            "from": {"id": 123456, "is_bot": True, "first_name": "timesign"},
            "text": "…",
        }
    response = await stack.client.post(
        "/webhooks/telegram",
        data=json.dumps({"update_id": update_id, "callback_query": query}),
        headers={"X-Telegram-Bot-Api-Secret-Token": "telegram-webhook-secret"},
    )
    assert response.status == 200
    await stack.settled()


async def test_two_thousand_unsigned_people_are_one_message_turned_in_place(
    stack: Stack, fake_telegram: Any
) -> None:
    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)
    await unsigned_crowd(stack.core, "ESF-1", PEOPLE)
    before = len(messages_to(fake, c))

    await say(stack, fake, c, "/unsigned 2026-10")

    [first] = messages_to(fake, c)[before:]
    text = str(first["text"])
    header = text.splitlines()[0]
    assert header.startswith(f"Not signed for 2026-10: {PEOPLE} people, page 1 of ")
    pages = int(header.rsplit(" ", 1)[1])
    assert 30 < pages < 100 and len(text) <= MESSAGE_CHARS
    assert "Waiting for a signature (2000):" in text and "- P-0001 Person number 1:" in text
    buttons = keyboard(first)
    assert "« Previous" not in buttons
    assert buttons["Next »"] == "@1 unsigned 2026-10 page 2"
    assert buttons["As a file (CSV)"] == "@1 unsigned 2026-10 file"
    assert buttons["Remind P-0001"] == "@1 remind 2026-10 P-0001"  # pinned to ESF-1 too
    assert len(buttons) <= 100 and all(len(line.encode()) <= 64 for line in buttons.values())
    message_id = fake.message_id_of(first)

    await press_on(stack, fake, c, buttons["Next »"], message_id)

    [turned] = fake.edits_of(c, message_id)
    assert str(turned["text"]).startswith(f"Not signed for 2026-10: {PEOPLE} people, page 2 of")
    assert "Waiting for a signature (2000):" in turned["text"]  # the group's title again
    assert "- P-0001 " not in turned["text"]
    assert keyboard(turned)["« Previous"] == "@1 unsigned 2026-10 page 1"
    assert keyboard(turned)["Next »"] == "@1 unsigned 2026-10 page 3"
    assert len(messages_to(fake, c)) == before + 1  # no new message

    await press_on(stack, fake, c, keyboard(turned)["« Previous"], message_id)

    back = fake.edits_of(c, message_id)[-1]
    assert back["text"] == text and keyboard(back) == buttons

    await press_on(stack, fake, c, buttons["As a file (CSV)"], message_id)

    [document] = [p for p in fake.calls("sendDocument") if str(p["chat_id"]) == str(c)]
    assert document["caption"] == f"Not signed for 2026-10: {PEOPLE} people"
    assert len(messages_to(fake, c)) == before + 1  # the document alone, no line before it
    assert document["document"]["filename"] == "unsigned-ESF-1-2026-10.csv"
    rows = list(csv.reader(io.StringIO(document["document"]["content"].decode("utf-8-sig"))))
    assert rows[0][:3] == ["Person", "Name", "State"]
    assert len(rows) == PEOPLE + 1
    assert {row[0] for row in rows[1:]} == {f"P-{n:04d}" for n in range(1, PEOPLE + 1)}
    assert rows[1][:3] == ["P-0001", "Person number 1", "Waiting for a signature"]


async def test_a_page_is_made_for_the_presser_and_the_list_it_belongs_to(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    await unsigned_crowd(stack.core, "ESF-1", 120)
    await say(stack, fake, VIEWER, "/unsigned 2026-10")
    shown = messages_to(fake, VIEWER)[-1]
    viewer_buttons = keyboard(shown)
    assert set(viewer_buttons) == {"Next »", "As a file (CSV)"}  # a viewer reminds nobody
    message_id = fake.message_id_of(shown)

    # The admin of another project forges the press: the same refusal as for the command.
    await press_on(stack, fake, OTHER, viewer_buttons["Next »"], message_id)
    assert "no access to that project" in messages_to(fake, OTHER)[-1]["text"]
    assert fake.edits_of(OTHER, message_id) == []
    # A viewer pressing a coordinator's button is refused like the command itself.
    await press_on(stack, fake, VIEWER, "@1 remind 2026-10 P-0001", message_id)
    assert "needs the coordinator role" in messages_to(fake, VIEWER)[-1]["text"]
    async with stack.core.sessions() as session:
        refused = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "access.refused"))
        ).all()
    assert len(refused) == 2
    # Forged pins and a page past the end: a sentence each, and the message stays as it was.
    for forged, sentence in (
        ("@99 unsigned 2026-10 page 2", "no access to that project"),
        ("@x1 unsigned 2026-10 page 2", "no access to that project"),
        ("@1 unsigned 2026-10 page 99", "This list has 4 pages now; there is no page 99."),
        ("@1 unsigned 2026-10 page -2", "'-2' is not a page; pages count from 1"),
    ):
        await press_on(stack, fake, VIEWER, forged, message_id)
        assert sentence in messages_to(fake, VIEWER)[-1]["text"], forged
    assert fake.edits_of(VIEWER, message_id) == []


async def test_a_list_keeps_its_project_after_the_chat_chooses_another(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    await unsigned_crowd(stack.core, "ESF-1", 120)
    su = 999  # a superuser may read both projects
    await say(stack, fake, su, "/project use ESF-1")
    await say(stack, fake, su, "/unsigned 2026-10")
    shown = messages_to(fake, su)[-1]
    await say(stack, fake, su, "/project use ESF-2")

    await press_on(stack, fake, su, keyboard(shown)["Next »"], fake.message_id_of(shown))

    [turned] = fake.edits_of(su, fake.message_id_of(shown))
    assert "page 2 of 4" in turned["text"] and "\n- P-0040 " in turned["text"]


async def test_typed_page_words_are_checked(stack: Stack, fake_telegram: Any) -> None:
    fake, v = fake_telegram, VIEWER
    await setup_projects(stack, fake)
    await unsigned_crowd(stack.core, "ESF-1", 120)

    assert (await say(stack, fake, v, "/unsigned 2026-10 page 2")).startswith(
        "Not signed for 2026-10: 120 people, page 2 of 4\n"
    )
    assert await say(stack, fake, v, "/unsigned 2026-10 page 999999") == (
        "This list has 4 pages now; there is no page 999999."
    )
    assert await say(stack, fake, v, "/unsigned 2026-10 page " + "9" * 5000) == (
        "This list has 4 pages now; there is no page …."
    )
    for word in ("-1", "0", "x", "٣", "2.5"):
        answer = await say(stack, fake, v, f"/unsigned 2026-10 page {word}")
        assert answer == f"'{word}' is not a page; pages count from 1, as in page 2.", word
    assert await say(stack, fake, v, "/unsigned 2026-10 page") == "Which page? Write it as page 2."
    assert "Usage: /unsigned" in await say(stack, fake, v, "/unsigned 2026-10 11")
    assert "page 2 of " in await say(stack, fake, v, "/person list page 2")
    assert "Usage: /person list" in await say(stack, fake, v, "/person list everyone")


async def test_a_page_that_cannot_be_edited_comes_as_a_new_message(
    stack: Stack, fake_telegram: Any
) -> None:
    fake, v = fake_telegram, VIEWER
    await setup_projects(stack, fake)
    await unsigned_crowd(stack.core, "ESF-1", 120)
    await say(stack, fake, v, "/person list")
    shown = messages_to(fake, v)[-1]
    next_line = keyboard(shown)["Next »"]
    message_id = fake.message_id_of(shown)

    fake.fail_method(
        "editMessageText", status=400, description="Bad Request: message can't be edited"
    )
    await press_on(stack, fake, v, next_line, message_id)
    assert "page 2 of" in messages_to(fake, v)[-1]["text"]

    before = len(messages_to(fake, v))
    fake.fail_method(
        "editMessageText",
        status=400,
        description="Bad Request: message is not modified: specified new message content "
        "and reply markup are exactly the same",
    )
    await press_on(stack, fake, v, next_line, message_id)
    assert len(messages_to(fake, v)) == before  # already showing that page

    await press_on(stack, fake, v, next_line, None)  # Telegram did not say which message
    assert "page 2 of" in messages_to(fake, v)[-1]["text"]


async def test_the_shell_prints_the_whole_list_and_writes_the_file(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = await run_command(stack.core, CLI, None, ["project", "new", "ESF-1", "J"])
    assert "created" in created.text
    await unsigned_crowd(stack.core, "ESF-1", 300)

    listed = await run_command(stack.core, CLI, "ESF-1", ["person", "list"])
    unsigned = await run_command(stack.core, CLI, "ESF-1", ["unsigned", "2026-10"])
    as_file = await run_command(stack.core, CLI, "ESF-1", ["unsigned", "2026-10", "file"])

    lines = listed.text.splitlines()
    assert len(lines) == 300 and lines[0].startswith("P-0001 Person number 1 (participant")
    assert listed.page is None and listed.buttons == ()
    assert unsigned.text.splitlines()[:2] == [
        "Not signed for 2026-10: 300",
        "Waiting for a signature (300):",
    ]
    assert len(unsigned.text.splitlines()) == 302
    assert as_file.attachment is not None and as_file.text == ""
    assert as_file.attachment.caption == "Not signed for 2026-10: 300 people"
    assert as_file.attachment.name == "unsigned-ESF-1-2026-10.csv"
    assert len(as_file.attachment.content.decode("utf-8-sig").splitlines()) == 301
    monkeypatch.chdir(tmp_path)
    printed = await run_admin(stack.settings, "ESF-1", ["unsigned", "2026-10", "file"])
    written = tmp_path / "unsigned-ESF-1-2026-10.csv"
    assert printed == f"Not signed for 2026-10: 300 people\n{written}"
    assert written.read_bytes() == as_file.attachment.content


async def test_short_lists_are_one_page_without_a_pager(stack: Stack, fake_telegram: Any) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    await say(stack, fake, COORDINATOR, "/activity add Kurs training 2026-09-01 2026-12-31")
    assert await say(stack, fake, VIEWER, "/activity list") == (
        "Activities of ESF-1: 1 activity\nA-001 Kurs (training, 2026-09-01 to 2026-12-31)"
    )
    assert "reply_markup" not in messages_to(fake, VIEWER)[-1]
    actor = Actor(name="test", superuser=True, language="en")
    reply = await run_command(stack.core, actor, "ESF-1", ["activity", "list", "file"])
    assert reply.attachment is not None
    assert reply.attachment.content.decode("utf-8-sig").splitlines() == [
        "Activity,Name,Kind,Starts,Ends",
        "A-001,Kurs,training,2026-09-01,2026-12-31",
    ]


def _long_listing(lines: int, name: str = "x") -> Listing:
    entries = [
        Entry(Message("%(ref)s %(name)s", ref=f"P-{n:06d}", name=name), (f"P-{n:06d}", name))
        for n in range(lines)
    ]
    return Listing(
        title=Message("%(ref)s %(name)s in %(month)s", ref="P-999999", name=name, month="2026-10"),
        count=Message("%(n)s recorded day", n=lines),
        command="hours show P-999999 2026-10",
        columns=("Person", "Name"),
        sections=Listing.of(entries),
        file_name="hours.csv",
    )


def test_every_page_fits_telegram_whatever_the_names_and_numbers() -> None:
    huge = 999_999_999  # the longest project id a pin takes
    for name in ("Eva", "Å" * 300, "x" * 5000):
        listing = _long_listing(3000, name)
        first = render(listing, "pl", View(), chat=True, project_id=huge)
        assert first.page is not None
        last = render(listing, "pl", View(page=first.page.count), chat=True, project_id=huge)
        for reply in (first, last):
            assert len(reply.text) <= MESSAGE_CHARS
            assert len(reply.text.splitlines()) > 3  # entries, whatever the title's length
            assert {label for label, _ in reply.buttons} <= {
                "« Poprzednia",
                "Następna »",
                "Jako plik (CSV)",
            }
            assert all(len(line.encode()) <= CALLBACK_BYTES for _, line in reply.buttons)
        assert len(last.buttons) == 2  # Previous and As a file


def test_a_cell_a_spreadsheet_would_run_is_written_as_text() -> None:
    listing = Listing(
        title=Message("People in %(project)s", project="ESF-1"),
        count=Message("%(n)s person", n=3),
        command="person list",
        columns=(Message("Name"), Message("Phone")),
        sections=Listing.of(
            [
                Entry(Message("a"), ('=HYPERLINK("http://x","y")', "+46*****71")),
                Entry(Message("b"), ("@SUM(A1)", "-2+3")),
                Entry(Message("c"), ('Åsa Öberg; "Ola"', "")),
            ]
        ),
        file_name="people.csv",
    )
    content = csv_file(listing, "sv").decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows == [
        ["Namn", "Telefon"],
        ['\'=HYPERLINK("http://x","y")', "+46*****71"],
        ["'@SUM(A1)", "'-2+3"],
        ['Åsa Öberg; "Ola"', ""],
    ]

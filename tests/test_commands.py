"""Coordinator commands through the Telegram webhook, answers read from the fake Bot API."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from bot.commands.runner import COMMANDS, run_command
from bot.core.access import Actor
from bot.roots.admin import CLI
from storage.tables import AuditEvent, MonthlySummary, Person, TimeEntry
from storage.tables import Project as ProjectRow
from tests.stack import (
    SUPERUSER_ID,
    WEBHOOK_SECRET,
    Stack,
    command_update,
    next_update_id,
    post_update_and_answer,
    say_command,
)

ADMIN, COORDINATOR, VIEWER, OTHER, STRANGER = 101, 102, 103, 104, 105


async def say(stack: Stack, fake: Any, user: int, text: str, update_id: int | None = None) -> str:
    return await say_command(stack, fake, user, text, update_id=update_id)


async def setup_projects(stack: Stack, fake: Any) -> None:
    su = SUPERUSER_ID
    assert "created" in await say(stack, fake, su, "/project new ESF-1 Jobbsteget Malmö")
    assert "created" in await say(stack, fake, su, "/project new ESF-2 Other project")
    assert "works on ESF-1" in await say(stack, fake, su, "/project use ESF-1")
    for user, role in ((ADMIN, "admin"), (COORDINATOR, "coordinator"), (VIEWER, "viewer")):
        answer = await say(stack, fake, su, f"/coordinator add {user} {role}")
        assert f"now {role} of ESF-1" in answer
    await say(stack, fake, su, "/project use ESF-2")
    await say(stack, fake, su, f"/coordinator add {OTHER} admin")
    for user, code in ((ADMIN, 1), (COORDINATOR, 1), (VIEWER, 1), (OTHER, 2)):
        assert f"works on ESF-{code}" in await say(stack, fake, user, f"/project use ESF-{code}")


async def eva_with_hours(stack: Stack, fake: Any) -> None:
    """P-0001 Eva with 6 h on A-001 (training) on 2026-10-14, recorded by the coordinator."""
    for line in (
        "/activity add Kurs training 2026-09-01 2026-12-31",
        "/person add Eva 0701234571",
        "/hours Eva A-001 2026-10-14 6",
    ):
        await say(stack, fake, COORDINATOR, line)


async def test_a_coordinator_runs_a_month_from_the_chat(stack: Stack, fake_telegram: Any) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    c = COORDINATOR
    answer = await say(
        stack, fake, c, "/activity add Svenska för yrket training 2026-09-01 2026-12-31"
    )
    assert answer.startswith("A-001 Svenska för yrket")
    answer = await say(stack, fake, c, '/person add "Anna Berg" 0701234567 participant sv')
    assert answer.startswith("P-0001 Anna Berg")
    assert "7.5 h" in await say(stack, fake, c, "/hours P-0001 A-001 2026-10-14 7,5")
    assert "7.5 h" in await say(
        stack, fake, c, '/hours "Anna Berg" "Svenska för yrket" 2026-10-15 7:30'
    )
    assert "7.5 h" in await say(stack, fake, c, "/hours +46701234567 A-001 2026-10-16 7.5")
    assert "Anna Berg" in await say(stack, fake, c, "/person list")
    assert "+46701234567" not in await say(stack, fake, c, "/person list")
    assert "1 person, 22.5 h" in await say(stack, fake, c, "/close 2026-10")
    assert "1 summary queued" in await say(stack, fake, c, "/close 2026-10 confirmed")
    assert "P-0001 Anna Berg" in await say(stack, fake, VIEWER, "/unsigned 2026-10")
    assert "1 sent" in await say(stack, fake, VIEWER, "/status 2026-10")


async def test_refusals_name_the_rule_and_change_nothing(stack: Stack, fake_telegram: Any) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    c = COORDINATOR
    await say(stack, fake, c, "/activity add Praktik internship 2026-09-01 2026-12-31")
    await say(stack, fake, c, "/person add Bo 0701234568")
    assert "at most 8 h a day" in await say(stack, fake, c, "/hours P-0001 A-001 2026-10-14 8.25")
    assert "Sunday" in await say(stack, fake, c, "/hours P-0001 A-001 2026-10-11 2")
    assert "not an amount of hours" in await say(stack, fake, c, "/hours P-0001 A-001 2026-10-14 x")
    assert "not a date" in await say(stack, fake, c, "/hours P-0001 A-001 14/10 2")
    assert "no person" in await say(stack, fake, c, "/hours P-0099 A-001 2026-10-14 2")
    assert "Usage" in await say(stack, fake, c, "/hours P-0001")
    assert "quote" in await say(stack, fake, c, '/person add "Anna 0701234567')
    assert "do not know" in await say(stack, fake, c, "/frobnicate")
    async with stack.core.sessions() as session:
        assert (await session.exec(select(TimeEntry))).all() == []


# Every command, with the least role the product card gives it (not read from the code).
MATRIX: list[tuple[tuple[str, str | None], str, str]] = [
    (("project", "new"), "/project new ESF-9 Nine", "superuser"),
    (("project", "show"), "/project show", "viewer"),
    (("project", "set"), "/project set close 5 08:00", "admin"),
    (("coordinator", "add"), "/coordinator add 4242 viewer", "admin"),
    (("activity", "add"), "/activity add X other 2026-10-01 2026-10-31", "coordinator"),
    (("activity", "list"), "/activity list", "viewer"),
    (("activity", "end"), "/activity end A-001 2026-12-31", "coordinator"),
    (("person", "add"), "/person add Cecilia 0701234569", "coordinator"),
    (("person", "list"), "/person list", "viewer"),
    (("person", "show"), "/person show P-0001", "viewer"),
    (("person", "edit"), "/person edit P-0001 language pl", "coordinator"),
    (("person", "invite"), "/person invite P-0001", "coordinator"),
    (("person", "deactivate"), "/person deactivate P-0002", "coordinator"),
    (("hours", None), "/hours P-0001 A-001 2026-10-15 2", "coordinator"),
    (("hours", "show"), "/hours show P-0001 2026-10", "viewer"),
    (("hours", "delete"), "/hours delete P-0001 A-001 2026-10-15", "coordinator"),
    (("import", None), "/import list.csv", "coordinator"),
    (("close", None), "/close 2026-10", "coordinator"),
    (("unsigned", None), "/unsigned", "viewer"),
    (("status", None), "/status", "viewer"),
    (("remind", None), "/remind 2026-10", "coordinator"),
    (("reissue", None), "/reissue P-0001 2026-10", "coordinator"),
    (("certificate", None), "/certificate P-0001 2026-10", "viewer"),
    (("export", None), "/export 2026-10", "viewer"),
    (("evidence", None), "/evidence 2026-10", "viewer"),
]
ACCESS_REFUSED = ("needs the", "no access", "Only a superuser", "Choose a project")


def test_the_matrix_covers_every_command() -> None:
    assert sorted((key for key, _, _ in MATRIX), key=str) == sorted(COMMANDS, key=str)


async def test_the_authorization_matrix(stack: Stack, fake_telegram: Any) -> None:
    """Stranger, viewer, coordinator, admin, superuser and another project's admin,
    each against every command."""
    fake = fake_telegram
    await setup_projects(stack, fake)
    await eva_with_hours(stack, fake)
    await say(stack, fake, COORDINATOR, "/person add Bo 0701234572")
    await say(stack, fake, SUPERUSER_ID, "/project use ESF-1")
    rank = ["stranger", "viewer", "coordinator", "admin", "superuser"]
    users = {STRANGER: "stranger", VIEWER: "viewer", COORDINATOR: "coordinator"}
    users |= {ADMIN: "admin", SUPERUSER_ID: "superuser"}
    refused_count = 0
    for _, command, least in MATRIX:
        stack.clock.advance(minutes=1)  # a stranger may send ten messages a minute
        for user, role in users.items():
            answer = await say(stack, fake, user, command)
            allowed = rank.index(role) >= rank.index(least)
            refused = any(w in answer for w in ACCESS_REFUSED)
            assert refused != allowed, (role, command, answer)
            refused_count += refused
        # ESF-2's admin runs the same line on ESF-2: nothing of ESF-1 shows.
        answer = await say(stack, fake, OTHER, command)
        assert "Eva" not in answer and "ESF-1" not in answer, (command, answer)
        refused_count += any(w in answer for w in ACCESS_REFUSED)
    # The other project's admin sees nothing of ESF-1.
    answer = await say(stack, fake, OTHER, "/project use ESF-1")
    assert "no access" in answer
    async with stack.core.sessions() as session:
        refusals = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "access.refused"))
        ).all()
    assert len(refusals) == refused_count + 1  # every refused attempt is audited


async def test_help_shows_what_the_role_may_do(stack: Stack, fake_telegram: Any) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    viewer_help = await say(stack, fake, VIEWER, "/help")
    assert "/unsigned" in viewer_help and "/close" not in viewer_help
    assert "/close" in await say(stack, fake, COORDINATOR, "/help")
    assert "/coordinator add" in await say(stack, fake, ADMIN, "/help")
    assert "/coordinator" not in await say(stack, fake, STRANGER, "/help")


async def test_the_same_command_delivered_twice_acts_once(stack: Stack, fake_telegram: Any) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    await say(stack, fake, COORDINATOR, "/person add Dora 0701234570", update_id=77)
    response = await stack.client.post(
        "/webhooks/telegram",
        data=json.dumps(command_update(COORDINATOR, "/person add Dora 0701234570", update_id=77)),
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    assert response.status == 200
    await stack.settled()
    async with stack.core.sessions() as session:
        assert len((await session.exec(select(Person))).all()) == 1


async def test_long_lists_are_one_message_under_telegrams_limit(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    actor = Actor(name="test", superuser=True)
    for n in range(120):
        name = f"Person with a rather long name number {n:03d} " + "x" * 20
        await run_command(stack.core, actor, "ESF-1", ["person", "add", name, f"07012{n:05d}"])
    before = len(fake.texts_to(VIEWER))
    answer = await say(stack, fake, VIEWER, "/person list")
    assert len(fake.texts_to(VIEWER)) == before + 1 and len(answer) <= 4096
    assert answer.startswith("People in ESF-1: 120 people, page 1 of 4\n")
    assert "number 119" in await say(stack, fake, VIEWER, "/person list page 4")


async def test_the_shell_gives_the_same_answers(stack: Stack) -> None:
    cli = CLI
    created = await run_command(stack.core, cli, None, ["project", "new", "ESF-1", "J"])
    assert "created" in created.text
    answer = await run_command(
        stack.core, cli, "ESF-1", ["activity", "add", "A", "other", "2026-10-01", "2026-10-31"]
    )
    assert answer.text.startswith("A-001")
    no_project = await run_command(stack.core, cli, None, ["close", "2026-10"])
    assert no_project.refused and "Choose a project" in no_project.text
    bad_month = await run_command(stack.core, cli, "ESF-1", ["close", "October"])
    assert bad_month.refused and "not a month" in bad_month.text


async def test_roster_commands_edit_show_invite_and_delete(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    c = COORDINATOR
    await eva_with_hours(stack, fake)
    shown = await say(stack, fake, VIEWER, "/hours show Eva 2026-10")
    assert "2026-10-14 A-001 6 h" in shown and "6 h in all" in shown
    assert "language changed" in await say(stack, fake, c, "/person edit P-0001 language pl")
    assert "P-0001 Eva: participant, pl" in await say(stack, fake, VIEWER, "/person show P-0001")
    assert "must be one of" in await say(stack, fake, c, "/person edit P-0001 language de")
    assert "not linked Telegram" in await say(
        stack, fake, c, "/person edit P-0001 channel telegram"
    )
    assert "not a phone number" in await say(stack, fake, c, "/person edit P-0001 phone abc")
    invite = await say(stack, fake, c, "/person invite P-0001")
    assert "https://t.me/timesign_test_bot?start=" in invite
    assert "has hours on 2026-10-14" in await say(stack, fake, c, "/activity end A-001 2026-10-01")
    assert "Deleted" in await say(stack, fake, c, "/hours delete P-0001 A-001 2026-10-14")
    assert "no hours" in await say(stack, fake, c, "/hours delete P-0001 A-001 2026-10-14")
    assert "now ends on 2026-10-01" in await say(stack, fake, c, "/activity end A-001 2026-10-01")
    assert "is inactive" in await say(stack, fake, c, "/person deactivate P-0001")
    assert "Eva" not in await say(stack, fake, VIEWER, "/person list")
    assert "needs the coordinator role" in await say(stack, fake, VIEWER, "/person deactivate Eva")


async def test_close_in_chat_asks_for_a_button_press_first(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    c = COORDINATOR
    await eva_with_hours(stack, fake)
    preview = await say(stack, fake, c, "/close 2026-10")
    assert "1 person, 6 h in all" in preview
    markup = only_keyboard(fake, c)
    data = markup["inline_keyboard"][0][0]["callback_data"]
    assert data == "close 2026-10 confirmed"
    async with stack.core.sessions() as session:
        assert (await session.exec(select(MonthlySummary))).all() == []
    # A viewer pressing the same button is refused like the command itself.
    assert "needs the coordinator role" in await press(stack, fake, VIEWER, data)
    assert "1 summary queued" in await press(stack, fake, c, data)


def only_keyboard(fake: Any, chat: int) -> dict[str, Any]:
    """The one inline keyboard sent to ``chat`` so far."""
    [markup] = [
        json.loads(p["reply_markup"]) if isinstance(p["reply_markup"], str) else p["reply_markup"]
        for p in fake.calls("sendMessage")
        if "reply_markup" in p and str(p["chat_id"]) == str(chat)
    ]
    return dict(markup)


async def press(stack: Stack, fake: Any, user: int, data: str) -> str:
    update_id = next_update_id()
    payload = {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": {"id": user, "is_bot": False, "first_name": "C", "language_code": "en"},
            "chat_instance": "1",
            "data": data,
        },
    }
    return await post_update_and_answer(stack, fake, user, payload)


async def test_unsigned_buttons_remind_and_issue_a_new_code(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    c = COORDINATOR
    await eva_with_hours(stack, fake)
    await say(stack, fake, c, "/close 2026-10 confirmed")
    listing = await say(stack, fake, c, "/unsigned 2026-10")
    assert "P-0001 Eva" in listing and "no reminder yet" in listing
    markup = only_keyboard(fake, c)
    remind, new_code = (row[0]["callback_data"] for row in markup["inline_keyboard"])
    # Pinned to the project the list was made in (@1: ESF-1).
    assert (remind, new_code) == ("@1 remind 2026-10 P-0001", "@1 reissue P-0001 2026-10")
    assert "Reminded P-0001" in await press(stack, fake, c, remind)
    assert "last reminder 2026-11-03 (1 sent)" in await say(
        stack, fake, VIEWER, "/unsigned 2026-10"
    )
    assert "P-0001" in await press(stack, fake, c, new_code)
    assert "needs the coordinator role" in await press(stack, fake, VIEWER, new_code)
    # A viewer's list carries no buttons.
    viewer_markups = [p for p in fake.calls("sendMessage") if str(p["chat_id"]) == str(VIEWER)]
    assert not any(p.get("reply_markup") for p in viewer_markups)
    assert "Usage" in await say(stack, fake, c, "/reissue P-0001")
    assert "nothing to sign" in await say(stack, fake, c, "/remind 2026-09 P-0001")


async def test_admins_set_the_reminder_policy_and_the_scheduled_close(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    shown = await say(stack, fake, VIEWER, "/project show")
    assert "first after 3 days, then every 3 days, at most 3, 09:00-19:00" in shown
    assert "Scheduled close: off" in shown
    answer = await say(stack, fake, ADMIN, "/project set reminders 2 4 5 8-18")
    assert "first after 2 days, then every 4 days, at most 5, 08:00-18:00" in answer
    answer = await say(stack, fake, ADMIN, "/project set close 5 08:30")
    assert "day 5 of the next month at 08:30" in answer
    assert "Scheduled close: off" in await say(stack, fake, ADMIN, "/project set close off")
    for bad, why in (
        ("/project set reminders 2 4 5 18-8", "must come before"),
        ("/project set reminders 0 4 5 8-18", "from 1 to 30"),
        ("/project set close 32 08:00", "from 1 to 31"),
        ("/project set close 5 25:00", "not a time of day"),
        ("/project set holidays 1", "Usage"),
    ):
        assert why in await say(stack, fake, ADMIN, bad), bad
    assert "needs the admin role" in await say(stack, fake, COORDINATOR, "/project set close off")
    async with stack.core.sessions() as session:
        project = (await session.exec(select(ProjectRow).where(ProjectRow.code == "ESF-1"))).one()
    assert (project.reminder_first_days, project.reminder_max) == (2, 5)
    assert project.close_day is None


async def test_hours_answers_say_what_was_replaced_and_warn_of_saturdays(
    stack: Stack, fake_telegram: Any
) -> None:
    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)
    await eva_with_hours(stack, fake)  # 6 h on 2026-10-14
    answer = await say(stack, fake, c, "/hours Eva A-001 2026-10-14 5")
    assert answer == "Recorded 5 h for P-0001 on A-001, 2026-10-14, replacing 6 h."
    saturday = await say(stack, fake, c, "/hours Eva A-001 2026-10-17 3")
    assert saturday.splitlines() == [
        "Recorded 3 h for P-0001 on A-001, 2026-10-17.",
        "Note: 2026-10-17 is a Saturday, and this activity is not normally held at weekends.",
    ]
    assert "needs the admin role" in await say(stack, fake, c, "/project set saturdays refuse")
    bad = await say(stack, fake, ADMIN, "/project set saturdays never")
    assert bad == "'never' is not a choice for Saturdays; write warn or refuse."
    shown = await say(stack, fake, ADMIN, "/project set saturdays refuse")
    assert "Saturday hours of activities not held at weekends: refused." in shown
    refusal = await say(stack, fake, c, "/hours Eva A-001 2026-10-24 3")
    assert refusal.startswith("2026-10-24 is a Saturday; this project records no Saturday")
    async with stack.core.sessions() as session:
        days = (await session.exec(select(TimeEntry.day).order_by(TimeEntry.day))).all()
    assert [str(day) for day in days] == ["2026-10-14", "2026-10-17"]


async def test_a_change_to_a_sent_month_says_it_is_sent_again(
    stack: Stack, fake_telegram: Any
) -> None:
    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)
    await eva_with_hours(stack, fake)
    await say(stack, fake, c, "/close 2026-10 confirmed")
    answer = await say(stack, fake, c, "/hours Eva A-001 2026-10-14 5")
    assert answer.splitlines()[1] == (
        "The unsigned version 1 of 2026-10 is withdrawn; the new one goes for signing at "
        "2026-11-03 10:00, or at once with /close 2026-10."
    )
    unsigned = await say(stack, fake, c, "/unsigned 2026-10")
    assert "Corrected, not sent again yet (1):\n- P-0001 Eva" in unsigned


async def test_diagnostics_name_the_wrong_word_and_what_would_be_right(
    stack: Stack, fake_telegram: Any
) -> None:
    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)
    await eva_with_hours(stack, fake)
    await say(stack, fake, c, '/person add "Anna Berg" 0701234572')
    for line, answer in (
        (
            "/hours Eva A-001 2026-11-31 2",
            "2026-11-31 does not exist: check the day and the month.",
        ),
        (
            '/person add "Hanna Ny" +46701112266 particpant',
            "'particpant' is not a kind of person or a language; did you mean participant? "
            "Write participant, staff, sv, en or pl.",
        ),
        (
            "/activity add Kurs trainig 2026-09-01 2026-12-31",
            "'trainig' is not a kind of activity; did you mean training? "
            "Write training, internship, counselling or other.",
        ),
        (
            "/person find Anna",
            "/person has no sub-command 'find'; "
            "it has add, deactivate, edit, invite, list or show.",
        ),
        ("/persons list", "I do not know the command 'persons'; did you mean /person? Try /help."),
        (
            '/hours "Ana Berg" A-001 2026-10-14 2',
            "There is no person 'Ana Berg'; did you mean Anna Berg (P-0002)?",
        ),
        ("/hours Eva Kurz 2026-10-14 2", "There is no activity 'Kurz'; did you mean Kurs (A-001)?"),
        (
            "/coordinator add 106 admn",
            "'admn' is not a role; did you mean admin? Write viewer, coordinator or admin.",
        ),
    ):
        assert await say(stack, fake, c if "coordinator" not in line else ADMIN, line) == answer
    async with stack.core.sessions() as session:
        assert len((await session.exec(select(Person))).all()) == 2  # nothing was added

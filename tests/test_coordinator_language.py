"""Coordinators read answers and notices in their language: chosen, or their Telegram app's."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from storage.tables import AuditEvent, Coordinator
from tests.stack import Stack, next_update_id, post_update_and_answer, say_command
from tests.test_commands import COORDINATOR, STRANGER, VIEWER, say, setup_projects


async def say_in(stack: Stack, fake: Any, user: int, text: str, app_language: str) -> str:
    """``text`` from a Telegram app set to ``app_language``."""
    return await say_command(stack, fake, user, text, language=app_language)


async def languages_of(stack: Stack, user: int) -> set[str]:
    async with stack.core.sessions() as session:
        rows = await session.exec(select(Coordinator).where(Coordinator.telegram_user_id == user))
        return {row.language for row in rows}


async def test_language_command_switches_answers_and_notices(
    stack: Stack, fake_telegram: Any
) -> None:
    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)

    assert await say(stack, fake, c, "/language sv") == "Från och med nu svarar jag på svenska."
    assert (
        await say(stack, fake, c, "/frobnicate")
        == "Jag känner inte till kommandot 'frobnicate'. Prova /help."
    )
    assert await say(stack, fake, c, "/language") == (
        "Svaren här är på svenska. Byt med /language sv, en eller pl."
    )
    assert await say(stack, fake, c, "/language de") == "Användning: /language sv|en|pl"
    assert await languages_of(stack, c) == {"sv"}  # notices follow the choice

    assert await say(stack, fake, c, "/language pl") == "Od teraz odpowiadam po polsku."
    assert await languages_of(stack, c) == {"pl"}
    assert await say(stack, fake, c, "/language en") == "From now on I answer in English."


async def test_without_a_choice_answers_follow_the_telegram_app(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)

    refusal = await say_in(stack, fake, VIEWER, "/hours P-0001 A-001 2026-10-14 2", "pl")

    assert (
        refusal == "Rejestrowanie godzin wymaga roli „koordynator”; tutaj masz rolę „obserwator”."
    )
    assert await languages_of(stack, VIEWER) == {"pl"}
    # An app in a language timesign does not speak: the language read last (pl).
    refusal = await say_in(stack, fake, VIEWER, "/hours P-0001 A-001 2026-10-14 2", "de")
    assert refusal.startswith("Rejestrowanie godzin")


async def test_a_button_press_is_answered_in_the_language_of_the_typed_commands(
    stack: Stack, fake_telegram: Any
) -> None:
    from tests.test_commands import eva_with_hours

    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)  # ESF-1 speaks Swedish
    await eva_with_hours(stack, fake)
    assert (await say_in(stack, fake, c, "/close 2026-10", "en")).startswith(
        "Close 2026-10 for ESF-1"
    )
    # Telegram clients may leave the language out of a button press.
    update_id = next_update_id()
    press = {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": {"id": c, "is_bot": False, "first_name": "C"},
            "chat_instance": "1",
            "data": "close 2026-10 confirmed",
        },
    }
    answer = await post_update_and_answer(stack, fake, c, press)
    assert answer.startswith("Closed 2026-10 for 1 person")


async def test_a_chosen_language_wins_over_the_telegram_app(
    stack: Stack, fake_telegram: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    await say(stack, fake, VIEWER, "/language sv")

    refusal = await say_in(stack, fake, VIEWER, "/hours P-0001 A-001 2026-10-14 2", "pl")

    assert refusal.startswith("Att registrera timmar")
    assert await languages_of(stack, VIEWER) == {"sv"}


async def test_a_stranger_cannot_choose_a_language(stack: Stack, fake_telegram: Any) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)

    answer = await say(stack, fake, STRANGER, "/language sv")

    assert answer.startswith("Sorry, this chat has no access")
    async with stack.core.sessions() as session:
        events = (await session.exec(select(AuditEvent))).all()
    assert any(e.action == "access.refused" and e.actor == f"telegram:{STRANGER}" for e in events)
    assert not any(e.action == "chat.language" for e in events)


async def test_closing_a_month_is_asked_and_reported_in_polish(
    stack: Stack, fake_telegram: Any
) -> None:
    from tests.test_commands import eva_with_hours, only_keyboard

    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)
    await eva_with_hours(stack, fake)

    refusal = await say_in(stack, fake, c, "/hours P-0001 A-001 14/10 2", "pl")
    assert refusal.startswith("„14/10” nie jest datą")
    preview = await say_in(stack, fake, c, "/close 2026-10", "pl")
    assert preview.startswith(
        "Zamknięcie miesiąca 2026-10 w projekcie ESF-1: 1 osoba, łącznie 6 h."
    )
    [[button]] = only_keyboard(fake, c)["inline_keyboard"]
    # The label is read by people; the command behind it stays English.
    assert (button["text"], button["callback_data"]) == (
        "Wyślij 2026-10 do podpisu",
        "close 2026-10 confirmed",
    )
    closed = await say_in(stack, fake, c, "/close 2026-10 confirmed", "pl")
    assert closed == "Zamknięto 2026-10 dla 1 osoby:\n- 1 zestawienie w kolejce do podpisu: P-0001"


async def test_lists_and_counts_are_read_in_swedish(stack: Stack, fake_telegram: Any) -> None:
    from tests.test_commands import eva_with_hours, only_keyboard

    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)
    await eva_with_hours(stack, fake)
    await say(stack, fake, c, "/close 2026-10 confirmed")

    listing = await say_in(stack, fake, c, "/unsigned 2026-10", "sv")
    assert listing.startswith(
        "Inte signerat för 2026-10: 1 person\nVäntar på signatur (1):\n"
        "- P-0001 Eva: sammanställning från "
    )
    assert listing.endswith(", ingen påminnelse än")
    labels = [row[0]["text"] for row in only_keyboard(fake, c)["inline_keyboard"]]
    assert labels == ["Påminn P-0001", "Ny kod P-0001"]
    status = await say_in(stack, fake, VIEWER, "/status 2026-10", "sv")
    assert status.startswith("ESF-1 2026-10: skickade 1, levererade ")
    assert await say_in(stack, fake, VIEWER, "/activity list", "sv") == (
        "Aktiviteter i ESF-1: 1 aktivitet\nA-001 Kurs (training, 2026-09-01 till 2026-12-31)"
    )
    usage = await say_in(stack, fake, c, "/activity add Kurs", "sv")
    assert usage == (
        "Användning: /activity add <name> <kind> <from> <to>; typer: "
        "training, internship, counselling, other."
    )


async def test_roster_answers_and_refusals_are_read_in_swedish(
    stack: Stack, fake_telegram: Any
) -> None:
    from tests.test_commands import eva_with_hours

    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)
    await eva_with_hours(stack, fake)

    async def sv(text: str) -> str:
        return await say_in(stack, fake, c, text, "sv")

    assert await sv("/person deactivate Nobody") == (
        "Det finns ingen person 'Nobody' i ESF-1; se /person list."
    )
    assert await sv("/hours delete P-0001 A-001 2026-10-15") == (
        "P-0001 har inga timmar på A-001 den 2026-10-15."
    )
    assert await sv("/hours delete P-0001 A-001 2026-10-14") == (
        "Timmarna för P-0001 på A-001 den 2026-10-14 är borttagna."
    )
    assert await sv("/person deactivate P-0001") == (
        "P-0001 Eva är inaktiv: inga fler meddelanden; signerade månader sparas."
    )
    assert await sv("/person deactivate P-0001") == "P-0001 är redan inaktiv."
    assert await sv("/remind 2027-05") == (
        "2027-05 har inte börjat än; det finns inget att signera för den."
    )


async def test_roster_and_reminder_refusals_are_read_in_polish(
    stack: Stack, fake_telegram: Any
) -> None:
    from tests.test_commands import eva_with_hours

    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)
    await eva_with_hours(stack, fake)

    async def pl(text: str) -> str:
        return await say_in(stack, fake, c, text, "pl")

    assert await pl("/activity end A-001 2026-08-31") == (
        "A-001 zaczyna się 2026-09-01; nie może skończyć się wcześniej."
    )
    assert await pl("/person edit P-0001 channel telegram") == (
        "Osoba P-0001 nie połączyła jeszcze Telegrama; wyślij jej /person invite P-0001."
    )
    assert await pl("/remind 2026-10") == (
        "Nikt w ESF-1 nie czeka na podpisanie 2026-10; nie wysłano przypomnienia."
    )
    assert await pl("/reissue P-0001") == "Użycie: /reissue <person> <YYYY-MM>"
    assert await pl("/reissue P-0001 2026-10") == (
        "P-0001 Eva nie ma zestawienia za 2026-10; najpierw zamknij miesiąc."
    )


async def test_hours_rules_and_project_settings_are_read_in_swedish_and_polish(
    stack: Stack, fake_telegram: Any
) -> None:
    from tests.test_commands import ADMIN, eva_with_hours

    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)
    await eva_with_hours(stack, fake)  # A-001 is a training

    assert await say_in(stack, fake, c, "/hours P-0001 A-001 2026-10-14 8,5", "pl") == (
        "Dzień szkolenia trwa najwyżej 8 h łącznie z przerwami; to daje 8,5 h."
    )
    assert await say_in(stack, fake, c, "/hours P-0001 A-001 2026-10-14 7,6", "sv") == (
        "Timmar registreras i steg om en kvart (0,25, 0,5, 0,75)."
    )
    assert await say_in(stack, fake, c, "/hours P-0001 A-001 2026-10-14 x", "sv") == (
        "'x' är inget antal timmar; skriv 7,5, 7.5 eller 7:30."
    )
    shown = await say_in(stack, fake, ADMIN, "/project set close 5 08:30", "sv")
    assert shown.splitlines()[1:] == [
        "Påminnelser: den första efter 3 dagar, sedan med 3 dagars mellanrum, högst 3, "
        "kl. 09:00-19:00 på vardagar.",
        "Schemalagd stängning: dag 5 i nästa månad kl. 08:30.",
        "Lördagstimmar för aktiviteter som inte hålls på helger: tas emot med en varning.",
    ]
    assert await say_in(stack, fake, ADMIN, "/project set reminders 0 4 5 8-18", "pl") == (
        "Liczba dni do pierwszego przypomnienia to liczba całkowita od 1 do 30."
    )


async def test_an_attendance_list_is_answered_line_by_line_in_the_readers_language(
    stack: Stack, fake_telegram: Any
) -> None:
    from tests.test_attendance import _document
    from tests.test_commands import eva_with_hours

    fake, c = fake_telegram, COORDINATOR
    await setup_projects(stack, fake)
    await eva_with_hours(stack, fake)

    async def upload_in(name: str, content: str, app_language: str) -> str:
        update_id = next_update_id()
        fake.files[f"documents/file{update_id}"] = content.encode()
        update = _document(update_id, c, name, f"file{update_id}", len(content.encode()))
        update["message"]["from"]["language_code"] = app_language
        return await post_update_and_answer(stack, fake, c, update, seconds=30)

    header = "person;activity;date;hours\n"
    refused = await upload_in(
        "lista.csv", header + "P-0001;A-001;2026-10-15;2\nP-0001;A-001;2026-10-16;x\n", "pl"
    )
    assert refused.splitlines() == [
        "Nic nie zapisano (lista.csv). Błędne wiersze: 1 z 2. "
        "Popraw błąd i wyślij całą listę ponownie.",
        "Wiersz 3: „x” nie jest liczbą godzin; wpisz 7,5, 7.5 lub 7:30.",
    ]
    answer = await upload_in(
        "närvaro.csv", header + "P-0001;A-001;2026-10-15;2\nP-0001;A-001;2026-10-16;2,5\n", "sv"
    )
    assert answer == "Registrerade 2 rader från närvaro.csv: 4,5 h för 1 person."


async def test_a_fault_of_ours_is_answered_not_left_silent(
    stack: Stack, fake_telegram: Any, caplog: Any
) -> None:
    fake = fake_telegram
    await setup_projects(stack, fake)
    async with stack.core.sessions() as session:  # the database loses a table
        await session.exec(sa.text("DROP TABLE chat_languages"))  # type: ignore[call-overload]
        await session.commit()

    answer = await say_in(stack, fake, COORDINATOR, "/person list", "sv")

    assert answer == ("Tyvärr gick något fel hos oss; det är loggat. Försök igen om en stund.")
    assert "chat_languages" in caplog.text  # the traceback is there for whoever fixes it


async def test_two_language_choices_at_once_leave_one_row(core: Any) -> None:
    from bot.core.access import Actor
    from bot.usecases.roster.chat_language import choose_language
    from storage.tables import ChatLanguage

    actor = Actor("telegram:77", telegram_user_id=77)
    answers = await asyncio.gather(
        choose_language(core, actor, ["sv"], "en"), choose_language(core, actor, ["pl"], "en")
    )

    assert sorted(str(answer) for answer in answers) == [
        "Från och med nu svarar jag på svenska.",
        "Od teraz odpowiadam po polsku.",
    ]
    async with core.sessions() as session:
        rows = (await session.exec(select(ChatLanguage))).all()
    assert [row.telegram_user_id for row in rows] == [77]
    assert rows[0].language in ("sv", "pl")

"""Participants help themselves over SMS and Telegram: their own hours, a new code within
the daily limit, and the choice of month for a dispute, through ``accept_reply`` on
SQLite and PostgreSQL (the webhooks end to end are in tests/test_self_service_e2e.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from bot.commands.runner import run_command
from bot.core.access import Actor
from bot.core.errors import InputError
from bot.core.months import Month
from bot.core.reply_outcomes import Outcome
from bot.core.sms_segments import MAX_SEGMENTS, segment_count
from bot.core.states import CodeState
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from bot.usecases.recording.hours import record_hours
from bot.usecases.reminding.on_request import reissue
from storage.tables import InboundMessage, MonthlySummary, OutboxMessage, SigningCode
from tests.stack import PROJECT, Clock, seed_project
from tests.test_signing import code_for, reply

OCTOBER, SEPTEMBER = Month(2026, 10), Month(2026, 9)
HOURS_WORDS = {"sv": "TIMMAR", "en": "my hours", "pl": "GODZINY"}
NEW_CODE_WORDS = {"sv": "NY KOD", "en": "NEW CODE", "pl": "nowy kod"}


async def record(core: Core, ref: str, day: date, minutes: int) -> None:
    await record_hours(
        core,
        PROJECT,
        person_ref=ref,
        activity_ref="A-001",
        day=day,
        minutes=minutes,
        actor="test",
    )


async def kill_code(core: Core, phone: str) -> None:
    """Five wrong tries: the code is dead."""
    right = await code_for(core, phone)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        await reply(core, phone, wrong)


async def codes_of(core: Core, person_id: int) -> list[SigningCode]:
    async with core.sessions() as session:
        query = select(SigningCode).where(SigningCode.person_id == person_id)
        return list((await session.exec(query.order_by(col(SigningCode.id)))).all())


# --- own hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "sv",
            [
                "Jobbsteget Malmö",
                "november 2026 hittills, öppen:",
                "Svenska för yrket 2 h",
                "oktober 2026, signerad, kvitto TS-",
                "Totalt 19,5 h",
            ],
        ),
        (
            "en",
            [
                "November 2026 so far, open:",
                "Svenska för yrket 2 h",
                "October 2026, signed, receipt TS-",
                "Total 19.5 h",
            ],
        ),
        (
            "pl",
            ["listopad 2026 do tej pory, otwarty:", "podpisany, potwierdzenie TS-", "Razem 19,5 h"],
        ),
    ],
)
async def test_hours_answer_this_month_so_far_and_last_month_in_the_persons_language(
    core: Core, language: str, expected: list[str]
) -> None:
    project = await seed_project(core, language=language)
    await record(core, "P-0001", date(2026, 11, 2), 120)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]
    assert (await reply(core, phone, await code_for(core, phone))).outcome == Outcome.SIGNED

    answer = await reply(core, phone, HOURS_WORDS[language])

    assert answer.outcome == Outcome.HOURS
    for fragment in expected:
        assert fragment in answer.text, answer.text
    assert segment_count(answer.text) <= MAX_SEGMENTS


async def test_hours_name_each_months_state(core: Core) -> None:
    project = await seed_project(core, language="en")
    await close_month(core, PROJECT, OCTOBER, actor="test")
    sent = await reply(core, project.people["P-0002"], "HOURS")
    await reply(core, project.people["P-0003"], "NO I was ill on the 6th")
    disputed = await reply(core, project.people["P-0003"], "hours")

    assert "October 2026, sent to you, not signed yet:" in sent.text
    assert "November 2026 so far, open: No hours recorded." in sent.text
    assert "Total 21 h" in sent.text  # 3 days of 7 h
    assert "Reply with your code to sign, or NEW CODE for a new one." in sent.text
    assert "October 2026, disputed:" in disputed.text


async def test_hours_of_a_month_not_sent_yet_say_it_is_open(core: Core) -> None:
    project = await seed_project(core, language="sv")
    answer = await reply(core, project.people["P-0001"], "mina timmar")
    assert "oktober 2026, öppen, inte skickad för signering än:" in answer.text
    assert "Totalt 19,5 h" in answer.text


async def test_hours_that_would_not_fit_an_sms_are_given_as_totals(core: Core) -> None:
    from bot.usecases.roster.registry import add_activity

    project = await seed_project(core, language="pl")
    for n in range(2, 9):
        await add_activity(
            core,
            PROJECT,
            name=f"Praktyka zawodowa w magazynie numer {n}",
            kind="training",
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 12, 31),
            actor="test",
        )
        for day in (date(2026, 10, n), date(2026, 11, 2)):
            await record_hours(
                core,
                PROJECT,
                person_ref="P-0001",
                activity_ref=f"A-00{n}",
                day=day,
                minutes=60,
                actor="test",
            )
    answer = await reply(core, project.people["P-0001"], "godziny")

    assert segment_count(answer.text) <= MAX_SEGMENTS, answer.text
    assert "Praktyka" not in answer.text and "Razem 26,5 h" in answer.text


# --- a new code on request ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["sv", "en", "pl"])
async def test_a_dead_code_is_replaced_on_request_and_the_new_one_signs(
    core: Core, language: str
) -> None:
    project = await seed_project(core, language=language)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]
    await kill_code(core, phone)

    answer = await reply(core, phone, NEW_CODE_WORDS[language])

    assert answer.outcome == Outcome.NEW_CODE_SENT
    assert segment_count(answer.text) <= MAX_SEGMENTS
    async with core.sessions() as session:
        row = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "code_request"))
        ).one()
    assert row.address == phone and row.sealed_code and row.summary_id is not None
    assert [c.state for c in await codes_of(core, 1)] == [CodeState.SUPERSEDED, CodeState.ACTIVE]
    assert (await reply(core, phone, await code_for(core, phone))).outcome == Outcome.SIGNED


async def test_an_expired_code_is_replaced_on_request(core: Core, clock: Clock) -> None:
    project = await seed_project(core, language="en")
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0002"]
    clock.advance(hours=72, seconds=1)
    assert (await reply(core, phone, "NEW CODE")).outcome == Outcome.NEW_CODE_SENT
    assert (await reply(core, phone, await code_for(core, phone))).outcome == Outcome.SIGNED


async def test_a_code_still_valid_is_not_replaced_and_the_answer_says_until_when(
    core: Core,
) -> None:
    project = await seed_project(core, language="sv")
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]

    answer = await reply(core, phone, "NY KOD")

    assert answer.outcome == Outcome.CODE_STILL_VALID
    # Closed 2026-11-03 09:00 UTC, valid 72 h: until 6 Nov 10:00 in Stockholm.
    assert (
        answer.text
        == "Din kod för oktober 2026 gäller till 6 nov. 10:00; svara med den för att signera."
    )
    assert len(await codes_of(core, 1)) == 1


async def test_nothing_to_sign_means_no_new_code(core: Core) -> None:
    project = await seed_project(core, language="en")
    answer = await reply(core, project.people["P-0001"], "NEW CODE")
    assert answer.outcome == Outcome.NOTHING_PENDING
    assert answer.text == "You have nothing waiting to be signed right now."


async def test_three_codes_a_day_whoever_asks_and_the_answer_says_when_the_next_may_come(
    core: Core, clock: Clock
) -> None:
    project = await seed_project(core, language="en")
    await close_month(core, PROJECT, OCTOBER, actor="test")  # the day's first code
    phone = project.people["P-0001"]
    await kill_code(core, phone)
    assert (await reply(core, phone, "NEW CODE")).outcome == Outcome.NEW_CODE_SENT
    await kill_code(core, phone)
    clock.advance(hours=1)
    await reissue(core, PROJECT, "P-0001", OCTOBER, actor="test")  # a coordinator's, the third
    await kill_code(core, phone)

    refused = await reply(core, phone, "NEW CODE")

    assert refused.outcome == Outcome.CODE_LIMIT_REACHED
    assert refused.text == (
        "You have had 3 codes for October 2026 in the last 24 hours; "
        "the next is possible from 4 Nov 10:00."
    )
    assert len(await codes_of(core, 1)) == 3
    with pytest.raises(InputError, match="has had 3 new codes"):  # one limit for both doors
        await reissue(core, PROJECT, "P-0001", OCTOBER, actor="test")
    clock.advance(hours=23, seconds=1)  # 24 h after the close's code
    assert (await reply(core, phone, "NEW CODE")).outcome == Outcome.NEW_CODE_SENT


async def test_coordinators_see_requested_codes_in_unsigned(core: Core) -> None:
    project = await seed_project(core, language="en")
    await close_month(core, PROJECT, OCTOBER, actor="test")
    await kill_code(core, project.people["P-0002"])
    await reply(core, project.people["P-0002"], "NEW CODE")

    listing = await run_command(
        core, Actor("test", superuser=True), PROJECT, ["unsigned", "2026-10"]
    )

    # The shell answers in the project's language, Swedish.
    [line] = [line for line in listing.text.splitlines() if "P-0002" in line]
    assert line.endswith(", bad om 1 ny kod"), line
    assert "bad om" not in "".join(line for line in listing.text.splitlines() if "P-0001" in line)


async def test_an_opted_out_number_hears_why_no_code_can_come(core: Core) -> None:
    project = await seed_project(core, language="en")
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]
    await kill_code(core, phone)
    await reply(core, phone, "STOP")

    answer = await reply(core, phone, "NEW CODE")

    assert answer.outcome == Outcome.CANNOT_REACH
    assert "Reply START" in answer.text
    assert [c.state for c in await codes_of(core, 1)] == [CodeState.DEAD]  # nothing changed


# --- which month ------------------------------------------------------------------------


async def two_open_months(core: Core, language: str) -> str:
    """P-0001 with September and October both sent and unsigned; returns the phone."""
    project = await seed_project(core, language=language)
    await record(core, "P-0001", date(2026, 9, 15), 240)
    await close_month(core, PROJECT, SEPTEMBER, actor="test")
    await close_month(core, PROJECT, OCTOBER, actor="test")
    return project.people["P-0001"]


async def states(core: Core) -> dict[str, str]:
    async with core.sessions() as session:
        rows = await session.exec(
            select(MonthlySummary.month, MonthlySummary.state).where(MonthlySummary.person_id == 1)
        )
        return dict(rows.all())


@pytest.mark.parametrize(
    ("language", "dispute", "named", "question"),
    [
        (
            "sv",
            "NEJ fel timmar",
            "NEJ 2026-09 fel timmar",
            "Du har mer än en månad som väntar: 2026-10, 2026-09. Svara NEJ, månaden och vad "
            "som är fel, t.ex. NEJ 2026-10 jag var sjuk den 14:e.",
        ),
        (
            "en",
            "NO wrong hours",
            "NO 2026-09 wrong hours",
            "You have more than one month waiting: 2026-10, 2026-09. Reply NO, the month and "
            "what is wrong, e.g. NO 2026-10 I was ill on the 14th.",
        ),
        (
            "pl",
            "NIE złe godziny",
            "NIE 2026-09 złe godziny",
            "Czeka więcej niż jeden miesiąc: 2026-10, 2026-09. Odpisz NIE, miesiąc i co jest "
            "źle, np. NIE 2026-10 byłem chory 14.",
        ),
    ],
)
async def test_a_dispute_with_two_open_months_asks_which_and_the_named_month_is_disputed(
    core: Core, language: str, dispute: str, named: str, question: str
) -> None:
    phone = await two_open_months(core, language)

    asked = await reply(core, phone, dispute)

    assert asked.outcome == Outcome.WHICH_MONTH and asked.text == question
    assert segment_count(asked.text) <= MAX_SEGMENTS
    assert await states(core) == {"2026-09": "sent", "2026-10": "sent"}
    answer = await reply(core, phone, named)
    assert answer.outcome == Outcome.DISPUTED
    assert await states(core) == {"2026-09": "disputed", "2026-10": "sent"}
    async with core.sessions() as session:
        september = (
            await session.exec(select(MonthlySummary).where(MonthlySummary.month == "2026-09"))
        ).one()
    assert september.dispute_reason == named.split(" ", 2)[2]


async def test_a_dispute_naming_a_month_that_is_not_open_lists_the_open_ones(core: Core) -> None:
    phone = await two_open_months(core, "en")
    answer = await reply(core, phone, "NO 2026-08 wrong")
    assert answer.outcome == Outcome.WHICH_MONTH
    assert answer.text == (
        "August 2026 is not waiting for your signature; these months are: 2026-10, 2026-09."
    )
    assert await states(core) == {"2026-09": "sent", "2026-10": "sent"}


async def test_a_code_signs_its_own_month_whichever_is_newer(core: Core) -> None:
    phone = await two_open_months(core, "en")
    async with core.sessions() as session:
        rows = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.address == phone)
                .order_by(col(OutboxMessage.id))
            )
        ).all()
    from bot.core.code_box import open_code

    september_code = open_code(core.key, rows[0].sealed_code or "")
    assert september_code is not None
    assert (await reply(core, phone, f"my code is {september_code}")).outcome == Outcome.SIGNED
    assert await states(core) == {"2026-09": "signed", "2026-10": "sent"}


async def test_new_codes_for_two_dead_months_ask_which_and_the_named_one_comes(
    core: Core,
) -> None:
    phone = await two_open_months(core, "en")
    await kill_code(core, phone)  # wrong tries count on every live code of the sender

    asked = await reply(core, phone, "NEW CODE")

    assert asked.outcome == Outcome.WHICH_MONTH
    assert asked.text == (
        "More than one month needs a new code: 2026-10, 2026-09. Reply NEW CODE and the "
        "month, e.g. NEW CODE 2026-10."
    )
    answer = await reply(core, phone, "NEW CODE 2026-09")
    assert answer.outcome == Outcome.NEW_CODE_SENT
    assert "September 2026" in answer.text
    assert (await reply(core, phone, await code_for(core, phone))).outcome == Outcome.SIGNED
    assert await states(core) == {"2026-09": "signed", "2026-10": "sent"}


# --- codes inside sentences, and numbers that are none ------------------------------------


@pytest.mark.parametrize("template", ["Kod {}", "my code is {} {}", "kod: {}-{}"])
async def test_a_code_inside_a_sentence_signs_and_is_not_stored(core: Core, template: str) -> None:
    project = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")
    phone = project.people["P-0001"]
    code = await code_for(core, phone)
    text = (
        template.format(code) if template.count("{}") == 1 else template.format(code[:3], code[3:])
    )

    assert (await reply(core, phone, text)).outcome == Outcome.SIGNED
    async with core.sessions() as session:
        bodies = (await session.exec(select(InboundMessage.body))).all()
    assert bodies == ["[code]"]


@pytest.mark.parametrize(
    "text", ["0701234567", "ring mig +46701234567", "sjuk 2026-10-14", "14.10.2026", "123456789"]
)
async def test_a_phone_number_or_a_date_costs_no_try(core: Core, text: str) -> None:
    project = await seed_project(core)
    await close_month(core, PROJECT, OCTOBER, actor="test")

    answer = await reply(core, project.people["P-0001"], text)

    assert answer.outcome == Outcome.NOT_UNDERSTOOD
    [code] = await codes_of(core, 1)
    assert code.attempts_left == 5 and code.state == CodeState.ACTIVE

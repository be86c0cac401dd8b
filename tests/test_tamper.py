"""An insider with write access to the database tries to change what a signature proves.

Each manipulation is one SQL statement, as such an insider would type it; the check that
the receipt page, the certificate and the export share must name it. On SQLite and
PostgreSQL.
"""
# ruff: noqa: S608 - the SQL is the insider's, fixed text built from constants

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.core.evidence import Statement, sealed
from bot.core.inbound import Inbound
from bot.core.months import Month
from bot.core.reply_outcomes import Outcome
from bot.core.seal_keys import new_seal_key
from bot.core.verification import Problem
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from bot.usecases.evidence.checking import check
from bot.usecases.signing.conversation import accept_reply
from storage.receipts import ReceiptRecord, find_receipt
from storage.tables import Signature
from tests.stack import seed_project
from tests.test_signing import code_for


async def signed_receipt(core: Core) -> tuple[str, dict[str, str]]:
    project = await seed_project(core)
    await close_month(core, "ESF-1", Month(2026, 10), actor="test")
    phone = project.people["P-0001"]
    answer = await accept_reply(
        core,
        Inbound(
            channel="sms", provider_id="SMtamper", sender=phone, text=await code_for(core, phone)
        ),
        queue_answer=False,
        gate=True,
    )
    assert answer.outcome is Outcome.SIGNED
    async with core.sessions() as session:
        receipt = (await session.exec(select(Signature.receipt))).one()
    return receipt, project.people


async def record_of(core: Core, receipt: str) -> ReceiptRecord:
    record = await find_receipt(core.sessions, receipt)
    assert record is not None
    return record


async def run_sql(core: Core, sql: str, **values: object) -> None:
    """Statements separated by ';', in one transaction."""
    async with core.sessions() as session, session.begin():
        connection = await session.connection()
        for statement in sql.split(";"):
            await connection.execute(sa.text(statement), values)


async def test_an_untouched_signature_verifies_with_every_sealed_fact(core: Core) -> None:
    receipt, _ = await signed_receipt(core)
    verification = await check(core, await record_of(core, receipt))
    assert verification.verified and verification.problems == ()
    statement = verification.statement
    assert statement is not None
    assert (statement.project, statement.person_ref, statement.person_name) == (
        "ESF-1",
        "P-0001",
        "Person 1",
    )
    assert (statement.month, statement.version, statement.key_id) == (
        "2026-10",
        1,
        core.sealer.key_id,
    )


SUMMARY = "(SELECT summary_id FROM signatures)"
SIGNER = f"(SELECT person_id FROM monthly_summaries WHERE id = {SUMMARY})"

MANIPULATIONS = [
    pytest.param(
        # P-0002's own summary steps aside (another version), then the signed one moves.
        "UPDATE monthly_summaries SET version = version + 100"
        " WHERE person_id = (SELECT id FROM people WHERE ref = 'P-0002');"
        "UPDATE monthly_summaries SET person_id = (SELECT id FROM people WHERE ref = 'P-0002')"
        f" WHERE id = {SUMMARY}",
        Problem.PERSON_CHANGED,
        id="signature-moved-to-another-person",
    ),
    pytest.param(
        f"UPDATE people SET name = 'Someone Else' WHERE id = {SIGNER}",
        Problem.NAME_CHANGED,
        id="signer-renamed",
    ),
    pytest.param(
        "UPDATE signatures SET sender = '+46700000999'",
        Problem.SIGNATURE_CHANGED,
        id="sender-edited",
    ),
    pytest.param(
        "UPDATE signatures SET receipt = 'TS-0000-0000-0000'",
        Problem.SIGNATURE_CHANGED,
        id="receipt-number-edited",
    ),
    pytest.param(
        "UPDATE signatures SET statement = replace(statement, 'Person 1', 'Person 9')",
        Problem.BAD_SEAL,
        id="statement-edited",
    ),
    pytest.param(
        f"UPDATE monthly_summaries SET state = 'sent' WHERE id = {SUMMARY}",
        Problem.STATE_CHANGED,
        id="state-set-back",
    ),
    pytest.param(
        "UPDATE signatures SET key_id = 'hmac-legacy'",
        Problem.BAD_SEAL,
        id="downgraded-to-a-legacy-seal",
    ),
    pytest.param(
        f"UPDATE monthly_summaries SET document = replace(document, '\"minutes\"', '\"minutes\" ')"
        f" WHERE id = {SUMMARY}",
        Problem.CONTENT_CHANGED,
        id="document-edited",
    ),
    pytest.param(
        f"UPDATE monthly_summaries SET version = 7 WHERE id = {SUMMARY}",
        Problem.MONTH_CHANGED,
        id="version-edited",
    ),
]


@pytest.mark.parametrize(("sql", "problem"), MANIPULATIONS)
async def test_each_manipulation_is_named(core: Core, sql: str, problem: Problem) -> None:
    await signed_receipt(core)
    await run_sql(core, sql)
    async with core.sessions() as session:
        stored = (await session.exec(select(Signature))).one()
    record = await record_of(core, stored.receipt)
    verification = await check(core, record)
    assert not verification.verified
    assert problem in verification.problems


async def test_a_key_written_into_the_database_is_not_believed(core: Core) -> None:
    """The insider seals a forged statement with a key of their own and lists that key."""
    receipt, _ = await signed_receipt(core)
    record = await record_of(core, receipt)
    assert record.signature.statement is not None
    forged = json.loads(record.signature.statement)
    forged["person_name"] = "Person 1"
    intruder = new_seal_key()
    statement = Statement.parse(json.dumps({**forged, "key_id": intruder.key_id}))
    assert statement is not None
    text, seal = sealed(statement, intruder)
    await run_sql(
        core,
        "UPDATE signatures SET statement = :text, seal = :seal, key_id = :key",
        text=text,
        seal=seal,
        key=intruder.key_id,
    )
    await run_sql(
        core,
        "INSERT INTO seal_keys (key_id, public_key, vouched_by, vouch, retired_at) "
        "VALUES (:key, :public, :by, 'AAAA', '2026-11-01 00:00:00+00:00')",
        key=intruder.key_id,
        public=intruder.public.public_b64,
        by=core.sealer.key_id,
    )
    verification = await check(core, await record_of(core, receipt))
    assert Problem.UNKNOWN_KEY in verification.problems


async def test_a_month_marked_signed_without_a_signature_is_still_chased(core: Core) -> None:
    """/status and /unsigned read the standings: a state edited to 'signed' is waiting."""
    from bot.core.standing import Standing
    from bot.usecases.reports import standings
    from storage.queries import project_by_code

    await signed_receipt(core)
    await run_sql(
        core,
        "UPDATE monthly_summaries SET state = 'signed' WHERE person_id = "
        "(SELECT id FROM people WHERE ref = 'P-0002')",
    )
    async with core.sessions() as session:
        project = await project_by_code(session, "ESF-1")
    assert project is not None
    found = {row.ref: standing for row, standing in await standings(core, project, Month(2026, 10))}
    assert found["P-0001"] is Standing.SIGNED
    assert found["P-0002"] is Standing.WAITING

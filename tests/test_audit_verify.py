"""`timesign audit verify`: the whole evidence, checked; every break named by its row."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from bot.core.evidence_chain import Event, EventKind
from bot.core.inbound import Inbound
from bot.core.reply_outcomes import Outcome
from bot.usecases.context import Core
from bot.usecases.evidence.audit import audit
from bot.usecases.signing.conversation import accept_reply
from storage import evidence_log
from storage.db import transaction
from tests.stack import SEAL_KEY
from tests.test_cli import output_of, run_timesign
from tests.test_tamper import run_sql, signed_receipt


async def reply(core: Core, phone: str, text: str, sid: str) -> Outcome:
    answer = await accept_reply(
        core, Inbound(channel="sms", provider_id=sid, sender=phone, text=text), queue_answer=False
    )
    return answer.outcome


async def signed_and_argued(core: Core) -> str:
    """Three codes issued, one signature, one wrong try and one dispute: six entries."""
    receipt, people = await signed_receipt(core)
    assert await reply(core, people["P-0002"], "000000", "SMw") is Outcome.WRONG_CODE
    assert await reply(core, people["P-0003"], "NEJ fel timmar", "SMd") is Outcome.DISPUTED
    return receipt


async def test_untouched_evidence_is_intact(core: Core) -> None:
    await signed_and_argued(core)
    report = await audit(core)
    assert report.intact, report.breaks
    assert (report.projects, report.entries, report.signatures) == (1, 6, 1)
    kinds = [e.kind async for e in evidence_log.entries(core.sessions, 1)]
    assert kinds == ["code_issued"] * 3 + ["signed", "wrong_try", "disputed"]


async def test_an_edited_entry_and_a_signed_month_without_a_signature_are_named(
    core: Core,
) -> None:
    await signed_and_argued(core)
    await run_sql(core, "UPDATE evidence_events SET at = at WHERE seq = 1")  # no change
    await run_sql(
        core, "UPDATE evidence_events SET detail = :d WHERE seq = 2", d='{"person":"P-0009"}'
    )
    await run_sql(
        core,
        "UPDATE monthly_summaries SET state = 'signed' WHERE person_id = "
        "(SELECT id FROM people WHERE ref = 'P-0002')",
    )
    report = await audit(core, "ESF-1")
    assert not report.intact
    assert "ESF-1 entry 2: its content does not hash to its stored hash" in report.breaks
    assert any(
        "P-0002 2026-10 version 1: marked signed, but no signature" in b for b in report.breaks
    )


async def test_history_rewritten_with_every_hash_recomputed_is_caught_by_the_sealed_head(
    core: Core,
) -> None:
    """The insider deletes the log and writes it again, hashes and all, with the first
    entry changed: every link holds, but the signature's sealed head does not."""
    receipt = await signed_and_argued(core)
    async with core.sessions() as session:
        project_id = (
            await (await session.connection()).execute(sa.text("SELECT id FROM projects"))
        ).scalar_one()
    before = [e async for e in evidence_log.entries(core.sessions, project_id)]
    await run_sql(
        core,
        "DELETE FROM evidence_events; UPDATE evidence_heads SET seq = 0, hash = :g",
        g="0" * 64,
    )
    forged = [
        Event(
            EventKind(e.kind),
            e.at,
            summary_id=e.summary_id,
            detail={"forged": True} if e.seq == 1 else json.loads(e.detail),
        )
        for e in before
    ]
    async with transaction(core.sessions) as session:
        await evidence_log.append(session, project_id, forged)
    report = await audit(core)
    assert report.breaks == [
        f"ESF-1 entry 4: not the entry receipt {receipt} sealed; the history up to it was rewritten"
    ]


def test_the_command_prints_what_it_checked_and_fails_on_a_break(tmp_path: Path) -> None:
    env = {
        "TIMESIGN_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
        "TIMESIGN_SEAL_KEY": SEAL_KEY,
    }
    clean = run_timesign(tmp_path, "audit", "verify", env=env)
    assert clean.returncode == 0, output_of(clean)
    assert "Checked 0 project(s)" in clean.stdout and "No breaks" in clean.stdout
    with sqlite3.connect(tmp_path / "a.db") as db:
        db.execute(
            "INSERT INTO projects (id, code, name, country, time_zone, language, "
            "programme_period, created_at) VALUES (1, 'ESF-1', 'P', 'SE', 'Europe/Stockholm', "
            "'sv', 'esf-plus-2021-2027', '2026-11-01 00:00:00')"
        )
        db.execute("INSERT INTO evidence_heads VALUES (1, 5, :h)", {"h": "f" * 64})
    broken = run_timesign(tmp_path, "audit", "verify", "--project", "esf-1", env=env)
    assert broken.returncode == 1, output_of(broken)
    assert "Checked 1 project(s)" in broken.stdout
    assert "ESF-1: the log's head says entry 5, the log ends at 0" in broken.stdout

"""Public-key seals: the key an auditor checks with, its rotation, and the shell's keys.

A seal made under a key stays checkable after the key is retired, by the server and
by anyone holding the published key list; a key nobody vouched for is never believed.
"""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

from bot.core.seal_keys import load_seal_key, new_seal_key, ring_from_json
from bot.core.verification import Problem
from bot.usecases.context import Core
from bot.usecases.evidence.checking import check, ring_of
from storage.seal_keys import retire
from tests.stack import SEAL_KEY, Stack
from tests.test_cli import assert_one_sentence, output_of, run_timesign
from tests.test_tamper import record_of, signed_receipt


async def test_a_seal_keeps_verifying_after_its_key_is_retired(core: Core) -> None:
    receipt, _ = await signed_receipt(core)
    successor = new_seal_key()
    await retire(core.sessions, core.sealer, successor, core.clock())
    rotated = replace(core, seal_key=successor)
    verification = await check(rotated, await record_of(rotated, receipt))
    assert verification.verified
    ring = await ring_of(rotated)
    assert ring.current.key_id == successor.key_id
    assert [k.key_id for k in ring.retired] == [core.sealer.key_id]
    # Offline: the published list alone checks the seal.
    published = ring_from_json(ring.as_json())
    record = await record_of(rotated, receipt)
    assert record.signature.statement is not None
    assert published.verify(
        record.signature.key_id, record.signature.statement.encode(), record.signature.seal
    )


async def test_a_seal_under_a_key_that_was_replaced_without_a_rotation_is_refused(
    core: Core,
) -> None:
    """Someone swaps TIMESIGN_SEAL_KEY without `keys rotate`: old seals say so."""
    receipt, _ = await signed_receipt(core)
    swapped = replace(core, seal_key=new_seal_key())
    verification = await check(swapped, await record_of(swapped, receipt))
    assert verification.problems == (Problem.UNKNOWN_KEY,)


async def test_the_public_keys_are_published(stack: Stack) -> None:
    response = await stack.client.get("/.well-known/timesign-keys.json")
    assert response.status == 200
    document = await response.json()
    [key] = document["keys"]
    assert key["status"] == "current" and key["algorithm"] == "Ed25519"
    assert key["key_id"] == load_seal_key(SEAL_KEY).key_id
    assert "PRIVATE" not in await response.text()


def test_keys_new_writes_an_owner_only_file_and_never_over_another(tmp_path: Path) -> None:
    made = run_timesign(tmp_path, "keys", "new", "--out", "seal.pem")
    assert made.returncode == 0, output_of(made)
    path = tmp_path / "seal.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = load_seal_key(str(path))
    assert key.key_id in made.stdout and "PRIVATE" not in made.stdout
    again = run_timesign(tmp_path, "keys", "new", "--out", "seal.pem")
    assert again.returncode == 2
    assert "exists already" in assert_one_sentence(again.stderr)
    assert load_seal_key(str(path)).key_id == key.key_id


def test_keys_rotate_lists_the_old_key_as_retired(tmp_path: Path) -> None:
    env = {"TIMESIGN_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}", "TIMESIGN_SEAL_KEY": SEAL_KEY}
    rotated = run_timesign(tmp_path, "keys", "rotate", "--out", "next.pem", env=env)
    assert rotated.returncode == 0, output_of(rotated)
    old = load_seal_key(SEAL_KEY)
    new = load_seal_key(str(tmp_path / "next.pem"))
    listed = run_timesign(
        tmp_path, "keys", "list", env={**env, "TIMESIGN_SEAL_KEY": str(tmp_path / "next.pem")}
    )
    assert listed.returncode == 0, output_of(listed)
    assert f"current  {new.key_id}" in listed.stdout
    assert f"retired  {old.key_id}" in listed.stdout


def test_serve_without_a_seal_key_says_what_to_do(tmp_path: Path) -> None:
    env = {"TIMESIGN_DATABASE_URL": "sqlite:///s.db", "TIMESIGN_SECRET_KEY": "x" * 20}
    result = run_timesign(tmp_path, "serve", env=env)
    assert result.returncode == 2
    line = assert_one_sentence(result.stderr)
    assert "TIMESIGN_SEAL_KEY" in line and "timesign keys new" in line
    broken = run_timesign(tmp_path, "serve", env={**env, "TIMESIGN_SEAL_KEY": "not a key"})
    assert broken.returncode == 2
    assert "TIMESIGN_SEAL_KEY" in assert_one_sentence(broken.stderr)

"""The evidence file: downloaded from the receipt page, checked offline with the public
keys alone, and every flipped byte named."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.stack import Stack
from tests.test_cli import output_of, run_timesign
from tests.test_webhooks import _CODE, closed_and_delivered, sms_bodies


async def downloaded(stack: Stack, fake_twilio: Any, tmp_path: Path) -> tuple[Path, Path]:
    people = await closed_and_delivered(stack)
    phone = people["P-0001"]
    code = _CODE.search(sms_bodies(fake_twilio, phone)[0])
    assert code is not None
    twiml = await (await stack.sms(phone, code.group(1), "SM" + "7" * 32)).text()
    receipt = re.search(r"TS-[0-9A-Z-]{14}", twiml)
    assert receipt is not None
    page = await stack.client.get(f"/r/{receipt.group(0)}")
    assert "?download=evidence" in await page.text()
    response = await stack.client.get(f"/r/{receipt.group(0)}?download=evidence")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    evidence = tmp_path / "evidence.json"
    evidence.write_bytes(await response.read())
    keys = tmp_path / "keys.json"
    keys.write_bytes(await (await stack.client.get("/.well-known/timesign-keys.json")).read())
    return evidence, keys


async def test_a_downloaded_evidence_file_verifies_offline(
    stack: Stack, fake_twilio: Any, tmp_path: Path
) -> None:
    evidence, keys = await downloaded(stack, fake_twilio, tmp_path)
    data = json.loads(evidence.read_text())
    assert [entry["kind"] for entry in data["chain"]] == ["code_issued", "signed"]
    result = run_timesign(tmp_path, "verify", str(evidence), "--keys", str(keys))
    assert result.returncode == 0, output_of(result)
    assert result.stdout.startswith("Verified TS-") and "Person 1 (P-0001)" in result.stdout


async def test_a_flipped_byte_in_the_document_or_the_log_is_named(
    stack: Stack, fake_twilio: Any, tmp_path: Path
) -> None:
    evidence, keys = await downloaded(stack, fake_twilio, tmp_path)
    data = json.loads(evidence.read_text())
    data["document"] = data["document"].replace("Person 1", "Person 7", 1)
    data["chain"][1]["detail"] = data["chain"][1]["detail"].replace("P-0001", "P-0007")
    evidence.write_text(json.dumps(data))
    result = run_timesign(tmp_path, "verify", str(evidence), "--keys", str(keys))
    assert result.returncode == 1, output_of(result)
    assert "the document does not hash to the signed SHA-256" in result.stdout
    assert "log entry 4 does not hash to its stored hash" in result.stdout
    forged_keys = json.loads(keys.read_text())
    forged_keys["keys"][0]["public_key"] = forged_keys["keys"][0]["public_key"][::-1]
    keys.write_text(json.dumps(forged_keys))
    wrong_key = run_timesign(tmp_path, "verify", str(evidence), "--keys", str(keys))
    assert wrong_key.returncode == 1 and "is not among the public keys given" in wrong_key.stdout


def test_files_that_are_not_evidence_get_a_sentence(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("not json")
    for args in (["nothing.json"], ["x.json", "--keys", "x.json"]):
        result = run_timesign(tmp_path, "verify", *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.strip().endswith(".")

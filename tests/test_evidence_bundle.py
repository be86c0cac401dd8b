"""A month's evidence bundle: made from the database, checked with the public keys alone,
and a byte flipped in one evidence file's document and one in the log both named."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pypdf

from bot.core.evidence_bundle import CHAIN, check_bundle
from bot.core.inbound import Inbound
from bot.core.months import Month
from bot.core.reply_outcomes import Outcome
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from bot.usecases.evidence.bundle import month_bundle
from bot.usecases.evidence.checking import ring_of
from bot.usecases.signing.conversation import accept_reply
from storage.queries import project_by_code
from tests.stack import seed_project
from tests.test_cli import output_of, run_timesign
from tests.test_signing import code_for

OCTOBER = Month(2026, 10)


async def bundle_of(core: Core) -> bytes:
    project = await seed_project(core)
    await close_month(core, "ESF-1", OCTOBER, actor="test")
    for n, ref in enumerate(("P-0001", "P-0002")):
        phone = project.people[ref]
        answer = await accept_reply(
            core,
            Inbound(
                channel="sms", provider_id=f"SMb{n}", sender=phone, text=await code_for(core, phone)
            ),
            queue_answer=False,
        )
        assert answer.outcome is Outcome.SIGNED
    async with core.sessions() as session:
        found = await project_by_code(session, "ESF-1")
    assert found is not None
    made = await month_bundle(core, found, OCTOBER, "sv")
    assert made.name == "evidence-ESF-1-2026-10.zip"
    return made.content


def rewritten(content: bytes, change: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change.get(name, source.read(name)))
    return out.getvalue()


async def test_a_bundle_holds_every_certificate_and_signature_and_checks(
    core: Core, tmp_path: Path
) -> None:
    content = await bundle_of(core)
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        names = bundle.namelist()
        index = bundle.read("index.csv").decode()
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        certificates = pypdf.PdfReader(io.BytesIO(bundle.read("certificates-ESF-1-2026-10.pdf")))
    assert len(certificates.pages) == 3
    assert [b.title for b in certificates.outline] == [
        "P-0001 Person 1",
        "P-0002 Person 2",
        "P-0003 Person 3",
    ]
    assert sum(n.startswith("evidence/") for n in names) == 2
    assert {CHAIN, "timesign-keys.json", "manifest.json", "manifest.seal"} <= set(names)
    assert index.count(",signed,") == 2 and index.count(",sent,") == 1
    problems, checked = check_bundle(content, await ring_of(core))
    assert (problems, checked) == ([], 2)
    path = tmp_path / "bundle.zip"
    path.write_bytes(content)
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps((await ring_of(core)).as_json()))
    result = run_timesign(tmp_path, "verify", str(path), "--keys", str(keys))
    assert result.returncode == 0, output_of(result)
    assert "Verified bundle.zip" in result.stdout and "2 evidence files" in result.stdout


async def test_a_byte_flipped_in_a_document_and_in_the_log_are_both_named(
    core: Core, tmp_path: Path
) -> None:
    content = await bundle_of(core)
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        evidence_name = next(n for n in bundle.namelist() if n.startswith("evidence/P-0001"))
        evidence = json.loads(bundle.read(evidence_name))
        chain = bundle.read(CHAIN).decode().splitlines()
    evidence["document"] = evidence["document"].replace("Person 1", "Person 8", 1)
    chain[1] = chain[1].replace('"kind":"code_issued"', '"kind":"code_issuee"')
    flipped = rewritten(
        content,
        {
            evidence_name: json.dumps(evidence).encode(),
            CHAIN: ("\n".join(chain) + "\n").encode(),
        },
    )
    path = tmp_path / "flipped.zip"
    path.write_bytes(flipped)
    result = run_timesign(tmp_path, "verify", str(path))  # the bundle's own key list
    assert result.returncode == 1, output_of(result)
    out = result.stdout
    assert "bundle's own key list" in out
    assert f"{evidence_name} has changed since the bundle was made" in out
    assert f"{evidence_name}: the document does not hash to the signed SHA-256" in out
    assert f"{CHAIN} has changed since the bundle was made" in out
    assert f"{CHAIN}: entry 2: its content does not hash to its stored hash" in out


async def test_a_forged_manifest_and_a_smuggled_file_are_named(core: Core) -> None:
    """The insider adds a file and writes a fresh manifest sealed with a key of their own:
    checked against our keys, both show."""
    from bot.core.evidence_bundle import MANIFEST, MANIFEST_SEAL
    from bot.core.seal_keys import new_seal_key

    content = await bundle_of(core)
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        manifest = json.loads(bundle.read(MANIFEST))
    manifest["files"]["extra.txt"] = "0" * 64
    forged = json.dumps(manifest).encode()
    smuggled = rewritten(
        content, {MANIFEST: forged, MANIFEST_SEAL: new_seal_key().sign(forged).encode()}
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(smuggled)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
        target.writestr("also.txt", b"not listed")
    problems, _ = check_bundle(out.getvalue(), await ring_of(core))
    assert "the manifest's seal does not check under the public keys" in problems
    assert "also.txt is not in the manifest" in problems
    assert "extra.txt is missing" in problems
    assert check_bundle(b"not a zip", await ring_of(core)) == (["this is not a ZIP file"], 0)

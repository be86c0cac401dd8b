"""A month's evidence in one ZIP, and its check with the public keys alone.

The bundle holds every person's certificate and evidence file, the project's evidence
log for the month, the public keys and an index; ``manifest.json`` lists each file's
SHA-256 and is sealed with Ed25519, so a byte changed anywhere in the bundle is named.
The evidence files and the log are also checked on their own merits: a bundle rebuilt
with a fresh manifest still cannot make a changed document match its sealed statement.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.evidence_chain import ChainCheck, Entry, Head
from bot.core.evidence_file import check_evidence_file
from bot.core.seal_keys import KeyRing, SealKey, SealKeyError, ring_from_json
from bot.core.summary import canonical_json

MANIFEST = "manifest.json"
MANIFEST_SEAL = "manifest.seal"
CHAIN = "evidence-log.jsonl"
KEYS = "timesign-keys.json"
MANIFEST_TYPE = "timesign-bundle/1"
MAX_MEMBER = 64 * 1024 * 1024  # a member larger than this is not one we wrote


@dataclass(frozen=True)
class BundleFile:
    name: str
    content: bytes


def write_bundle(files: list[BundleFile], key: SealKey, *, made_at: datetime) -> bytes:
    """The ZIP: the files, a manifest of their hashes, and the manifest's seal."""
    manifest = canonical_json(
        {
            "type": MANIFEST_TYPE,
            "made_at": made_at.isoformat(),
            "key_id": key.key_id,
            "files": {f.name: hashlib.sha256(f.content).hexdigest() for f in files},
        }
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for file in files:
            bundle.writestr(file.name, file.content)
        bundle.writestr(MANIFEST, manifest)
        bundle.writestr(MANIFEST_SEAL, key.sign(manifest))
    return buffer.getvalue()


def _read(bundle: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = bundle.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_MEMBER:
        return None
    return bundle.read(info)


def check_bundle(content: bytes, ring: KeyRing | None) -> tuple[list[str], int]:
    """Every problem found, and how many evidence files were checked. ``ring``: the
    public keys to check with; None uses the bundle's own list (say so to the reader)."""
    try:
        bundle = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return ["this is not a ZIP file"], 0
    with bundle:
        manifest_raw, seal = _read(bundle, MANIFEST), _read(bundle, MANIFEST_SEAL)
        if manifest_raw is None or seal is None:
            return ["the bundle has no sealed manifest"], 0
        if ring is None:
            keys = _read(bundle, KEYS)
            try:
                ring = ring_from_json(json.loads(keys or b"{}"))
            except (SealKeyError, ValueError):
                return ["the bundle's key list is not readable"], 0
        problems: list[str] = []
        try:
            manifest: dict[str, Any] = json.loads(manifest_raw)
            listed: Mapping[str, str] = manifest["files"]
            key_id = str(manifest["key_id"])
        except (ValueError, KeyError, TypeError):
            return ["the manifest is not readable"], 0
        if not ring.verify(key_id, manifest_raw, seal.decode("ascii", "replace")):
            problems.append("the manifest's seal does not check under the public keys")
        present = {name for name in bundle.namelist() if name not in (MANIFEST, MANIFEST_SEAL)}
        for name in sorted(present - set(listed)):
            problems.append(f"{name} is not in the manifest")
        checked = 0
        for name, digest in sorted(listed.items()):
            data = _read(bundle, name)
            if data is None:
                problems.append(f"{name} is missing")
                continue
            if hashlib.sha256(data).hexdigest() != digest:
                problems.append(f"{name} has changed since the bundle was made")
            if name.startswith("evidence/") and name.endswith(".json"):
                checked += 1
                try:
                    evidence = json.loads(data)
                except ValueError:
                    problems.append(f"{name} is not JSON")
                    continue
                problems += [f"{name}: {p}" for p in check_evidence_file(evidence, ring)]
        chain = _read(bundle, CHAIN)
        if chain is not None:
            problems += [f"{CHAIN}: {p}" for p in _chain_problems(chain)]
    return problems, checked


def chain_lines(entries: list[Entry]) -> bytes:
    return b"".join(canonical_json(e.as_json()).encode() + b"\n" for e in entries)


def _chain_problems(raw: bytes) -> list[str]:
    problems: list[str] = []
    walk: ChainCheck | None = None
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            entry = Entry.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError):
            problems.append(f"line {number} is not a log entry")
            continue
        if walk is None:  # the segment starts where the month's first entry says
            walk = ChainCheck(Head(entry.seq - 1, entry.prev_hash))
        problems += [f"entry {b.seq}: {b.reason}" for b in walk.feed(entry)]
    return problems

"""``timesign verify FILE``: an evidence file checked with nothing but the public keys.

No database, no secret: an auditor runs it on their own machine years later. The keys
come from ``--keys`` (a saved copy of /.well-known/timesign-keys.json, or its URL), else
from the URL the file names.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from bot.core.errors import ConfigError
from bot.core.evidence import Statement
from bot.core.evidence_bundle import check_bundle
from bot.core.evidence_file import check_evidence_file
from bot.core.seal_keys import KeyRing, SealKeyError, ring_from_json

MAX_BYTES = 64 * 1024 * 1024


def _json_of(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ConfigError(f"{what} is not JSON.") from None


def load_ring(keys: str) -> KeyRing:
    if keys.startswith(("https://", "http://")):
        try:
            with urllib.request.urlopen(keys, timeout=20) as response:  # noqa: S310 - http(s) only
                text = response.read(MAX_BYTES).decode("utf-8", "replace")
        except OSError as error:
            raise ConfigError(
                f"The public keys could not be fetched from {keys}: {error}."
            ) from None
    else:
        path = Path(keys)
        if not path.is_file():
            raise ConfigError(f"There is no key list at {keys}.")
        text = path.read_text(encoding="utf-8", errors="replace")
    document = _json_of(text, "The key list")
    try:
        return ring_from_json(document if isinstance(document, dict) else {})
    except SealKeyError as error:
        raise ConfigError(str(error)) from None


def verify_bundle(path: Path, keys: str | None) -> tuple[bool, list[str]]:
    ring = load_ring(keys) if keys else None
    problems, checked = check_bundle(path.read_bytes(), ring)
    source = (
        f"the public keys in {keys}"
        if keys
        else "the bundle's own key list (compare its fingerprint with the certificates')"
    )
    if problems:
        return False, [f"NOT VERIFIED {path.name}, checked with {source}:"] + [
            f"  {p}" for p in problems
        ]
    return True, [
        f"Verified {path.name} with {source}: the sealed manifest, every file's hash, "
        f"{checked} evidence files and the evidence log hold."
    ]


def verify_file(path: Path, keys: str | None) -> tuple[bool, list[str]]:
    if not path.is_file():
        raise ConfigError(f"There is no file {path}.")
    if path.stat().st_size > MAX_BYTES:
        raise ConfigError(f"{path} is larger than an evidence file can be.")
    with path.open("rb") as file:
        if file.read(4) == b"PK\x03\x04":
            return verify_bundle(path, keys)
    data = _json_of(path.read_text(encoding="utf-8", errors="replace"), str(path))
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a timesign evidence file.")
    source = keys or data.get("keys_url")
    if not isinstance(source, str) or not source:
        raise ConfigError("Give the public keys with --keys FILE (the file names no key URL).")
    problems = check_evidence_file(data, load_ring(source))
    statement = Statement.parse(
        data.get("statement") if isinstance(data.get("statement"), str) else None
    )
    who = (
        f"{statement.receipt}: {statement.person_name} ({statement.person_ref}), "
        f"{statement.project} {statement.month} version {statement.version}, signed "
        f"{statement.signed_at.isoformat()} over {statement.channel}"
        if statement
        else str(path)
    )
    if problems:
        return False, [f"NOT VERIFIED {who}", *(f"  {p}" for p in problems)]
    return True, [
        f"Verified {who}: the document hashes to the sealed value, the seal checks "
        f"under key {statement.key_id if statement else '?'}, the log entries hold."
    ]

"""A signature's evidence as one self-contained file, and its check with public keys only.

The file holds the canonical document as stored, the sealed statement and its seal, the
key id, and the evidence log's entries of this summary up to the signature's. Checking it
needs nothing from us but the public keys: recompute the document's SHA-256, check the
seal, recompute every entry's hash and find the signature's entry where the statement
says the log stood. An auditor can do each step by hand (``HOW_TO_CHECK``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.evidence import Statement
from bot.core.evidence_chain import Entry
from bot.core.seal_keys import KeyRing

FILE_TYPE = "timesign-evidence/1"

HOW_TO_CHECK = (
    "The signed content is the 'document' text exactly as stored. Its SHA-256 (for "
    "example `sha256sum` of the text saved without a trailing newline) must equal "
    "'summary_sha256' in the statement. The statement, as the exact 'statement' text, is "
    "signed with Ed25519 by the key 'key_id' ('seal' is the signature, base64url); the "
    "public keys are published at /.well-known/timesign-keys.json. Each log entry's hash "
    "is the SHA-256 of its fields as canonical JSON, and the statement names the entry "
    "('chain_seq', 'chain_hash') the log stood at when this was signed. `timesign verify "
    "FILE` does all of this with the public keys alone."
)


def evidence_file(
    *,
    document: str,
    statement: str,
    seal: str,
    key_id: str,
    entries: Sequence[Entry],
    keys_url: str | None,
) -> dict[str, object]:
    return {
        "type": FILE_TYPE,
        "document": document,
        "statement": statement,
        "seal": seal,
        "key_id": key_id,
        "chain": [entry.as_json() for entry in entries],
        "keys_url": keys_url,
        "how_to_check": HOW_TO_CHECK,
    }


def check_evidence_file(data: Mapping[str, Any], ring: KeyRing) -> list[str]:
    """Every reason the file does not prove its signature; empty when it does."""
    if data.get("type") != FILE_TYPE:
        return ["this is not a timesign evidence file"]
    document, text = data.get("document"), data.get("statement")
    seal, key_id = data.get("seal"), data.get("key_id")
    if not all(isinstance(v, str) for v in (document, text, seal, key_id)):
        return ["the file lacks its document, statement, seal or key id"]
    assert isinstance(document, str) and isinstance(text, str)
    assert isinstance(seal, str) and isinstance(key_id, str)
    problems: list[str] = []
    statement = Statement.parse(text)
    if statement is None:
        return ["the statement is not readable"]
    if hashlib.sha256(document.encode()).hexdigest() != statement.summary_sha256:
        problems.append("the document does not hash to the signed SHA-256")
    if ring.find(key_id) is None:
        problems.append(f"the seal's key {key_id} is not among the public keys given")
    elif statement.key_id != key_id or not ring.verify(key_id, text.encode(), seal):
        problems.append("the seal does not match the statement")
    problems += _chain_problems(data.get("chain"), statement)
    return problems


def _chain_problems(chain: object, statement: Statement) -> list[str]:
    if statement.chain_seq is None:
        return []  # signed before the evidence log existed
    if not isinstance(chain, list):
        return ["the file has no evidence log entries"]
    problems: list[str] = []
    sealed_found = False
    for raw in chain:
        try:
            entry = Entry.from_json(raw)
        except (KeyError, TypeError, ValueError):
            problems.append("an evidence log entry is not readable")
            continue
        if entry.recomputed() != entry.hash:
            problems.append(f"log entry {entry.seq} does not hash to its stored hash")
        if entry.seq == statement.chain_seq:
            sealed_found = True
            if entry.hash != statement.chain_hash or entry.project != statement.project:
                problems.append(f"log entry {entry.seq} is not the one the statement sealed")
    if not sealed_found:
        problems.append(f"the log entry the statement sealed ({statement.chain_seq}) is missing")
    return problems

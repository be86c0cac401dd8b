"""``timesign keys``: make, rotate and list the Ed25519 keys that seal evidence.

A private key never goes to a log or the terminal unless asked for (``keys new``
without ``--out`` prints it, for a secret store). A rotation writes the new key to a
file of its own, lists the old one as retired, vouched for by the new one, and tells
the operator what to set; seals made before keep verifying under the old key's id.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from bot.core.errors import ConfigError
from bot.core.seal_keys import SealKey, new_seal_key
from bot.roots.config import PREFIX, Settings
from storage.db import create_engine, session_factory
from storage.seal_keys import key_ring, retire


def write_key(key: SealKey, path: Path) -> None:
    """Owner-only, and never over an existing file (it may hold the key in use)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"{path} exists already; choose a new file for the key.") from None
    except OSError as error:
        raise ConfigError(f"{path} cannot be written: {error.strerror}.") from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.pem())


def describe(key: SealKey) -> str:
    public = key.public
    return f"key id {public.key_id}, fingerprint {public.fingerprint}"


def new_key(out: Path | None) -> str:
    key = new_seal_key()
    if out is None:
        return key.pem().decode() + f"# {describe(key)}"
    write_key(key, out)
    return f"Wrote a new seal key to {out} ({describe(key)}).\nSet {PREFIX}SEAL_KEY={out}."


async def rotate(settings: Settings, out: Path) -> str:
    old = settings.sealer()
    new = new_seal_key()
    write_key(new, out)
    engine = create_engine(settings.database_url)
    try:
        await retire(session_factory(engine), old, new, datetime.now(UTC))
    finally:
        await engine.dispose()
    return (
        f"Wrote the new seal key to {out} ({describe(new)}).\n"
        f"Retired {old.key_id}; seals it made keep verifying.\n"
        f"Set {PREFIX}SEAL_KEY={out} for serve and worker, then restart them."
    )


async def list_keys(settings: Settings) -> str:
    engine = create_engine(settings.database_url)
    try:
        ring = await key_ring(session_factory(engine), settings.sealer())
    finally:
        await engine.dispose()
    lines = [f"current  {ring.current.key_id}  {ring.current.fingerprint}"]
    lines += [f"retired  {k.key_id}  {k.fingerprint}" for k in ring.retired]
    return "\n".join(lines)

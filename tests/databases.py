"""A fresh, migrated database per test, on SQLite and (when reachable) PostgreSQL.

Migrations run once per session into a template; each test gets a copy (a file copy on
SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so every test starts clean and
the migrations themselves are exercised on both databases.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from storage.migrate import upgrade

POSTGRES_ENV = "TIMESIGN_TEST_POSTGRES_URL"


def _postgres_base() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def _with_database(url: str, name: str, driver: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((driver, parts.netloc, f"/{name}", parts.query, ""))


def _plain(url: str) -> str:
    return _with_database(url, urlsplit(url).path.lstrip("/"), "postgresql")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    base = _postgres_base()
    if base is None:
        yield None
        return
    import asyncio

    name = f"timesign_tmpl_{uuid.uuid4().hex[:10]}"

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(_plain(base))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    upgrade(_with_database(base, name, "postgresql+asyncpg"))
    yield name
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_template: str | None,
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "timesign.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    base = _postgres_base()
    if base is None or postgres_template is None:
        pytest.skip(f"{POSTGRES_ENV} is not set; PostgreSQL tests skipped")
    template = postgres_template
    name = f"timesign_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_plain(base))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    yield _with_database(base, name, "postgresql+asyncpg")
    admin = await asyncpg.connect(_plain(base))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()

"""The ``timesign`` command: serve, worker, db upgrade, demo, admin.

Configuration problems end the program with one sentence on stderr (exit 2), refused
admin input with the same sentence the chat would give (exit 1); never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.core.errors import ConfigError, InputError
from bot.roots.config import PREFIX, Settings, load_settings

log = logging.getLogger("timesign")


DEV_HELP = "local use: stand in for missing TIMESIGN_SECRET_KEY and TIMESIGN_SEAL_KEY"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="timesign",
        description="timesign: monthly hours signed with one-time codes over SMS and Telegram.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="web process: webhooks, receipts, health, metrics")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 8080")
    serve.add_argument(
        "--dev", action="store_true", help="allow missing TIMESIGN_SECRET_KEY and TIMESIGN_SEAL_KEY"
    )

    worker = commands.add_parser(
        "worker", help="scheduled closes, re-sends, reminders and outbox delivery"
    )
    worker.add_argument("--once", action="store_true", help="do what is due, then exit")
    worker.add_argument("--at", type=_iso_time, default=None, help="act as if now were ISO-TIME")
    worker.add_argument(
        "--dev", action="store_true", help="allow missing TIMESIGN_SECRET_KEY and TIMESIGN_SEAL_KEY"
    )

    keys = commands.add_parser("keys", help="the Ed25519 keys that seal evidence")
    keys.add_argument("action", choices=["new", "rotate", "list"])
    keys.add_argument("--out", type=Path, default=None, help="file for a new key (owner-only)")

    verify = commands.add_parser(
        "verify", help="check an evidence file with the public keys alone (no database)"
    )
    verify.add_argument("file", type=Path)
    verify.add_argument("--keys", default=None, help="key list file or URL")

    audit = commands.add_parser("audit", help="check every evidence chain and signature")
    audit.add_argument("action", choices=["verify"])
    audit.add_argument("--project", default=None, help="one project's code (default: all)")

    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])

    demo = commands.add_parser("demo", help="a complete local walk-through, no accounts needed")
    demo.add_argument("--database", default="timesign-demo.db", help="SQLite file (recreated)")

    admin = commands.add_parser(
        "admin",
        help="coordinator commands from a shell",
        description="Coordinator commands from a shell, as a superuser; "
        "'timesign admin help' lists them.",
    )
    admin.add_argument(
        "--project",
        default=os.environ.get("TIMESIGN_PROJECT") or None,
        help="project code, e.g. ESF-1 (default: $TIMESIGN_PROJECT)",
    )
    admin.add_argument("--yes", action="store_true", help="confirm without asking (close)")
    admin.add_argument(
        "--dev", action="store_true", help="allow missing TIMESIGN_SECRET_KEY and TIMESIGN_SEAL_KEY"
    )
    admin.add_argument("words", nargs=argparse.REMAINDER, help="e.g. close 2026-10")
    return parser


def _iso_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not an ISO time like 2026-11-03T08:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _upgrade(settings: Settings) -> None:
    from storage.migrate import upgrade

    _check_sqlite_directory(settings)
    with _database_reachable():
        upgrade(settings.database_url)


def _check_keys(settings: Settings, *, dev: bool) -> None:
    """Both keys, checked before anything starts (``--dev`` stands in for missing ones)."""
    settings.secret(dev=dev)
    if not dev:
        settings.sealer()


def _audit(settings: Settings, project: str | None) -> int:
    """Prints what it checked and every break; exits 1 when anything is broken."""
    from bot.roots.core import build_core
    from bot.usecases.context import system_clock
    from bot.usecases.evidence.audit import audit
    from storage.db import create_engine

    _prepare_database(settings)

    async def run() -> bool:
        engine = create_engine(settings.database_url)
        try:
            core = build_core(settings, engine, dev=False, clock=system_clock, need_key=False)
            report = await audit(core, project)
        finally:
            await engine.dispose()
        print("\n".join(report.lines()))
        return report.intact

    return 0 if asyncio.run(run()) else 1


def _keys(settings: Settings, action: str, out: Path | None) -> int:
    from bot.roots import keys

    if action == "new":
        print(keys.new_key(out))
        return 0
    _prepare_database(settings)
    if action == "rotate":
        if out is None:
            raise ConfigError("keys rotate writes the new key to a file: give --out FILE.")
        print(asyncio.run(keys.rotate(settings, out)))
        return 0
    print(asyncio.run(keys.list_keys(settings)))
    return 0


def _prepare_database(settings: Settings) -> None:
    """The embedded SQLite default migrates itself; PostgreSQL is migrated by the release step."""
    from storage.migrate import is_current

    if settings.is_sqlite:
        _upgrade(settings)
        return
    with _database_reachable():
        current = is_current(settings.database_url)
    if not current:
        raise ConfigError(
            "The database is not at the latest migration; run `timesign db upgrade` first."
        )


def _check_sqlite_directory(settings: Settings) -> None:
    """Checked up front: aiosqlite failing to open a file can also print a thread's
    traceback after the event loop has closed."""
    from sqlalchemy.engine import make_url

    if not settings.is_sqlite:
        return
    database = make_url(settings.database_url).database
    if database and database != ":memory:" and not Path(database).parent.is_dir():
        raise ConfigError(
            f"The database in {PREFIX}DATABASE_URL cannot be used: "
            f"the directory {Path(database).parent} does not exist."
        )


@contextmanager
def _database_reachable() -> Iterator[None]:
    """A database that cannot be opened is a setting to fix, not a traceback. The reason
    is the driver's (no URL in it, so no password either)."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except (DBAPIError, OSError) as error:
        reason = error.orig if isinstance(error, DBAPIError) else error
        first_line = (str(reason).strip().splitlines() or [type(reason).__name__])[0]
        raise ConfigError(
            f"The database in {PREFIX}DATABASE_URL cannot be used: {first_line.rstrip('.')}."
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # python-telegram-bot: time periods as timedelta (its int form is deprecated since 22.2).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    # The demo and the shell talk to a person: their own lines, not the processes' log.
    quiet = args.command in ("demo", "admin")
    logging.basicConfig(
        level=os.environ.get("TIMESIGN_LOG_LEVEL", "WARNING" if quiet else "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Library loggers below WARNING would log request URLs, and Telegram's carry the token.
    # alembic would log every migration check, which the embedded SQLite does per command;
    # fontTools logs each table it subsets whenever a certificate is drawn.
    for noisy in (
        "httpx",
        "httpcore",
        "telegram",
        "twilio",
        "aiohttp.access",
        "alembic",
        "fontTools",
        # Database drivers log statements with their bound values (phones, receipts).
        "sqlalchemy",
        "aiosqlite",
        "asyncpg",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        if args.command == "demo":
            from bot.roots.demo import run_demo

            # Absolute: the hint it ends with must open this file from any folder.
            return asyncio.run(run_demo(str(Path(args.database).resolve())))
        if args.command == "verify":
            from bot.roots.verify import verify_file

            ok, lines = verify_file(args.file, args.keys)
            print("\n".join(lines))
            return 0 if ok else 1
        settings = load_settings()
        if args.command == "audit":
            return _audit(settings, args.project)
        if args.command == "keys":
            return _keys(settings, args.action, args.out)
        if args.command == "db":
            _upgrade(settings)
            print("Database is at the latest migration.")
            return 0
        if args.command == "serve":
            from bot.roots.serve import serve

            _check_keys(settings, dev=args.dev)
            _prepare_database(settings)
            port = args.port or int(os.environ.get("PORT", "8080"))
            asyncio.run(serve(settings, host=args.host, port=port, dev=args.dev))
            return 0
        if args.command == "worker":
            from bot.roots.worker import main as worker_main

            _check_keys(settings, dev=args.dev)
            _prepare_database(settings)
            return asyncio.run(worker_main(settings, once=args.once, at=args.at, dev=args.dev))
        if args.command == "admin":
            from bot.roots.admin import run_admin

            _prepare_database(settings)
            answer = asyncio.run(
                run_admin(settings, args.project, list(args.words), dev=args.dev, yes=args.yes)
            )
            print(answer)
            return 0
    except ConfigError as error:
        print(f"timesign: {error}", file=sys.stderr)
        return 2
    except InputError as error:
        print(str(error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

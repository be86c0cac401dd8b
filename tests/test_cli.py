"""The ``timesign`` command as an operator meets it: the demo, settings errors, db, admin, worker.

Most cases run the installed console script in a subprocess with a clean environment and
a temporary working directory (so no ``.env`` of the developer's leaks in), because what
is promised is what a shell sees: exit codes, one sentence on stderr, never a traceback,
and never a secret.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.errors import ConfigError
from bot.core.months import current_month
from bot.roots.cli import main
from bot.roots.config import load_settings
from tests.stack import SEAL_KEY

TIMESIGN = Path(sys.executable).parent / "timesign"
SECRET_KEY = "s3cret-key-that-must-never-be-printed"
TWILIO_TOKEN = "twilio-auth-token-never-printed-42"


def run_timesign(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "LANG": "C.UTF-8"}
    clean.update(env or {})
    return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(TIMESIGN), *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")


def assert_one_line(stderr: str) -> str:
    """Apart from log lines (e.g. SQLite migrating itself), stderr is one line."""
    lines = [line for line in stderr.splitlines() if line.strip() and not LOG_LINE.match(line)]
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr
    return lines[0].rstrip()


def assert_one_sentence(stderr: str) -> str:
    line = assert_one_line(stderr)
    assert line.endswith("."), stderr
    return line


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {
        "TIMESIGN_DATABASE_URL": f"sqlite:///{tmp_path / 'timesign.db'}",
        "TIMESIGN_SECRET_KEY": SECRET_KEY,
        "TIMESIGN_SEAL_KEY": SEAL_KEY,
    }


@pytest.fixture
def upgraded(tmp_path: Path, sqlite_env: dict[str, str]) -> dict[str, str]:
    result = run_timesign(tmp_path, "db", "upgrade", env=sqlite_env)
    assert result.returncode == 0, output_of(result)
    assert "latest migration" in result.stdout
    return sqlite_env


# --- timesign demo ------------------------------------------------------------------


def _last_month() -> str:
    """The month the demo closes: the one before today's in Stockholm."""
    return str(current_month(datetime.now(UTC), "Europe/Stockholm").previous())


def test_demo_walks_through_messages_signature_dispute_and_wrong_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "demo.db"

    assert main(["demo", "--database", str(database)]) == 0

    out = capsys.readouterr().out
    assert "[sms to +46" in out  # a month-end message as the phone shows it
    assert "Kod " in out and "Code " in out  # Swedish and English participants
    assert re.search(r"-> signed: .*TS-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", out)
    assert "-> disputed:" in out
    assert "-> wrong_code:" in out
    assert "objects to" in out  # the coordinator is told about the dispute
    assert "content unchanged: True; seal valid: True" in out
    assert database.exists()
    assert re.search(r"Attendance certificate of P-0001 .*\(signed\)", out)
    assert (tmp_path / f"certificate-ESF-DEMO-P-0001-{_last_month()}.pdf").exists()
    assert (tmp_path / f"timesign-ESF-DEMO-{_last_month()}.xlsx").exists()


def test_demo_runs_again_on_the_same_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "demo.db"
    assert main(["demo", "--database", str(database)]) == 0
    capsys.readouterr()

    assert main(["demo", "--database", str(database)]) == 0
    assert "-> signed:" in capsys.readouterr().out


# --- settings ------------------------------------------------------------------------

BAD_SETTINGS = [
    pytest.param({"database_url": "mysql://db/timesign"}, "TIMESIGN_DATABASE_URL", id="db-url"),
    pytest.param({"secret_key": "too-short"}, "TIMESIGN_SECRET_KEY", id="short-secret"),
    pytest.param({"admin_telegram_ids": "123,abc"}, "TIMESIGN_ADMIN_TELEGRAM_IDS", id="admin-ids"),
    pytest.param(
        {"twilio_account_sid": "AC0123456789abcdef0123456789abcdef"},
        "TIMESIGN_TWILIO_AUTH_TOKEN",
        id="sid-without-token",
    ),
    pytest.param(
        {"twilio_auth_token": TWILIO_TOKEN}, "TIMESIGN_TWILIO_ACCOUNT_SID", id="token-without-sid"
    ),
    pytest.param(
        {"telegram_token": "123456:ABC-token", "public_url": "https://bot.example.org"},
        "TIMESIGN_TELEGRAM_WEBHOOK_SECRET",
        id="webhook-without-secret",
    ),
    pytest.param({"code_digits": "3"}, "TIMESIGN_CODE_DIGITS", id="code-digits-3"),
    pytest.param({"code_digits": "9"}, "TIMESIGN_CODE_DIGITS", id="code-digits-9"),
    pytest.param({"code_digits": "six"}, "TIMESIGN_CODE_DIGITS", id="code-digits-word"),
]


@pytest.mark.parametrize(("values", "variable"), BAD_SETTINGS)
def test_bad_setting_is_one_sentence_naming_the_variable(
    values: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(values)

    sentence = str(refused.value)
    assert variable in sentence
    assert "\n" not in sentence
    assert sentence.endswith(".")
    for value in values.values():
        if len(value) > 6:
            assert value not in sentence


def test_good_settings_load_and_hide_secrets_from_repr() -> None:
    settings = load_settings(
        {
            "secret_key": SECRET_KEY,
            "twilio_account_sid": "AC0123456789abcdef0123456789abcdef",
            "twilio_auth_token": TWILIO_TOKEN,
            "twilio_from": "+46700000000",
            "admin_telegram_ids": "1, 2,-3",
            "database_url": "postgres://user:dbpassword@db/timesign",
        }
    )

    assert settings.admin_telegram_ids == (1, 2, -3)
    assert settings.database_url.startswith("postgresql+asyncpg://")
    shown = repr(settings) + str(settings)
    for secret in (SECRET_KEY, TWILIO_TOKEN, "dbpassword"):
        assert secret not in shown


def test_missing_secret_key_is_refused_without_dev() -> None:
    with pytest.raises(ConfigError, match="TIMESIGN_SECRET_KEY"):
        load_settings({}).secret()


@pytest.mark.parametrize(("values", "variable"), BAD_SETTINGS)
def test_bad_setting_in_environment_stops_cli_with_exit_2_and_one_line(
    tmp_path: Path, values: dict[str, str], variable: str
) -> None:
    env = {f"TIMESIGN_{name.upper()}": value for name, value in values.items()}

    result = run_timesign(tmp_path, "worker", "--once", "--dev", env=env)

    assert result.returncode == 2
    line = assert_one_sentence(result.stderr)
    assert line.startswith("timesign: ")
    assert variable in line
    assert result.stdout == ""
    for value in values.values():
        if len(value) > 6:
            assert value not in output_of(result)


def test_worker_without_secret_key_and_without_dev_says_what_to_do(tmp_path: Path) -> None:
    result = run_timesign(
        tmp_path, "worker", "--once", env={"TIMESIGN_DATABASE_URL": "sqlite:///w.db"}
    )

    assert result.returncode == 2
    line = assert_one_sentence(result.stderr)
    assert "TIMESIGN_SECRET_KEY" in line and "--dev" in line


def test_setting_from_dotenv_file_is_checked_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TIMESIGN_CODE_DIGITS=12\n", encoding="utf-8")

    result = run_timesign(tmp_path, "db", "upgrade")

    assert result.returncode == 2
    assert "TIMESIGN_CODE_DIGITS" in assert_one_sentence(result.stderr)


# --- db upgrade, admin, worker --------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite:///{tmp}/no-such-directory/timesign.db", id="sqlite-no-directory"),
        pytest.param("postgresql://someone:dbpassword@127.0.0.1:1/timesign", id="postgres-refused"),
    ],
)
@pytest.mark.parametrize("command", [("db", "upgrade"), ("worker", "--once", "--dev")])
def test_database_that_cannot_be_opened_is_a_sentence_not_a_traceback(
    tmp_path: Path, url: str, command: tuple[str, ...]
) -> None:
    env = {"TIMESIGN_DATABASE_URL": url.format(tmp=tmp_path)}

    result = run_timesign(tmp_path, *command, env=env)

    assert result.returncode == 2
    line = assert_one_sentence(result.stderr)
    assert line.startswith("timesign: ") and "TIMESIGN_DATABASE_URL" in line
    assert "dbpassword" not in output_of(result)


def test_admin_without_words_prints_usage(tmp_path: Path, upgraded: dict[str, str]) -> None:
    result = run_timesign(tmp_path, "admin", env=upgraded)

    assert result.returncode == 1
    line = assert_one_line(result.stderr)
    assert line.startswith("Usage: timesign admin")


def test_admin_close_for_unknown_project_is_refused_with_a_sentence(
    tmp_path: Path, upgraded: dict[str, str]
) -> None:
    result = run_timesign(tmp_path, "admin", "--project", "X", "close", "2026-10", env=upgraded)

    assert result.returncode == 1
    assert_one_sentence(result.stderr)
    assert result.stdout == ""


def test_admin_close_with_a_bad_month_is_a_sentence_not_a_traceback(
    tmp_path: Path, upgraded: dict[str, str]
) -> None:
    created = run_timesign(tmp_path, "admin", "project", "new", "ESF-1", "Test", env=upgraded)
    assert created.returncode == 0, output_of(created)
    assert "ESF-1" in created.stdout

    for month in ("2026-13", "october", "2026-1O"):
        result = run_timesign(tmp_path, "admin", "--project", "ESF-1", "close", month, env=upgraded)
        assert result.returncode == 1, output_of(result)
        line = assert_one_sentence(result.stderr)
        assert "YYYY-MM" in line

    closed = run_timesign(tmp_path, "admin", "--project", "esf-1", "close", "2026-10", env=upgraded)
    assert closed.returncode == 0, output_of(closed)
    assert "2026-10" in closed.stdout


def test_worker_once_with_empty_queue_exits_0(tmp_path: Path, upgraded: dict[str, str]) -> None:
    result = run_timesign(
        tmp_path, "worker", "--once", "--at", "2026-11-03T09:00", "--dev", env=upgraded
    )

    assert result.returncode == 0, output_of(result)
    assert "Traceback" not in output_of(result)


def test_worker_with_a_bad_at_time_is_a_usage_error(tmp_path: Path) -> None:
    result = run_timesign(tmp_path, "worker", "--once", "--at", "yesterday", "--dev")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "not an ISO time" in result.stderr


def test_no_secret_appears_in_any_command_output(
    tmp_path: Path, sqlite_env: dict[str, str]
) -> None:
    env = {
        **sqlite_env,
        "TIMESIGN_LOG_LEVEL": "DEBUG",
        "TIMESIGN_TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
        "TIMESIGN_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TIMESIGN_TWILIO_FROM": "+46700000000",
    }
    commands = [
        ("db", "upgrade"),
        ("admin",),
        ("admin", "--project", "X", "close", "2026-10"),
        ("admin", "project", "new", "ESF-2", "Secret test"),
        ("admin", "--project", "ESF-2", "close", "2026-13"),
        ("admin", "--project", "ESF-2", "close", "2026-10"),
        ("worker", "--once", "--at", "2026-11-03T09:00"),
    ]
    seen = []
    for command in commands:
        result = run_timesign(tmp_path, *command, env=env)
        assert "Traceback" not in result.stderr, result.stderr
        seen.append(output_of(result))
    bad_secret = run_timesign(
        tmp_path, "worker", "--once", env={**env, "TIMESIGN_SECRET_KEY": "short-secret"}
    )
    assert bad_secret.returncode == 2
    seen.append(output_of(bad_secret))

    everything = "\n".join(seen)
    for secret in (SECRET_KEY, TWILIO_TOKEN, "short-secret"):
        assert secret not in everything


def test_the_shell_speaks_shell_and_asks_before_it_sends(tmp_path: Path) -> None:
    # No TIMESIGN_SECRET_KEY: commands that need none run, the others say so.
    env = {"TIMESIGN_DATABASE_URL": f"sqlite:///{tmp_path / 'shell.db'}"}
    created = run_timesign(tmp_path, "admin", "project", "new", "ESF-9", "Test", env=env)
    assert created.returncode == 0, output_of(created)
    assert "Choose it with --project ESF-9." in created.stdout
    used = run_timesign(tmp_path, "admin", "project", "use", "ESF-9", env=env)
    assert used.returncode == 1
    assert "does not remember a project" in used.stderr and "TIMESIGN_PROJECT" in used.stderr
    env["TIMESIGN_PROJECT"] = "ESF-9"
    for words in (
        ("activity", "add", "Kurs", "training", "2026-09-01", "2026-12-31"),
        ("person", "add", "Eva", "0701234571"),
        ("hours", "Eva", "A-001", "2026-10-14", "6"),
    ):
        result = run_timesign(tmp_path, "admin", *words, env=env)
        assert result.returncode == 0, output_of(result)

    asked = run_timesign(tmp_path, "admin", "close", "2026-10", env=env)
    assert asked.returncode == 0, output_of(asked)
    assert asked.stdout.splitlines() == [
        "Close 2026-10 for ESF-9: 1 person, 6 h in all. Summaries that changed are sent for "
        "signing.",
        "Nothing was sent. To send: timesign admin --project ESF-9 close 2026-10 --yes",
    ]
    keyless = run_timesign(tmp_path, "admin", "close", "2026-10", "--yes", env=env)
    assert keyless.returncode == 2
    assert "needs TIMESIGN_SECRET_KEY (or --dev" in assert_one_sentence(keyless.stderr)
    closed = run_timesign(tmp_path, "admin", "--dev", "close", "2026-10", "--yes", env=env)
    assert closed.stdout.startswith("Closed 2026-10 for 1 person:"), output_of(closed)

    shown = run_timesign(tmp_path, "admin", "help", env=env).stdout.splitlines()
    assert not any(line.startswith("/") for line in shown)
    assert "timesign admin --project ESF-9 person list [page <n>|file]" in shown
    wrong = run_timesign(tmp_path, "admin", "person", "find", "Eva", env=env)
    assert (
        "person has no sub-command 'find'; it has add, deactivate, edit, invite, list or show."
        in (wrong.stderr)
    )
    helped = run_timesign(tmp_path, "--help").stdout + run_timesign(tmp_path, "admin", "-h").stdout
    assert "`" not in helped and "TIMESIGN_PROJECT" in helped

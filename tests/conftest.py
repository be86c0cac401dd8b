"""Shared fixtures: fake provider servers live in tests/fakes, databases below."""

import os

# python-telegram-bot: time periods as timedelta, as the CLI sets it (int form deprecated).
os.environ.setdefault("PTB_TIMEDELTA", "true")

pytest_plugins = ["tests.fakes.fixtures", "tests.databases", "tests.stack"]

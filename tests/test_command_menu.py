"""The command menu Telegram shows: real commands, in each language timesign speaks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.commands.runner import COMMAND_NAMES
from handlers.command_menu import COMMAND_MENU, menu
from tests.stack import Stack


def test_the_menu_names_only_commands_that_exist() -> None:
    assert set(COMMAND_MENU) <= set(COMMAND_NAMES)


@pytest.mark.parametrize("language", ["sv", "en", "pl"])
def test_every_description_fits_telegram(language: str) -> None:
    for name, description in menu(language):
        assert 1 <= len(description) <= 256, name


async def test_the_menu_is_set_in_english_by_default_and_in_swedish_and_polish(
    stack: Stack, fake_telegram: Any
) -> None:
    calls = {p.get("language_code"): p for p in fake_telegram.calls("setMyCommands")}

    assert set(calls) == {None, "sv", "pl"}
    assert ("close", "<YYYY-MM>: send the month for signing") in [
        (c["command"], c["description"]) for c in _commands(calls[None])
    ]
    swedish = dict((c["command"], c["description"]) for c in _commands(calls["sv"]))
    assert swedish["close"] == "<ÅÅÅÅ-MM>: skicka månaden för signering"


def _commands(params: dict[str, Any]) -> list[dict[str, str]]:
    commands = params["commands"]
    return commands if isinstance(commands, list) else json.loads(commands)

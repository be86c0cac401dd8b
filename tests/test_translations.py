"""Every sentence timesign shows exists in Swedish and Polish, with the same placeholders.

The message ids are extracted from the code the way ``scripts/messages`` does, so a
new sentence without its translations fails here, not in front of a coordinator.
"""

from __future__ import annotations

import ast
import re

import pytest

from bot.core import participant_texts as texts
from bot.core.errors import InputError
from bot.core.i18n import EXTRACT_KEYWORDS, Lines, Message
from bot.core.message_catalogs import PACKAGES, ROOT, read_catalog, used_messages

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_the_code_has_messages_to_translate() -> None:
    used = used_messages()

    assert "Total %(hours)s" in used  # a participant text
    assert "There is no project %(code)s." in used  # a refusal raised in the core
    assert any(isinstance(m, tuple) for m in used)  # the wrong-code plural
    assert len(used) >= 100


@pytest.mark.parametrize("language", ["sv", "pl"])
def test_every_message_is_translated(language: str) -> None:
    catalog = read_catalog(language)

    missing = []
    for used in sorted(used_messages(), key=str):
        msgid = used if isinstance(used, str) else used[0]
        message = catalog.get(msgid)
        if message is None:
            missing.append(f"not in catalog (run scripts/messages): {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            missing.append(f"empty msgstr: {msgid!r}")
        if message.fuzzy:
            missing.append(f"fuzzy (ignored at run time): {msgid!r}")
        if isinstance(used, tuple) and not message.pluralizable:
            missing.append(f"no plural forms: {msgid!r}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("language", ["sv", "pl"])
def test_translations_keep_the_same_placeholders(language: str) -> None:
    for message in read_catalog(language):
        if not message.id:
            continue  # the header
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for translated in filter(None, strings):
            found = set(PLACEHOLDER.findall(translated))
            # A plural form may leave the count out ("varje dag" for "every 1 day").
            assert found == expected or (len(ids) > 1 and found <= expected), (ids, translated)


def _calls_with_built_messages() -> list[str]:
    """Calls like ``Message(f"...")``: extraction cannot see a built string, so the
    sentence would silently stay English."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                spec = EXTRACT_KEYWORDS.get(name)
                if spec is None or len(node.args) < spec[0]:
                    continue
                argument = node.args[spec[0] - 1]
                if isinstance(argument, ast.JoinedStr | ast.BinOp) or _formats(argument):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}(...)")
    return found


def _formats(node: ast.expr) -> bool:
    """``"...".format(...)`` or ``str(...)``; a call that returns a ``Message`` is fine."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "format") or (
        isinstance(func, ast.Name) and func.id == "str"
    )


def test_no_sentence_is_built_where_extraction_cannot_see_it() -> None:
    assert not _calls_with_built_messages()


@pytest.mark.parametrize("language", ["sv", "pl"])
def test_wrong_code_answer_is_translated_for_every_count(language: str) -> None:
    english = {texts.wrong_code(tries_left=n).text("en") for n in range(1, 21)}

    for n in range(1, 21):
        answer = texts.wrong_code(tries_left=n).text(language)
        assert str(n) in answer
        assert answer not in english


def test_a_refusal_is_english_in_logs_and_translated_for_its_reader() -> None:
    error = InputError(Message("There is no project %(code)s.", code="ESF-9"))

    assert str(error) == "There is no project ESF-9."
    assert error.text("sv") == "Det finns inget projekt ESF-9."
    assert error.text("pl") == "Nie ma projektu ESF-9."


def test_nested_messages_and_lines_are_translated_in_the_same_language() -> None:
    nested = Message(
        "%(what)s needs the %(needed)s role; you are %(role)s here.",
        what=Message("Closing a month"),
        needed=Message("coordinator"),
        role=Message("viewer"),
    )
    lines = Lines([Message("The person is missing."), "P-0001"])

    assert str(nested) == "Closing a month needs the coordinator role; you are viewer here."
    assert nested.text("sv") == ("Att stänga en månad kräver rollen samordnare; här är du läsare.")
    assert lines.text("pl").splitlines() == ["Brak osoby.", "P-0001"]

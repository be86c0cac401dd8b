"""The message ids the code uses, and keeping the translation catalogs in step with them.

``scripts/messages`` runs ``main``: it extracts every id (``i18n.EXTRACT_KEYWORDS``) from
the packages and merges them into the sv, en and pl catalogs, keeping every translation
made so far; new ids arrive with an empty translation for a translator to fill in. The
tests use ``used_messages`` to check that every id has its sv and pl translation.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.core.i18n import DOMAIN, EXTRACT_KEYWORDS, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "notifications", "storage")

MessageId = str | tuple[str, str]  # a plain id, or singular and plural


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def template(packages: tuple[str, ...] = PACKAGES) -> Catalog:
    found = Catalog(domain=DOMAIN)
    for package in packages:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python")],
            keywords=EXTRACT_KEYWORDS,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        ):
            found.add(
                message,
                locations=[(f"{package}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return found


def used_messages(packages: tuple[str, ...] = PACKAGES) -> set[MessageId]:
    return {
        message.id if isinstance(message.id, str) else (message.id[0], message.id[1])
        for message in template(packages)
        if message.id
    }


def read_catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def write_catalog(language: str, catalog: Catalog) -> None:
    with catalog_path(language).open("wb") as po:
        write_po(po, catalog, width=100, ignore_obsolete=True, sort_output=False)


def update() -> None:
    fresh = template()
    for language in LANGUAGES:
        catalog = read_catalog(language)
        catalog.update(fresh, no_fuzzy_matching=True)
        write_catalog(language, catalog)
        missing = len(untranslated(catalog)) if language != "en" else 0
        print(f"{language}: {len(catalog)} messages, {missing} without a translation")


def untranslated(catalog: Catalog) -> list[str]:
    return [
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id
        and not all(message.string if isinstance(message.string, tuple) else [message.string])
    ]


def fill(language: str, translations: dict[str, str | list[str]]) -> None:
    """Set translations from ``{msgid: msgstr}`` (a list of forms for a plural)."""
    catalog = read_catalog(language)
    for msgid, translated in translations.items():
        message = catalog.get(msgid)
        if message is None:
            raise SystemExit(f"not in the {language} catalog (run scripts/messages): {msgid!r}")
        message.string = tuple(translated) if isinstance(translated, list) else translated
        message.flags.discard("fuzzy")
    write_catalog(language, catalog)


def main(argv: list[str]) -> None:
    """No arguments: update the catalogs. ``--missing LANG``: untranslated ids as JSON.
    ``--fill LANG FILE.json``: set translations from a JSON object."""
    if not argv:
        update()
    elif argv[0] == "--missing" and len(argv) == 2:
        print(json.dumps(untranslated(read_catalog(argv[1])), ensure_ascii=False, indent=1))
    elif argv[0] == "--fill" and len(argv) == 3:
        fill(argv[1], json.loads(Path(argv[2]).read_text(encoding="utf-8")))
    else:
        raise SystemExit("usage: scripts/messages [--missing LANG | --fill LANG FILE.json]")


if __name__ == "__main__":
    main(sys.argv[1:])

"""A ``Listing`` as a CSV file: a row per entry, headed by its columns.

Written for the spreadsheet the reader opens it in: UTF-8 with a byte-order mark (so
Excel reads å, ö and ł right), and ';' between cells where the decimal comma is the
custom (Swedish, Polish), ',' in English. A cell that a spreadsheet would run as a
formula (a name or dispute reason starting with '=', say) is written as text.
"""

from __future__ import annotations

import csv
import io
import re

from bot.core.i18n import Translatable
from bot.core.listing import Listing

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A masked phone number ("+46*****71") starts with '+' but is no formula.
_NUMBER_LIKE = re.compile(r"[+-][0-9* ]*")


def csv_file(listing: Listing, language: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if language == "en" else ";", lineterminator="\r\n")
    writer.writerow(_cells(listing.columns, language))
    for section in listing.sections:
        for entry in section.entries:
            writer.writerow(_cells(entry.cells, language))
    return ("\ufeff" + out.getvalue()).encode()


def _cells(cells: tuple[Translatable | str, ...], language: str) -> list[str]:
    return [_safe(c if isinstance(c, str) else c.text(language)) for c in cells]


def _safe(value: str) -> str:
    if value.startswith(_FORMULA_START) and not _NUMBER_LIKE.fullmatch(value):
        return "'" + value
    return value

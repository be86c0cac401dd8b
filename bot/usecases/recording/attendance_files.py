"""Reading an attendance list file: CSV with the pure core, XLSX with openpyxl."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from bot.core.attendance import AttendanceSheet, csv_lines, file_kind, read_sheet, too_large
from bot.core.errors import InputError
from bot.core.i18n import Message


def parse_attendance(filename: str | None, content: bytes) -> AttendanceSheet:
    """Every line of the list, read or explained; raises InputError for unreadable files."""
    if (refusal := too_large(len(content))) is not None:
        raise InputError(refusal)
    if file_kind(filename, content[:4]) == "xlsx":
        return read_sheet(_xlsx_lines(content))
    return read_sheet(csv_lines(content))


def _xlsx_lines(content: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    from openpyxl import load_workbook  # only when an XLSX list arrives

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InputError(
            Message("The XLSX file cannot be opened; save it again from Excel and send it again.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()

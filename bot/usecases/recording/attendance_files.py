"""Reading an attendance list file: CSV with the pure core, XLSX with openpyxl.

An XLSX is a ZIP: its members' unpacked sizes (which bound what zipfile will ever
inflate) are checked before openpyxl opens it, so a small file of a hundred million
empty rows is refused in milliseconds; reading then stops at the line limit and at a
deadline. Callers run this in a worker thread.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from bot.core.attendance import (
    AttendanceSheet,
    csv_lines,
    file_kind,
    read_sheet,
    too_large,
    unpacks_too_large,
)
from bot.core.errors import InputError
from bot.core.i18n import Message

PARSE_SECONDS = 20.0

UNREADABLE = Message("The XLSX file cannot be opened; save it again from Excel and send it again.")


def parse_attendance(filename: str | None, content: bytes) -> AttendanceSheet:
    """Every line of the list, read or explained; raises InputError for unreadable files."""
    if (refusal := too_large(len(content))) is not None:
        raise InputError(refusal)
    if file_kind(filename, content[:4]) == "xlsx":
        _check_zip(content)
        return read_sheet(_xlsx_lines(content, time.monotonic() + PARSE_SECONDS))
    return read_sheet(csv_lines(content))


def _check_zip(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InputError(UNREADABLE) from None
    refusal = unpacks_too_large(sum(m.file_size for m in members), len(members))
    if refusal is not None:
        raise InputError(refusal)


def _xlsx_lines(content: bytes, deadline: float) -> Iterator[tuple[int, Sequence[Any]]]:
    from openpyxl import load_workbook  # only when an XLSX list arrives

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InputError(UNREADABLE) from None
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if time.monotonic() > deadline:
                raise InputError(
                    Message(
                        "The XLSX file took too long to read; save it again with only the "
                        "sheet with the hours, or send it as CSV."
                    )
                )
            yield number, cells
    finally:
        workbook.close()

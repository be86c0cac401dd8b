"""Attendance lists as coordinators save them: CSV or XLSX, one line per person and day.

Columns (any order, extra columns ignored), named in English, Swedish or Polish:
person, activity, date, hours. CSV may use ``;`` (what Excel writes where the decimal
separator is a comma) or ``,``, with or without a UTF-8 byte order mark. Pure parsing:
lines that cannot be read become problems with their line number, so the coordinator
sees every mistake at once; only a file that cannot be read at all raises. Reading
XLSX needs openpyxl, so it lives with the import use-case
(``bot.usecases.recording.attendance_files``); this module reads lines of cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.numbers import format_decimal

from bot.core.errors import InputError
from bot.core.hours import parse_hours
from bot.core.i18n import Message, Translatable, language_or_english

MAX_BYTES = 2 * 1024 * 1024
MAX_LINES = 10_000  # blank lines count too: a million empty rows are no attendance list
MAX_UNPACKED = 32 * 1024 * 1024  # an XLSX's members, unpacked: a real list is far below
MAX_MEMBERS = 200
KINDS = ("csv", "xlsx")

COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("person", "participant", "deltagare", "uczestnik"),
    "activity": ("activity", "aktivitet", "aktywność", "aktywnosc"),
    "date": ("date", "day", "datum", "data"),
    "hours": ("hours", "timmar", "godziny"),
}
_ALIASES = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}


@dataclass(frozen=True)
class AttendanceRow:
    line: int
    person: str
    activity: str
    day: date
    minutes: int


@dataclass(frozen=True)
class LineProblem:
    line: int
    reason: Translatable  # rendered in the reader's language; str() is English


@dataclass
class AttendanceSheet:
    rows: list[AttendanceRow] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)


def file_kind(filename: str | None, content_start: bytes = b"") -> str:
    """ "csv" or "xlsx"; anything else is refused with what to send instead."""
    name = (filename or "").lower()
    if name.endswith(".xlsx") or content_start.startswith(b"PK\x03\x04"):
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        return "csv"
    if name.endswith(".xls"):
        raise InputError(
            Message("That is an old Excel file (.xls); save it as .xlsx or CSV and send it again.")
        )
    raise InputError(
        Message(
            "I read attendance lists as CSV or XLSX files only, with the columns "
            "person, activity, date, hours; save the list in one of those formats."
        )
    )


class _Megabytes:
    """A file size in MB with one decimal, written the reader's way ("2,5" in sv)."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size

    def text(self, language: str) -> str:
        locale = language_or_english(language)
        return str(format_decimal(self.size / 1024 / 1024, format="0.0", locale=locale))


def too_large(size: int) -> Message | None:
    """The refusal for a file of ``size`` bytes, or None if it may be read."""
    if size <= MAX_BYTES:
        return None
    return Message(
        "The file is %(size)s MB; an attendance list may be at most %(most)s MB. "
        "Split it into smaller lists and send each.",
        size=_Megabytes(size),
        most=MAX_BYTES // 1024 // 1024,
    )


def too_large_unknown() -> Message:
    """The refusal for a download that ran past the limit (no size was declared)."""
    return Message(
        "The file is larger than %(most)s MB, the most an attendance list may be. "
        "Split it into smaller lists and send each.",
        most=MAX_BYTES // 1024 // 1024,
    )


def unpacks_too_large(unpacked: int, members: int) -> Message | None:
    """The refusal for an XLSX whose ZIP members unpack past the limit, or None."""
    if unpacked <= MAX_UNPACKED and members <= MAX_MEMBERS:
        return None
    return Message(
        "The XLSX file unpacks to %(size)s MB; an attendance list may unpack to at most "
        "%(most)s MB. Save only the sheet with the hours, or split the list.",
        size=_Megabytes(unpacked),
        most=MAX_UNPACKED // 1024 // 1024,
    )


def csv_lines(content: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            Message("The CSV file is not UTF-8; save it as 'CSV UTF-8' and send it again.")
        ) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    # The header names hold no delimiters, so the most frequent candidate in it wins.
    delimiter = max(";,\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as error:
        raise InputError(
            Message(
                "Line %(line)s of the CSV file cannot be read: %(error)s.",
                line=reader.line_num,
                error=error,
            )
        ) from None


def _blank(cells: Sequence[Any]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def _header(cells: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = _ALIASES.get(str(cell or "").strip().lstrip("\ufeff").lower())
        if column is not None and column not in found:
            found[column] = index
    missing = [column for column in COLUMNS if column not in found]
    if len(missing) == 1:
        raise InputError(
            Message(
                "The first line must name the columns person, activity, date, hours; "
                "%(column)s is missing.",
                column=missing[0],
            )
        )
    if missing:
        raise InputError(
            Message(
                "The first line must name the columns person, activity, date, hours; "
                "%(columns)s are missing.",
                columns=", ".join(missing),
            )
        )
    return found


def read_sheet(lines: Iterable[tuple[int, Sequence[Any]]]) -> AttendanceSheet:
    """Every line after the header, read or explained."""
    sheet = AttendanceSheet()
    columns: dict[str, int] | None = None
    for number, cells in lines:
        if number > MAX_LINES + 1:  # the header and MAX_LINES more, blank ones included
            raise InputError(
                Message(
                    "A list may have at most %(most)s lines; split it and send each part.",
                    most=MAX_LINES,
                )
            )
        if _blank(cells):
            continue
        if columns is None:
            columns = _header(cells)
            continue
        values = {c: cells[i] if i < len(cells) else None for c, i in columns.items()}
        try:
            sheet.rows.append(_row(number, values))
        except InputError as error:
            sheet.problems.append(LineProblem(number, error.message))
    if columns is None:
        raise InputError(Message("The list is empty; it needs a header line and one line per day."))
    if not sheet.rows and not sheet.problems:
        raise InputError(Message("The list has a header but no lines of hours."))
    return sheet


def _row(number: int, values: dict[str, Any]) -> AttendanceRow:
    person, activity = _text(values["person"]), _text(values["activity"])
    if not person:
        raise InputError(Message("The person is missing."))
    if not activity:
        raise InputError(Message("The activity is missing."))
    return AttendanceRow(number, person, activity, _day(values["date"]), _minutes(values["hours"]))


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a number cell
    return "" if value is None else str(value).strip()


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        if not text:
            raise InputError(Message("The date is missing.")) from None
        raise InputError(
            Message("'%(text)s' is not a date; write it as YYYY-MM-DD.", text=text[:20])
        ) from None


def _minutes(value: Any) -> int:
    if isinstance(value, bool):
        raise InputError(Message("The hours are not a number."))
    if isinstance(value, int | float):
        return round(value * 60)
    if isinstance(value, time):  # "7:30" typed into a time-formatted cell
        return value.hour * 60 + value.minute
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 60)
    text = _text(value)
    if not text:
        raise InputError(Message("The hours are missing."))
    return parse_hours(text)

"""A project's month as an XLSX workbook: the working file behind a payment claim.

Sheet one has a row per person: the hours recorded now, the hours in the summary sent
for signing, its state and the signature's evidence; a difference between the two
totals means hours changed after the month was sent (a correction to close again).
Sheet two has every recorded day. Hours are numbers and dates are dates, so the
sheet sums and filters without cleaning.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from bot.core.i18n import Message
from bot.core.summary_states import state_name
from bot.usecases.documents.models import PersonMonth
from storage.month_streams import RecordedDay


def _sheet(
    workbook: Workbook, title: Message, language: str, headings: list[Message], widths: list[int]
) -> Any:  # openpyxl's write-only sheet, a private class
    sheet = workbook.create_sheet(title.text(language)[:31])
    for n, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + n)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    row = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=heading.text(language))
        cell.font = bold
        row.append(cell)
    sheet.append(row)
    return sheet


def _text(sheet: Any, value: str) -> Any:
    """A name as a worksheet holds it: without the control characters openpyxl refuses
    (its error would carry the name into the log), and text even when it starts with
    '=', never a formula that runs when the file is opened."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _hours(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 2)


class MonthWorkbook:
    """The workbook filled a batch at a time: openpyxl's write-only sheets stream each
    row to a temporary file, so a month of any size holds one batch in memory. Both
    sheets are open at once; ``finish`` zips them."""

    def __init__(self, language: str) -> None:
        self._language = language
        self._states: dict[str | None, str] = {}
        self._workbook = Workbook(write_only=True)
        self._people = _sheet(
            self._workbook,
            Message("Summaries"),
            language,
            [
                Message("Person"),
                Message("Name"),
                Message("Kind"),
                Message("Hours recorded"),
                Message("Hours sent for signing"),
                Message("State"),
                Message("Version"),
                Message("Signed at"),
                Message("Channel"),
                Message("Receipt"),
                Message("Content SHA-256"),
            ],
            [10, 28, 12, 12, 14, 22, 8, 18, 10, 16, 66],
        )
        self._days = _sheet(
            self._workbook,
            Message("Hours"),
            language,
            [
                Message("Person"),
                Message("Name"),
                Message("Activity"),
                Message("Activity name"),
                Message("Kind"),
                Message("Date"),
                Message("Hours"),
            ],
            [10, 28, 10, 28, 12, 12, 8],
        )

    def add_people(self, people: Iterable[PersonMonth]) -> None:
        sheet = self._people
        for p in people:
            sheet.append(
                [
                    p.ref,
                    _text(sheet, p.name),
                    p.kind,
                    _hours(p.recorded_minutes),
                    _hours(p.summary_minutes),
                    self._state(p.state),
                    p.version,
                    p.signed_at_local.replace(tzinfo=None) if p.signed_at_local else None,
                    p.channel,
                    p.receipt,
                    p.sha256,
                ]
            )

    def add_days(self, days: Iterable[RecordedDay]) -> None:
        sheet = self._days
        for d in days:
            sheet.append(
                [
                    d.person_ref,
                    _text(sheet, d.person_name),
                    d.activity_ref,
                    _text(sheet, d.activity_name),
                    d.activity_kind,
                    d.day,
                    _hours(d.minutes),
                ]
            )

    def finish(self) -> bytes:
        output = BytesIO()
        self._workbook.save(output)
        return output.getvalue()

    def discard(self) -> None:
        """Closes the sheets and deletes their temporary files now. An export that fails
        half-way would otherwise leave the month's names in them until the process ends
        (openpyxl removes them only then), and its sheets would print a traceback when
        collected. openpyxl has no call for it: this reaches into each sheet's writer."""
        for sheet in (self._people, self._days):
            if not sheet.closed:
                sheet.close()
            writer = sheet._writer
            if writer is not None and os.path.exists(writer.out):
                writer.cleanup()

    def _state(self, state: str | None) -> str:
        """A state's name in the document's language, translated once per export."""
        name = self._states.get(state)
        if name is None:
            name = self._states[state] = state_name(state).text(self._language)
        return name

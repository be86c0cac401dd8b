"""The attendance certificate (intyg för närvarotid): one person's month as a PDF.

It prints the content the person signed (the stored summary document, not today's
records), and the evidence of the signature: when, through which channel, from which
(masked) number or chat, the receipt and where to verify it, and the document's
SHA-256. A month that is not signed electronically gets lines for a handwritten
signature instead, the paper route the funding agency also accepts.

The font is DejaVu Sans, shipped in ``bot/fonts``: the PDF core fonts cannot print
Polish letters.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from bot.core.i18n import Message, hours, month_name
from bot.core.summary_states import state_name
from bot.usecases.documents.models import Certificate

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVu"


@dataclass(frozen=True)
class _Day:
    day: date
    activity: str
    minutes: int


def _activity(activity: dict[str, object]) -> str:
    return f"{activity['ref']} {_drawable(str(activity['name']))}"


def _days(document: str) -> tuple[list[_Day], list[tuple[str, int]], int]:
    content = json.loads(document)
    days = [
        _Day(date.fromisoformat(d["day"]), _activity(a), int(d["minutes"]))
        for a in content["activities"]
        for d in a["days"]
    ]
    days.sort(key=lambda d: (d.day, d.activity))
    per_activity = [(_activity(a), int(a["minutes"])) for a in content["activities"]]
    return days, per_activity, int(content["total_minutes"])


class _Pdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.numbered = True
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=20)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=7)
        pages = f"  {self.page_no()}/{{nb}}" if self.numbered else ""
        self.cell(0, 5, f"{self.footer_text}{pages}", align="C")


@lru_cache(maxsize=1)
def _glyphs() -> frozenset[int]:
    """The characters DejaVu Sans can draw."""
    pdf = FPDF()
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    font = pdf.fonts[FONT.lower()]
    assert isinstance(font, TTFFont)
    font.close()
    return frozenset(font.cmap)


def _drawable(text: str) -> str:
    """``text`` as the PDF can show it. Control and format characters (a NUL, a
    right-to-left override) go, a line break becomes a space, and a character the font
    lacks (Chinese, say) shows as U+FFFD: fpdf2 would leave a silent gap and write the
    missing letters of the person's name into the log."""
    glyphs = _glyphs()
    drawn = []
    for c in text:
        if unicodedata.category(c) in ("Cc", "Cf"):
            drawn.append(" " if c.isspace() else "")
        else:
            drawn.append(c if ord(c) in glyphs else "\ufffd")
    return "".join(drawn)


def render_certificate(certificate: Certificate, language: str) -> bytes:
    pdf = _Pdf(_footer(certificate, language))
    title = Message("Attendance certificate").text(language)
    pdf.set_title(f"{title} {certificate.person_ref} {certificate.month}")
    pdf.set_author("timesign")
    pdf.set_creation_date(certificate.generated_at_local)
    _draw(pdf, certificate, language)
    return bytes(pdf.output())


def render_certificates(certificates: list[Certificate], language: str) -> bytes:
    """One PDF with every certificate, each from a new page, with a bookmark each."""
    pdf = _Pdf("")
    pdf.set_author("timesign")
    pdf.numbered = False  # page numbers of the whole file would mean nothing per person
    for certificate in certificates:
        pdf.footer_text = _footer(certificate, language)
        section = f"{certificate.person_ref} {_drawable(certificate.person_name)}"
        _draw(pdf, certificate, language, section=section)
    return bytes(pdf.output())


def _footer(c: Certificate, language: str) -> str:
    return Message(
        "%(project)s, %(person)s, %(month)s, version %(version)s",
        project=_drawable(c.project_code),
        person=c.person_ref,
        month=str(c.month),
        version=c.version,
    ).text(language)


def _draw(pdf: _Pdf, certificate: Certificate, language: str, section: str | None = None) -> None:
    c = replace(
        certificate,
        project_code=_drawable(certificate.project_code),
        project_name=_drawable(certificate.project_name),
        person_name=_drawable(certificate.person_name),
    )
    days, per_activity, total = _days(c.document)
    title = Message("Attendance certificate").text(language)
    pdf.add_page()
    if section is not None:
        pdf.start_section(section)  # a bookmark per person in a file of many
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 10, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_font(FONT, size=10)
    kind = (
        Message("participant").text(language)
        if c.person_kind == "participant"
        else Message("staff member").text(language)
    )
    facts = [
        (Message("Project").text(language), f"{c.project_name} ({c.project_code})"),
        (Message("Person").text(language), f"{c.person_name} ({c.person_ref}), {kind}"),
        (Message("Month").text(language), month_name(language, c.month.first_day)),
    ]
    with pdf.table(col_widths=(35, 135), first_row_as_headings=False, borders_layout="NONE") as t:
        for label, value in facts:
            row = t.row()
            row.cell(label)
            row.cell(value)
    pdf.ln(4)

    headings = (
        Message("Date").text(language),
        Message("Activity").text(language),
        Message("Hours").text(language),
    )
    # Compact rows: a month of 23 working days, its totals and the evidence fit one page.
    pdf.set_font(FONT, size=8.5)
    with pdf.table(
        col_widths=(30, 110, 30),
        text_align=("LEFT", "LEFT", "RIGHT"),
        line_height=4.2,
        padding=0.6,
    ) as table:
        row = table.row()
        for heading in headings:
            row.cell(heading)
        for d in days:
            row = table.row()
            row.cell(d.day.isoformat())
            row.cell(_one_line(pdf, d.activity, 108))  # the totals below give names in full
            row.cell(hours(language, d.minutes))
    pdf.ln(3)
    with pdf.table(
        col_widths=(140, 30), text_align=("LEFT", "RIGHT"), line_height=4.2, padding=0.6
    ) as table:
        row = table.row()
        row.cell(Message("Activity").text(language))
        row.cell(Message("Hours").text(language))
        for activity, minutes in per_activity:
            row = table.row()
            row.cell(activity)
            row.cell(hours(language, minutes))
        row = table.row()
        row.cell(Message("Total").text(language))
        row.cell(hours(language, total))
    pdf.ln(4)

    top = pdf.get_y()
    pdf.set_font(FONT, "B", 10.5)
    block = Message("Dispute") if c.state == "disputed" else Message("Signature")
    pdf.cell(0, 6, block.text(language), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9)
    qr_side = 28 if c.signature is not None and c.signature.receipt_url else 0
    for paragraph in _signature_lines(c):
        pdf.multi_cell(
            pdf.epw - qr_side - 4,
            4.6,
            _drawable(paragraph.text(language)),
            align="L",  # justified lines open wide gaps between words
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(0.8)
    if qr_side and c.signature is not None and c.signature.receipt_url:
        _draw_qr(
            pdf, c.signature.receipt_url, x=pdf.w - pdf.r_margin - qr_side, y=top, side=qr_side
        )
        pdf.set_y(max(pdf.get_y(), top + qr_side + 2))
    pdf.ln(2)
    pdf.set_font(FONT, size=7.5)
    pdf.multi_cell(
        0,
        4,
        Message(
            "Content SHA-256: %(sha256)s. Generated by timesign on %(when)s.",
            sha256=c.sha256,
            when=c.generated_at_local.strftime("%Y-%m-%d %H:%M %Z"),
        ).text(language),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def _one_line(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _draw_qr(pdf: FPDF, url: str, *, x: float, y: float, side: float) -> None:
    """The receipt's address as a QR code, drawn as squares (no image to embed)."""
    code = segno.make(url, error="m")
    matrix = [list(row) for row in code.matrix]
    cell = side / (len(matrix) + 8)  # a quiet zone of four modules on each side
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        for k, dark in enumerate(row):
            if dark:
                pdf.rect(x + (k + 4) * cell, y + (r + 4) * cell, cell, cell, style="F")


def _signature_lines(c: Certificate) -> list[Message]:
    s = c.signature
    if c.state == "disputed" and c.dispute is not None:
        reason, on = c.dispute
        return [
            Message(
                "Disputed by %(name)s on %(when)s: %(reason)s",
                name=c.person_name,
                when=on.strftime("%Y-%m-%d %H:%M %Z"),
                reason=reason,
            ),
            Message("The hours above are not confirmed until the dispute is settled."),
        ]
    if s is None:
        return [
            Message("Not signed electronically (%(state)s).", state=state_name(c.state)),
            Message("I confirm that the hours above are correct."),
            Message("Signature: ______________________________  Date: ______________"),
            Message("Name in block letters: ______________________________"),
        ]
    lines = [
        Message(
            "Signed electronically by %(name)s on %(when)s with a one-time code "
            "sent by %(channel)s, from %(sender)s.",
            name=c.person_name,
            when=s.signed_at_local.strftime("%Y-%m-%d %H:%M %Z"),
            channel=s.channel.upper() if s.channel == "sms" else "Telegram",
            sender=s.sender_masked,
        ),
        Message("Receipt: %(receipt)s", receipt=s.receipt),
    ]
    if s.key_fingerprint:
        lines.append(
            Message(
                "Sealed with Ed25519, key fingerprint %(fingerprint)s.",
                fingerprint=s.key_fingerprint,
            )
        )
    if s.receipt_url:
        lines.append(Message("Verify the signature at %(url)s", url=s.receipt_url))
    if s.seal_valid and s.content_unchanged:
        lines.append(Message("The signed content and the evidence are unchanged."))
    else:
        lines.append(
            Message(
                "NOT VERIFIED: %(reasons)s. The stored evidence no longer matches what was signed.",
                reasons="; ".join(s.problems) or "?",
            )
        )
    return lines

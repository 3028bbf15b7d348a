"""The inventory list of boxes (опись дел) drawn with ReportLab.

The same sections as the former HTML template — a table of the box's case files that
repeats its header on every page, the count in words, the signature lines — built as
flowables, with nothing to parse per document (xhtml2pdf took about 17 times as long as
ReportLab alone on the same list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, PageBreak, Paragraph, Table, TableStyle

from ..printing.flowables import HEADER_GREY, build_pdf, styles, text, text_width
from ..printing.fonts import FONT_FAMILY

MARGINS_MM = (15, 12, 15, 20)  # top, right, bottom, left
WIDTH = text_width(MARGINS_MM)
COLUMNS = (("№ п/п", 0.06), ("Индекс дела", 0.17), ("Заголовок дела", 0.33),
           ("Крайние даты", 0.12), ("Срок хранения", 0.11), ("Кол-во листов", 0.08),
           ("Примечание", 0.13))
SIGNATURES = (("Составитель: _____________________ (должность)",
               "_______________ / ___________________ /"),
              ("Опись проверил: _____________________ (должность)",
               "_______________ / ___________________ /"),
              ("Дата: «____» ______________ 20___ г.", ""))


@dataclass(frozen=True)
class InventoryRow:
    """One case file as the list shows it."""

    number: str
    title: str  # «Личное дело …, дд.мм.гггг г. р. — услуга»
    end_dates: str
    retention: str
    sheets: int
    note: str


@dataclass(frozen=True)
class InventorySection:
    """One box: its heading, its files and the closing count."""

    institution: str
    heading: str  # «Короб 3 (BOX000012) — место; группа; годы»
    rows: Sequence[InventoryRow]
    count_words: str
    count_noun: str

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def sheets(self) -> int:
        return sum(r.sheets for r in self.rows)


@cache
def _styles() -> dict:
    st = styles()
    return {
        "title": ParagraphStyle("inventory_title", parent=st["title"], spaceBefore=0),
        "heading": ParagraphStyle("inventory_heading", parent=st["centre"], spaceAfter=4 * mm),
        "total": ParagraphStyle("inventory_total", parent=st["base"], spaceBefore=4 * mm),
        "sign": ParagraphStyle("inventory_sign", parent=st["cell"], fontSize=9, leading=11.5),
        "grid": TableStyle([
            ("FONT", (0, 0), (-1, -1), FONT_FAMILY, 9, 11.5),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_GREY),
            ("ALIGN", (5, 1), (5, -1), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]),
        "sign_table": TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 8 * mm),
            ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm)]),
    }


@cache
def _number_style(size: float) -> ParagraphStyle:
    return ParagraphStyle(f"inventory_number_{size}", parent=styles()["small"], fontSize=size,
                          leading=size * 1.28)


def _number(value: str) -> Paragraph:
    """A case number on one line: a smaller size when a long format would break it."""
    room = COLUMNS[1][1] * WIDTH - 6  # the cell's padding
    size = 9.0
    while size > 7 and stringWidth(value, FONT_FAMILY, size) > room:
        size -= 0.5
    return Paragraph(text(value), _number_style(size))


def _section(s: InventorySection) -> list[Flowable]:
    st, own = styles(), _styles()
    small = st["small"]
    rows: list[list] = [[Paragraph(text(title), st["small_bold"]) for title, _w in COLUMNS]]
    rows += [[str(i), _number(r.number), Paragraph(text(r.title), small),
              r.end_dates, Paragraph(text(r.retention), small), str(r.sheets),
              Paragraph(text(r.note), small) if r.note else ""]
             for i, r in enumerate(s.rows, start=1)]
    style = own["grid"]
    if not s.rows:
        rows.append(["Короб пуст.", "", "", "", "", "", ""])
        style = TableStyle([*style.getCommands(), ("SPAN", (0, 1), (-1, 1))])
    total = (f"В данный раздел описи внесено {s.count} ({text(s.count_words)}) "
             f"{text(s.count_noun)}" + (f", с № 1 по № {s.count}" if s.count else "")
             + f"; всего листов: {s.sheets}.")
    return [
        Paragraph(text(s.institution), st["base"]),
        Paragraph("ОПИСЬ ДЕЛ", own["title"]),
        Paragraph(text(s.heading), own["heading"]),
        Table(rows, colWidths=[w * WIDTH for _t, w in COLUMNS], repeatRows=1, style=style),
        Paragraph(total, own["total"]),
        Table([[Paragraph(text(left), own["sign"]), Paragraph(text(right), own["sign"])]
               for left, right in SIGNATURES], colWidths=[WIDTH / 2, WIDTH / 2],
              style=own["sign_table"]),
    ]


def inventory_pdf(sections: Sequence[InventorySection]) -> bytes:
    """The inventory list: a section per box, each from a new page."""
    story: list[Flowable] = []
    for i, section in enumerate(sections):
        if i:
            story.append(PageBreak())
        story += _section(section)
    if not story:
        story.append(Paragraph("Нет коробов для описи.", styles()["base"]))
    return build_pdf(story, margins_mm=MARGINS_MM, title="Опись дел")

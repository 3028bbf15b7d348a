"""The handover act (акт приёма-передачи документов) drawn with ReportLab.

The same words as the former HTML template — the approval block, the act's number and
date, the reason and the two people, the numbered list of items, the total and the two
signatures — built as flowables: xhtml2pdf took about 9 s for 800 items, parsing HTML and
splitting its tables. Every label is a Paragraph, so a long one wraps inside its cell and
is never cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from ..printing.flowables import HEADER_GREY, build_pdf, styles, text, text_width
from ..printing.fonts import FONT_FAMILY

MARGINS_MM = (15, 15, 15, 15)  # top, right, bottom, left: the former @page
WIDTH = text_width(MARGINS_MM)
COLUMNS = (("№", 0.06), ("Вид", 0.16), ("Документ / дело", 0.60), ("Срок", 0.18))
# Rows per table: one long Table re-measures every remaining row at each page break (0.9 s
# for 1,000 items against 0.55 s as tables of 40 rows, the numbering running on).
CHUNK = 40
REASONS_INSTRUMENTAL = {"leave": "отпуском", "trip": "командировкой",
           "illness": "временной нетрудоспособностью", "dismissal": "увольнением"}


@dataclass(frozen=True)
class ActItem:
    """One listed item as the act prints it."""

    kind: str  # «Входящий запрос»
    label: str
    due: str  # дд.мм.гггг or ''


@dataclass(frozen=True)
class HandoverAct:
    """Everything the act prints, already in words."""

    institution: Sequence[str]  # name, sector
    number: int
    made_on: str  # дд.мм.гггг
    approver_position: str  # '' when the approver has none on record
    approver_name: str
    reason: str  # «отпуском» (after «В связи с»)
    leaver: str  # «Смирнова Ольга Петровна (главный специалист)»
    receiver: str
    period: str  # «с 07.12.2026 по 20.12.2026»
    items: Sequence[ActItem]
    gave: str  # «Передал» / «Передала»: _____ short name
    took: str


@cache
def _styles() -> dict:
    pad = [("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm),
           ("RIGHTPADDING", (0, 0), (-1, -1), 1.5 * mm)]
    return {
        "grid": TableStyle([
            ("FONT", (0, 0), (-1, -1), FONT_FAMILY, 10, 13),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_GREY),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]),
        "approval": TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *pad]),
        "sign": TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                            ("TOPPADDING", (0, 0), (-1, -1), 10 * mm), *pad]),
    }


def _items(items: Sequence[ActItem]) -> list[Flowable]:
    st, grid = styles(), _styles()["grid"]
    cell, bold = st["cell"], st["cell_bold"]
    widths = [w * WIDTH for _t, w in COLUMNS]
    head = [Paragraph(title, bold) for title, _w in COLUMNS]
    tables: list[Flowable] = []
    for start in range(0, len(items), CHUNK):
        rows = [head] + [
            [str(n), Paragraph(text(i.kind), cell), Paragraph(text(i.label), cell), i.due]
            for n, i in enumerate(items[start:start + CHUNK], start=start + 1)]
        tables.append(Table(rows, colWidths=widths, repeatRows=1, style=grid))
    return tables


def act_pdf(act: HandoverAct) -> bytes:
    """The act: approval, title, who passes what to whom, the list, the signatures."""
    st, own = styles(), _styles()
    half = [WIDTH / 2, WIDTH / 2]
    approval = "<br/>".join(line for line in (
        "УТВЕРЖДАЮ", text(act.approver_position),
        f"{text(act.approver_name)} _______________".lstrip(), "«___» __________ 20___ г.")
        if line)  # an approver with no position on record: no empty line (it printed None)
    story: list[Flowable] = [
        Paragraph("<br/>".join(text(line) for line in act.institution), st["header"]),
        Table([["", Paragraph(approval, st["cell"])]], colWidths=half, style=own["approval"]),
        Paragraph(f"АКТ № {act.number}<br/>приёма-передачи документов", st["title"]),
        Paragraph(text(act.made_on), st["centre"]),
        Paragraph(text(f"В связи с {act.reason} {act.leaver} {act.period} передаёт, "
                       f"а {act.receiver} принимает следующие документы и дела:"), st["base"]),
        *_items(act.items),
        Paragraph(f"Всего передано: {len(act.items)}.", st["base"]),
        Table([[Paragraph(text(act.gave), st["cell"]), Paragraph(text(act.took), st["cell"])]],
              colWidths=half, style=own["sign"]),
    ]
    return build_pdf(story, margins_mm=MARGINS_MM,
                     title=f"Акт приёма-передачи документов № {act.number}")

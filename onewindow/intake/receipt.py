"""The receipt (расписка в приёме документов) drawn with ReportLab.

The same blocks as the former HTML template, built as flowables (paragraphs and tables
wrap long names and document lists and break pages) with no HTML or CSS to parse per
receipt: xhtml2pdf spent about 17 times as long as ReportLab alone on the same document.
Fonts are registered once per process, the styles built once
(:mod:`onewindow.printing.flowables`); the Code128 barcode and the feedback QR code are
vector drawings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Table, TableStyle

from ..printing.flowables import HEADER_GREY, Barcode, build_pdf, styles, text, text_width
from ..printing.fonts import FONT_FAMILY
from ..printing.qr import draw_qr

MARGINS_MM = (12, 15, 12, 20)  # top, right, bottom, left
WIDTH = text_width(MARGINS_MM)
QR_SIZE_MM = 22
FEEDBACK_TEXT = "Оцените качество обслуживания: отсканируйте QR-код телефоном. Оценка анонимна."


@dataclass(frozen=True)
class ReceiptLine:
    """A received document as the receipt lists it."""

    name: str
    form: str  # «подлинник» or «копия»
    sheets: int


@dataclass(frozen=True)
class Receipt:
    """Everything one receipt prints, as plain text (dates already dd.mm.yyyy)."""

    institution: Sequence[str]  # name, sector, "address, тел. phone"
    number: str
    registered_at: str
    applicant: str  # full name
    birth_date: str
    snils: str
    representative: str | None
    service: str
    department: str
    documents: Sequence[ReceiptLine]
    total_sheets: int
    missing: Sequence[str]
    interagency: Sequence[str]
    deadline: str
    deadline_days: int
    accepted_by: str  # position
    accepted_by_name: str  # «Фамилия И. О.»
    applicant_short: str
    feedback_url: str | None = None


class _QrCode(Flowable):
    """The feedback link as a vector QR code, ``size_mm`` square."""

    def __init__(self, url: str, size_mm: float):
        super().__init__()
        self.url, self.size_mm = url, size_mm
        self.width = self.height = size_mm * mm

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        draw_qr(self.canv, self.url, 0, 0, size_mm=self.size_mm)


@cache
def _table_styles() -> dict[str, TableStyle]:
    cell = [("FONT", (0, 0), (-1, -1), FONT_FAMILY, 10, 13), ("VALIGN", (0, 0), (-1, -1), "TOP")]

    def pad(h: float, v: float) -> list:
        return [("LEFTPADDING", (0, 0), (-1, -1), h), ("RIGHTPADDING", (0, 0), (-1, -1), h),
                ("TOPPADDING", (0, 0), (-1, -1), v), ("BOTTOMPADDING", (0, 0), (-1, -1), v)]

    return {
        "fields": TableStyle([*cell, *pad(1.5 * mm, 1 * mm)]),
        "documents": TableStyle([*cell, *pad(3, 2), ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                 ("BACKGROUND", (0, 0), (-1, 0), HEADER_GREY)]),
        "missing": TableStyle([*cell, *pad(2 * mm, 2 * mm),
                               ("BOX", (0, 0), (-1, -1), 0.7, colors.black)]),
        "sign": TableStyle([*cell, *pad(1.5 * mm, 1 * mm),
                            ("TOPPADDING", (0, 0), (-1, -1), 8 * mm)]),
        "feedback": TableStyle([*cell, *pad(1.5 * mm, 1 * mm)]),
    }


@cache
def _label_style() -> ParagraphStyle:
    return ParagraphStyle("label", parent=styles()["cell"], textColor=colors.HexColor("#333333"))


def _lines(items: Sequence[str]) -> str:
    return "".join(f"<br/>— {text(item)}" for item in items)


def _copy(r: Receipt, title: str) -> list[Flowable]:
    st, ts = styles(), _table_styles()
    story: list[Flowable] = []
    if title:
        story.append(Paragraph(text(title), st["note"]))
    story += [
        Paragraph("<br/>".join(text(line) for line in r.institution), st["header"]),
        Paragraph("РАСПИСКА<br/>в приёме документов", st["title"]),
        Paragraph(f"№ {text(r.number)} от {text(r.registered_at)}", st["number"]),
        Barcode(r.number, module_mm=0.33, height_mm=11),
    ]
    fields = [("Заявитель:", f"<b>{text(r.applicant)}</b>, {text(r.birth_date)} г. р."),
              ("СНИЛС:", text(r.snils or "не указан"))]
    if r.representative:
        fields.append(("Представитель:", text(r.representative)))
    fields += [("Услуга:", text(r.service)), ("Ответственный отдел:", text(r.department))]
    story.append(Table([[Paragraph(label, _label_style()), Paragraph(value, st["cell"])]
                        for label, value in fields],
                       colWidths=[0.32 * WIDTH, 0.68 * WIDTH], style=ts["fields"]))
    story.append(Paragraph("<b>Приняты документы:</b>", st["base"]))
    rows: list[list] = [[Paragraph(h, st["cell_bold"]) for h in
                         ("№", "Наименование документа", "Подлинник / копия", "Листов")]]
    rows += [[str(i), Paragraph(text(d.name), st["cell"]), d.form, str(d.sheets)]
             for i, d in enumerate(r.documents, start=1)]
    rows.append(["", Paragraph("Итого", st["cell_bold"]), "",
                 Paragraph(str(r.total_sheets), st["cell_bold"])])
    story.append(Table(rows, colWidths=[w * WIDTH for w in (0.06, 0.62, 0.16, 0.16)],
                       repeatRows=1, style=ts["documents"], spaceAfter=2 * mm))
    if r.missing:
        story.append(Table([[Paragraph(
            "<b>Не представлены обязательные документы:</b>" + _lines(r.missing)
            + "<br/>Их необходимо представить до принятия решения.", st["cell"])]],
            colWidths=[WIDTH], style=ts["missing"], spaceAfter=2 * mm))
    if r.interagency:
        story.append(Paragraph(
            "<b>Запрашиваются в рамках межведомственного взаимодействия</b> (заявитель вправе "
            "представить по собственной инициативе):" + _lines(r.interagency), st["base"]))
    story.append(Paragraph(
        f"Решение будет принято не позднее <b>{text(r.deadline)}</b> ({r.deadline_days} "
        "рабочих дней со дня регистрации).", st["base"]))
    story.append(Table([[
        Paragraph(f"Документы принял: {text(r.accepted_by or 'специалист')}<br/>"
                  f"{text(r.accepted_by_name)} _______________", st["cell"]),
        Paragraph(f"Расписку получил(а):<br/>{text(r.applicant_short)} _______________",
                  st["cell"])]], colWidths=[WIDTH / 2, WIDTH / 2], style=ts["sign"],
        spaceAfter=2 * mm))
    if r.feedback_url:
        story.append(Table([[_QrCode(r.feedback_url, QR_SIZE_MM),
                             Paragraph(FEEDBACK_TEXT, st["cell"])]],
                           colWidths=[(QR_SIZE_MM + 4) * mm, WIDTH - (QR_SIZE_MM + 4) * mm],
                           style=ts["feedback"]))
    return story


def receipt_pdf(receipt: Receipt, *, copy_titles: Sequence[str] = ("",)) -> bytes:
    """The receipt, one page (or more, for a long list) per copy, in one PDF."""
    story: list[Flowable] = []
    for i, title in enumerate(copy_titles):
        if i:
            story.append(PageBreak())
        story += _copy(receipt, title)
    return build_pdf(story, margins_mm=MARGINS_MM, title=f"Расписка № {receipt.number}")

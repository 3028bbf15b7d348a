"""A report (summary, charts, tables, notes) as a PDF drawn with ReportLab.

The same blocks and words as the former HTML template, without parsing HTML and CSS: the
year's queue report (five tables of up to 250 rows and four charts) took 7.7 s through
xhtml2pdf. Charts are the page's own SVG converted once by svglib (vectors, text in
Roboto); a table's cells are plain strings, wrapped Paragraphs only where a column holds
words; each page carries the footer with its number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from io import BytesIO

from defusedxml import ElementTree
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)
from svglib.svglib import svg2rlg

from ..core.text import format_date
from ..printing.flowables import BOLD, GREY, text
from ..printing.fonts import FONT_FAMILY, register_fonts
from .tables import TEXT, Report, display

MARGINS_MM = (12, 12, 14, 12)  # top, right, bottom, left: the former @page
CHART_WIDTH = {True: 480, False: 375}  # points, landscape / portrait (640 and 500 px)
TOTAL_GREY = colors.HexColor("#f2f2f2")
BORDER = colors.HexColor("#555555")
# Rows per table: a long Table re-measures every remaining row at each page break.
CHUNK = 45


@dataclass(frozen=True)
class Letterhead:
    """The institution's lines the report prints."""

    name: str
    short_name: str
    sector: str


@cache
def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("report", fontName=FONT_FAMILY, fontSize=8.5, leading=10.5,
                          spaceAfter=1.5 * mm)
    cell = ParagraphStyle("report_cell", parent=base, spaceAfter=0)
    return {
        "base": base,
        "cell": cell,
        "head": ParagraphStyle("report_head", parent=cell, fontName=BOLD),
        "muted": ParagraphStyle("report_muted", parent=base, fontSize=7.5, leading=9,
                                textColor=GREY),
        "h1": ParagraphStyle("report_h1", parent=base, fontName=BOLD, fontSize=13,
                             leading=16, spaceAfter=1 * mm),
        "h2": ParagraphStyle("report_h2", parent=base, fontName=BOLD, fontSize=10.5,
                             leading=13, spaceBefore=2.5 * mm, spaceAfter=1 * mm),
        "sub": ParagraphStyle("report_sub", parent=base, textColor=colors.HexColor("#444444"),
                              spaceAfter=3 * mm),
    }


@cache
def _grid_style(rows_with_total: bool) -> TableStyle:
    commands = [
        ("FONT", (0, 0), (-1, -1), FONT_FAMILY, 8.5, 10.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.5, BORDER),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if rows_with_total:
        commands += [("FONT", (0, -1), (-1, -1), BOLD, 8.5, 10.5),
                     ("BACKGROUND", (0, -1), (-1, -1), TOTAL_GREY)]
    return TableStyle(commands)


PX = 0.75  # points per CSS pixel, as svglib converts


def _colour(value: str | None):
    return None if value in (None, "none") else colors.HexColor(value)


def _shapes(root) -> Drawing | None:
    """Our charts' SVG (rect, line, circle, polyline, text with presentation attributes)
    as ReportLab shapes; None if it holds anything else.

    svglib reads any SVG but resolves styles shape by shape: a year's four charts
    (≈ 1,200 shapes) cost it about half a second, this a tenth of that.
    """
    width, height = float(root.get("width")), float(root.get("height"))
    drawing = Drawing(width, height)
    for el in root:
        tag = el.tag.rpartition("}")[2]
        a = el.get
        if tag == "title":
            continue
        if tag == "rect":
            w, h = float(a("width")), float(a("height"))
            drawing.add(Rect(float(a("x")), height - float(a("y")) - h, w, h,
                             fillColor=_colour(a("fill")), strokeColor=None))
        elif tag == "line":
            drawing.add(Line(float(a("x1")), height - float(a("y1")), float(a("x2")),
                             height - float(a("y2")), strokeColor=_colour(a("stroke")),
                             strokeWidth=float(a("stroke-width", "1"))))
        elif tag == "circle":
            drawing.add(Circle(float(a("cx")), height - float(a("cy")), float(a("r")),
                               fillColor=_colour(a("fill")), strokeColor=None))
        elif tag == "polyline":
            points = []
            for pair in a("points").split():
                x, y = pair.split(",")
                points += [float(x), height - float(y)]
            drawing.add(PolyLine(points, strokeColor=_colour(a("stroke")),
                                 strokeWidth=float(a("stroke-width", "1"))))
        elif tag == "text":
            drawing.add(String(
                float(a("x")), height - float(a("y")), el.text or "",
                fontName=BOLD if a("font-weight") == "bold" else FONT_FAMILY,
                fontSize=float(a("font-size", "11")), fillColor=_colour(a("fill", "#000000")),
                textAnchor=a("text-anchor", "start")))
        else:
            return None
    return drawing


def _chart(svg, width: float) -> Drawing:
    """The chart's SVG as a vector Drawing ``width`` points wide at most."""
    drawing = _shapes(ElementTree.fromstring(str(svg)))
    if drawing is None:  # a chart of another kind: the general converter
        drawing = svg2rlg(BytesIO(str(svg).encode()))
        drawing.scale(1 / PX, 1 / PX)  # back to pixels, like ours
        drawing.width, drawing.height = drawing.width / PX, drawing.height / PX
    scale = min(PX, width / drawing.width)
    drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    drawing.scale(scale, scale)
    drawing.hAlign = "CENTER"
    drawing.initialFontName = FONT_FAMILY  # not Helvetica, which would not be embedded
    return drawing


def _widths(columns, frame_width: float) -> list[float]:
    # Words need room, numbers little; the header wraps.
    weights = [2.4 if c.kind == TEXT else 1.0 for c in columns]
    return [frame_width * w / sum(weights) for w in weights]


def _table(table, frame_width: float) -> list[Flowable]:
    st = _styles()
    columns = table.columns
    widths = _widths(columns, frame_width)
    head = [Paragraph(text(c.title), st["head"]) for c in columns]
    words = [c.kind == TEXT for c in columns]
    right = [(i, i) for i, w in enumerate(words) if not w]
    cell = st["cell"]

    def row(values) -> list:
        return [Paragraph(text(display(v, c.kind)), cell) if w else display(v, c.kind)
                for v, c, w in zip(values, columns, words, strict=True)]

    rows = [row(r) for r in table.rows] or [
        [Paragraph("Нет данных за период.", cell)] + [""] * (len(columns) - 1)]
    chunks = [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]
    out: list[Flowable] = []
    for n, chunk in enumerate(chunks):
        last = n == len(chunks) - 1
        body = [head, *chunk]
        if last and table.total:
            body.append(row(table.total))
        style = TableStyle(parent=_grid_style(bool(last and table.total)))
        for first, _ in right:
            style.add("ALIGN", (first, 1), (first, -1), "RIGHT")
        if not table.rows:
            style.add("SPAN", (0, 1), (-1, 1))
        out.append(Table(body, colWidths=widths, repeatRows=1, style=style))
    return out


def report_pdf(report: Report, *, letterhead: Letterhead, generated: date) -> bytes:
    """The report's summary, charts and tables on A4 (landscape when the report is wide)."""
    st = _styles()
    pagesize = landscape(A4) if report.landscape else A4
    top, right, bottom, left = MARGINS_MM
    frame_width = pagesize[0] - (left + right) * mm
    story: list[Flowable] = [
        Paragraph(text(f"{letterhead.name}, {letterhead.sector}"), st["muted"]),
        Paragraph(text(report.title), st["h1"]),
    ]
    if report.subtitle:
        story.append(Paragraph(text(report.subtitle), st["sub"]))
    if report.summary:
        story.append(Table(
            [[Paragraph(text(label), st["cell"]), Paragraph(text(value), st["head"])]
             for label, value in report.summary],
            colWidths=[frame_width * 0.45, frame_width * 0.55], hAlign="LEFT",
            style=TableStyle([("FONT", (0, 0), (-1, -1), FONT_FAMILY, 8.5, 10.5),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                              ("TOPPADDING", (0, 0), (-1, -1), 1),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])))
    story += [_chart(svg, CHART_WIDTH[report.landscape]) for svg in report.charts]
    for table in report.tables:
        story += [CondPageBreak(25 * mm), Paragraph(text(table.title), st["h2"]),
                  *_table(table, frame_width)]
    story += [Paragraph(text(note), st["muted"]) for note in report.notes]

    footer = f"{letterhead.short_name} · {report.title} · сформирован {format_date(generated)}"

    def page_footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT_FAMILY, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(left * mm, 6 * mm, f"{footer} · стр. {doc.page}")
        canvas.restoreState()

    frame = Frame(left * mm, bottom * mm, frame_width, pagesize[1] - (top + bottom) * mm,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    buf = BytesIO()
    doc = BaseDocTemplate(buf, pagesize=pagesize, title=report.title, author="Одно окно",
                          pageCompression=1, initialFontName=FONT_FAMILY,
                          pageTemplates=[PageTemplate("page", [frame], onPage=page_footer)])
    doc.build(story)
    return buf.getvalue()


def letterhead(config) -> Letterhead:
    """The institution's lines from the app's configuration."""
    return Letterhead(name=config["INSTITUTION_NAME"], short_name=config["INSTITUTION_SHORT_NAME"],
                      sector=config["SECTOR_NAME"])


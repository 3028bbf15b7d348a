"""Documents built straight from ReportLab flowables (receipt, опись дел).

What xhtml2pdf did for the HTML templates, minus parsing HTML and CSS on every document:
paragraphs and tables that wrap and break pages, on A4 with the page's own margins, in
Roboto (registered once per process), with vector Code128 bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from .barcodes import code128_bars
from .fonts import FONT_FAMILY, FONT_NAMES, register_fonts

__all__ = ["Barcode", "build_pdf", "styles", "text", "text_width"]

BOLD = FONT_NAMES[(True, False)]
GREY = colors.HexColor("#555555")
HEADER_GREY = colors.HexColor("#eeeeee")


def text(value) -> str:
    """Plain text for a Paragraph (which reads a little markup): nothing typed is markup."""
    return escape(str(value), quote=False)


def text_width(margins_mm: Sequence[float]) -> float:
    """Width of the text block in points for (top, right, bottom, left) margins in mm."""
    return A4[0] - (margins_mm[1] + margins_mm[3]) * mm


@cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of the former PDF stylesheet (body 10 pt), built once."""
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT_FAMILY, fontSize=10, leading=13,
                          spaceAfter=2 * mm)
    cell = ParagraphStyle("cell", parent=base, spaceAfter=0)
    return {
        "base": base,
        "cell": cell,
        "cell_bold": ParagraphStyle("cell_bold", parent=cell, fontName=BOLD),
        "small": ParagraphStyle("small", parent=cell, fontSize=9, leading=11.5),
        "small_bold": ParagraphStyle("small_bold", parent=cell, fontSize=9, leading=11.5,
                                     fontName=BOLD, alignment=TA_CENTER),
        "small_right": ParagraphStyle("small_right", parent=cell, fontSize=9, leading=11.5,
                                      alignment=TA_RIGHT),
        "note": ParagraphStyle("note", parent=base, fontSize=8, leading=10, alignment=TA_RIGHT,
                               textColor=GREY),
        "header": ParagraphStyle("header", parent=cell, fontSize=9, leading=11,
                                 alignment=TA_CENTER),
        "centre": ParagraphStyle("centre", parent=base, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=13, leading=16,
                                alignment=TA_CENTER, spaceBefore=4 * mm, spaceAfter=1 * mm),
        "number": ParagraphStyle("number", parent=base, fontName=BOLD, fontSize=12,
                                 leading=15, alignment=TA_CENTER),
    }


class Barcode(Flowable):
    """A value as Code128 bars (10-module quiet zones included), centred by default."""

    def __init__(self, value: str, *, module_mm: float = 0.33, height_mm: float = 12):
        super().__init__()
        self.bars = code128_bars(value)
        self.module_mm, self.height_mm = module_mm, height_mm
        self.width = self.bars.width_mm(module_mm) * mm
        self.height = height_mm * mm
        self.hAlign = "CENTER"
        self.spaceBefore = self.spaceAfter = 1 * mm

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        self.bars.draw(self.canv, 0, 0, module_mm=self.module_mm, height_mm=self.height_mm)


def build_pdf(story: list[Flowable], *, margins_mm: Sequence[float], title: str) -> bytes:
    """Lay ``story`` out on A4 pages with (top, right, bottom, left) margins in mm."""
    top, right, bottom, left = margins_mm
    # No frame padding: the margins are the page's, as @page gave them in the HTML.
    frame = Frame(left * mm, bottom * mm, text_width(margins_mm),
                  A4[1] - (top + bottom) * mm, leftPadding=0, rightPadding=0, topPadding=0,
                  bottomPadding=0)
    buf = BytesIO()
    doc = BaseDocTemplate(buf, pagesize=A4, pageTemplates=[PageTemplate("page", [frame])],
                          title=title, author="Одно окно", pageCompression=1,
                          initialFontName=FONT_FAMILY)  # no unembedded Helvetica
    doc.build(story)
    return buf.getvalue()

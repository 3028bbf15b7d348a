"""Folder and box labels drawn straight onto a ReportLab canvas.

Two formats: A4 sheets of adhesive labels (default 70×37 mm, 3×8, starting at any
position of a partly used sheet) and single labels for a thermal printer (58×40 mm).
The barcode module is the widest of a few candidates that fits the label (never
below 0.25 mm), and every text line is shrunk, then shortened, never overflowing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ..printing.barcodes import code128_bars
from ..printing.fonts import FONT_NAMES, register_fonts

REGULAR = FONT_NAMES[(False, False)]
BOLD = FONT_NAMES[(True, False)]
ELLIPSIS = "…"
# Whole dots of a 203 dpi thermal printer (0.125 mm): a 0.3 mm module is 2.4 dots, so its
# bars print 2 or 3 dots wide and stop decoding; whole-dot modules print evenly (and are
# equally good on a 300/600 dpi laser sheet).
DOT_MM = 25.4 / 203
FOLDER_MODULES = tuple(n * DOT_MM for n in (4, 3, 2))
BOX_MODULES = tuple(n * DOT_MM for n in (5, 4, 3, 2))


class LabelError(ValueError):
    """A label cannot be drawn (e.g. the barcode does not fit); message in Russian."""


@dataclass(frozen=True)
class SheetLayout:
    """A sheet of adhesive labels; all sizes in millimetres."""

    label_w: float = 70
    label_h: float = 37
    cols: int = 3
    rows: int = 8
    page_w: float = 210
    page_h: float = 297
    margin_left: float | None = None  # None: centre the grid on the page
    margin_top: float | None = None
    gap_x: float = 0
    gap_y: float = 0

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    @property
    def left(self) -> float:
        if self.margin_left is not None:
            return self.margin_left
        return (self.page_w - self.cols * self.label_w - (self.cols - 1) * self.gap_x) / 2

    @property
    def top(self) -> float:
        if self.margin_top is not None:
            return self.margin_top
        return (self.page_h - self.rows * self.label_h - (self.rows - 1) * self.gap_y) / 2

    @classmethod
    def parse(cls, spec: str | None) -> SheetLayout:
        """"70x37:3x8" (label size : columns × rows), optionally ":ml,mt,gx,gy"."""
        if not spec:
            return cls()
        m = re.fullmatch(r"\s*([\d.]+)x([\d.]+):(\d+)x(\d+)(?::([\d.,]+))?\s*", spec)
        if not m:
            raise ValueError(f"bad label sheet layout {spec!r}; expected e.g. 70x37:3x8")
        extra = [float(v) for v in (m.group(5) or "").split(",") if v]
        kwargs = dict(zip(("margin_left", "margin_top", "gap_x", "gap_y"), extra, strict=False))
        layout = cls(label_w=float(m.group(1)), label_h=float(m.group(2)),
                     cols=int(m.group(3)), rows=int(m.group(4)), **kwargs)
        if layout.left < 0 or layout.top < 0:
            raise ValueError(f"label sheet layout {spec!r} does not fit on A4")
        return layout


@dataclass(frozen=True)
class LabelSize:
    """A single thermal label; millimetres."""

    w: float = 58
    h: float = 40

    @classmethod
    def parse(cls, spec: str | None) -> LabelSize:
        if not spec:
            return cls()
        m = re.fullmatch(r"\s*([\d.]+)x([\d.]+)\s*", spec)
        if not m:
            raise ValueError(f"bad thermal label size {spec!r}; expected e.g. 58x40")
        return cls(w=float(m.group(1)), h=float(m.group(2)))


@dataclass(frozen=True)
class FolderLabel:
    number: str
    full_name: str
    short_name: str
    service: str
    year: int
    # What the bars carry when the number cannot (Cyrillic: core.keyboard.barcode_text).
    barcode: str = ""

    @property
    def code(self) -> str:
        return self.barcode or self.number


@dataclass(frozen=True)
class BoxLabel:
    barcode: str
    title: str
    location: str
    contents: str


DEFAULT_SHEET = SheetLayout()
DEFAULT_BOX_SHEET = SheetLayout(label_w=105, label_h=74, cols=2, rows=4)
DEFAULT_THERMAL = LabelSize()


# ------------------------------------------------------------------ text fitting


def fit_text(candidates: Sequence[str], *, font: str, max_size: float, min_size: float,
             width: float) -> tuple[str, float]:
    """The first candidate (then size) that fits ``width`` points; else a shortened last one."""
    size = max_size
    for text in candidates:
        size = max_size
        while size >= min_size - 1e-9:
            if stringWidth(text, font, size) <= width:
                return text, size
            size -= 0.5
    text = candidates[-1]
    while text and stringWidth(text + ELLIPSIS, font, min_size) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS, min_size


def module_for(value: str, width_mm: float, modules: Iterable[float]) -> float:
    """The widest module whose bars plus 10-module quiet zones fit ``width_mm``."""
    bars = code128_bars(value)
    for module in modules:
        if bars.width_mm(module) <= width_mm:
            return module
    raise LabelError(f"Штрихкод «{value}» не помещается на этикетку шириной {width_mm:g} мм: "
                     "сократите формат номера или выберите этикетку шире")


def _draw_barcode(canvas: Canvas, value: str, *, x: float, w: float, y: float, module: float,
                  height_mm: float) -> None:
    """Centre the symbol (bars and 10-module quiet zones) in [x, x + w]."""
    bars = code128_bars(value)  # encoded once, for module_for and here
    bars.draw(canvas, x + (w - bars.width_mm(module) * mm) / 2, y, module_mm=module,
              height_mm=height_mm)


def _line(canvas: Canvas, text: str, x: float, y: float, font: str, size: float) -> None:
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)


def draw_folder_label(canvas: Canvas, label: FolderLabel, x: float, y: float,
                      w_mm: float, h_mm: float) -> None:
    """One folder label in the box whose lower-left corner is (x, y) points."""
    pad = 2.5 * mm if w_mm >= 60 else 2 * mm
    w, h = w_mm * mm, h_mm * mm
    text_w = w - 2 * pad
    top = y + h - pad
    number, size = fit_text([label.number], font=BOLD, max_size=11, min_size=6, width=text_w)
    top -= size
    _line(canvas, number, x + pad, top, BOLD, size)
    name, size = fit_text([label.full_name, label.short_name], font=REGULAR, max_size=9.5,
                          min_size=7, width=text_w)
    top -= size + 1.5
    _line(canvas, name, x + pad, top, REGULAR, size)
    service, size = fit_text([f"{label.year} · {label.service}"], font=REGULAR, max_size=8,
                             min_size=6, width=text_w)
    top -= size + 1.5
    _line(canvas, service, x + pad, top, REGULAR, size)
    # The quiet zones may run into the padding: they are white anyway.
    module = module_for(label.code, w_mm - 1, FOLDER_MODULES)
    bar_bottom = y + 1.5 * mm
    height_mm = min(14.0, (top - 1.5 * mm - bar_bottom) / mm)
    if height_mm < 6:
        raise LabelError(f"Этикетка {w_mm:g}×{h_mm:g} мм слишком низкая для штрихкода")
    _draw_barcode(canvas, label.code, x=x, w=w, y=bar_bottom, module=module,
                  height_mm=height_mm)


def draw_box_label(canvas: Canvas, label: BoxLabel, x: float, y: float,
                   w_mm: float, h_mm: float) -> None:
    pad = 3 * mm
    w, h = w_mm * mm, h_mm * mm
    text_w = w - 2 * pad
    top = y + h - pad
    title, size = fit_text([label.title], font=BOLD, max_size=16, min_size=8, width=text_w)
    top -= size
    _line(canvas, title, x + pad, top, BOLD, size)
    for text in (label.location, label.contents):
        if not text:
            continue
        line, size = fit_text([text], font=REGULAR, max_size=9, min_size=6.5, width=text_w)
        top -= size + 2
        _line(canvas, line, x + pad, top, REGULAR, size)
    module = module_for(label.barcode, w_mm - 1, BOX_MODULES)
    bar_bottom = y + 2 * mm
    height_mm = min(30.0, (top - 2 * mm - bar_bottom) / mm)
    if height_mm < 6:
        raise LabelError(f"Этикетка {w_mm:g}×{h_mm:g} мм слишком низкая для штрихкода короба")
    _draw_barcode(canvas, label.barcode, x=x, w=w, y=bar_bottom, module=module,
                  height_mm=height_mm)


# ------------------------------------------------------------------ documents


def _canvas(buf: BytesIO, size: tuple[float, float], title: str) -> Canvas:
    register_fonts()
    canvas = Canvas(buf, pagesize=size, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("Одно окно")
    return canvas


def shift_origin(canvas: Canvas, offset: tuple[float, float]) -> None:
    """Calibrate a printer: move everything right by dx and down by dy millimetres."""
    dx, dy = offset
    if dx or dy:
        canvas.translate(dx * mm, -dy * mm)


def _sheet(labels: Sequence, draw, *, layout: SheetLayout, start: int, title: str,
           offset: tuple[float, float] = (0.0, 0.0)) -> bytes:
    if not 1 <= start <= layout.per_page:
        raise LabelError(f"Начальная позиция — от 1 до {layout.per_page}")
    if not labels:
        raise LabelError("Нет этикеток для печати")
    buf = BytesIO()
    canvas = _canvas(buf, (layout.page_w * mm, layout.page_h * mm), title)
    shift_origin(canvas, offset)
    slot = start - 1
    for label in labels:
        if slot == layout.per_page:
            canvas.showPage()
            shift_origin(canvas, offset)
            slot = 0
        row, col = divmod(slot, layout.cols)
        x = (layout.left + col * (layout.label_w + layout.gap_x)) * mm
        y_top = (layout.page_h - layout.top - row * (layout.label_h + layout.gap_y)) * mm
        draw(canvas, label, x, y_top - layout.label_h * mm, layout.label_w, layout.label_h)
        slot += 1
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _singles(labels: Sequence, draw, *, size: LabelSize, title: str,
             offset: tuple[float, float] = (0.0, 0.0)) -> bytes:
    if not labels:
        raise LabelError("Нет этикеток для печати")
    buf = BytesIO()
    canvas = _canvas(buf, (size.w * mm, size.h * mm), title)
    for label in labels:
        shift_origin(canvas, offset)
        draw(canvas, label, 0, 0, size.w, size.h)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def folder_labels_sheet(labels: Sequence[FolderLabel], *, layout: SheetLayout = DEFAULT_SHEET,
                        start: int = 1, offset: tuple[float, float] = (0.0, 0.0)) -> bytes:
    return _sheet(labels, draw_folder_label, layout=layout, start=start,
                  title="Этикетки личных дел", offset=offset)


def folder_labels_thermal(labels: Sequence[FolderLabel], *,
                          size: LabelSize = DEFAULT_THERMAL,
                          offset: tuple[float, float] = (0.0, 0.0)) -> bytes:
    return _singles(labels, draw_folder_label, size=size, title="Этикетки личных дел",
                    offset=offset)


def box_labels_sheet(labels: Sequence[BoxLabel], *, layout: SheetLayout = DEFAULT_BOX_SHEET,
                     start: int = 1, offset: tuple[float, float] = (0.0, 0.0)) -> bytes:
    return _sheet(labels, draw_box_label, layout=layout, start=start, title="Этикетки коробов",
                  offset=offset)


def box_labels_thermal(labels: Sequence[BoxLabel], *,
                       size: LabelSize = DEFAULT_THERMAL,
                       offset: tuple[float, float] = (0.0, 0.0)) -> bytes:
    return _singles(labels, draw_box_label, size=size, title="Этикетки коробов",
                    offset=offset)

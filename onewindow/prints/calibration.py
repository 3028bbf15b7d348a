"""The calibration page: a millimetre ruler grid that stays put, and label outlines with a
test barcode that move by the workstation's offsets — print it, compare with the labels."""

from __future__ import annotations

from io import BytesIO

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..archive.labels import FOLDER_MODULES, LabelSize, SheetLayout, module_for, shift_origin
from ..printing.barcodes import code128_width_mm, draw_code128
from ..printing.fonts import FONT_NAMES, register_fonts

TEST_CODE = "CAL-0123"
REGULAR = FONT_NAMES[(False, False)]


def _ruler(canvas: Canvas, w_mm: float, h_mm: float) -> None:
    """A 10 mm grid with 1 mm ticks along the top and left edges, numbered in mm."""
    canvas.saveState()
    canvas.setLineWidth(0.2)
    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    for x in range(0, int(w_mm) + 1, 10):
        canvas.line(x * mm, 0, x * mm, h_mm * mm)
    for y in range(0, int(h_mm) + 1, 10):
        canvas.line(0, (h_mm - y) * mm, w_mm * mm, (h_mm - y) * mm)
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.setFont(REGULAR, 5)
    for x in range(0, int(w_mm) + 1):
        length = 3 if x % 10 == 0 else 1.5 if x % 5 == 0 else 1
        canvas.line(x * mm, h_mm * mm, x * mm, (h_mm - length) * mm)
        if x % 10 == 0 and x:
            canvas.drawCentredString(x * mm, (h_mm - 5) * mm, str(x))
    for y in range(0, int(h_mm) + 1):
        length = 3 if y % 10 == 0 else 1.5 if y % 5 == 0 else 1
        canvas.line(0, (h_mm - y) * mm, length * mm, (h_mm - y) * mm)
        if y % 10 == 0 and y:
            canvas.drawString(3.5 * mm, (h_mm - y) * mm - 1.5, str(y))
    canvas.restoreState()


def _outline(canvas: Canvas, x_mm: float, y_top_mm: float, w_mm: float, h_mm: float,
             page_h: float) -> None:
    canvas.saveState()
    canvas.setLineWidth(0.4)
    canvas.setDash(2, 2)
    canvas.rect(x_mm * mm, (page_h - y_top_mm - h_mm) * mm, w_mm * mm, h_mm * mm)
    canvas.restoreState()


def _test_barcode(canvas: Canvas, x_mm: float, y_mm: float, w_mm: float, h_mm: float) -> None:
    """The test symbol centred in a label box whose lower-left corner is (x_mm, y_mm)."""
    module = module_for(TEST_CODE, w_mm - 1, FOLDER_MODULES)
    total = code128_width_mm(TEST_CODE, module)
    height = min(12.0, h_mm - 8)
    draw_code128(canvas, TEST_CODE, (x_mm + (w_mm - total) / 2) * mm, (y_mm + 4) * mm,
                 module_mm=module, height_mm=height, human_readable=True)


def calibration_pdf(*, fmt: str, layout: SheetLayout, size: LabelSize,
                    offset: tuple[float, float], printer_name: str = "") -> bytes:
    """One page: the ruler where the paper is, the label grid where the printer will put it."""
    register_fonts()
    buf = BytesIO()
    page_w, page_h = (layout.page_w, layout.page_h) if fmt == "sheet" else (size.w, size.h)
    canvas = Canvas(buf, pagesize=(page_w * mm, page_h * mm), pageCompression=1)
    canvas.setTitle("Калибровка печати")
    canvas.setAuthor("Одно окно")
    _ruler(canvas, page_w, page_h)
    canvas.saveState()
    shift_origin(canvas, offset)
    if fmt == "sheet":
        for row in range(layout.rows):
            for col in range(layout.cols):
                x = layout.left + col * (layout.label_w + layout.gap_x)
                y_top = layout.top + row * (layout.label_h + layout.gap_y)
                _outline(canvas, x, y_top, layout.label_w, layout.label_h, page_h)
        _test_barcode(canvas, layout.left, page_h - layout.top - layout.label_h,
                      layout.label_w, layout.label_h)
    else:
        _outline(canvas, 0.5, 0.5, size.w - 1, size.h - 1, page_h)
        _test_barcode(canvas, 0, 0, size.w, size.h)
    canvas.restoreState()
    if fmt == "sheet":
        canvas.setFont(REGULAR, 8)
        note = (f"Калибровка: смещение вправо {offset[0]:+g} мм, вниз {offset[1]:+g} мм"
                + (f"; принтер: {printer_name}" if printer_name else ""))
        canvas.drawString(12 * mm, 5 * mm, note)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()

"""Vector Code128 barcodes for receipts and labels.

Both paths use ReportLab's Code128 (automatic code-set switching, so digit runs
are packed as code set C) and draw filled rectangles -- never bitmaps:

* :func:`draw_code128` draws straight onto a ReportLab canvas: the value is encoded
  once (:func:`code128_bars`, cached per value) and the bars drawn as one filled path;
* :func:`barcode_tag` returns xhtml2pdf's ``<pdf:barcode>`` markup for HTML
  templates rendered with :func:`onewindow.printing.pdf.render_pdf`. In
  xhtml2pdf 0.2.28 that tag builds the same ReportLab widget
  (``createBarcodeDrawing("Code128", barWidth=..., barHeight=...)``) with its
  default quiet zones.

Geometry, chosen to survive a 203 dpi 1-bit thermal print: module (narrowest
bar) >= 0.25 mm, default 0.33 mm; quiet zone on each side: 10 modules on the
canvas path, ReportLab's default max(6.35 mm, 10 modules) on the HTML path.

ReportLab silently drops characters it cannot encode; here values are checked
first and anything outside printable ASCII raises ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .fonts import FONT_FAMILY, register_fonts

__all__ = [
    "MIN_MODULE_MM",
    "QUIET_MODULES",
    "Code128Bars",
    "barcode_tag",
    "code128_bars",
    "code128_width_mm",
    "draw_code128",
    "validate_code128_value",
]

#: Narrowest module that still prints reliably at 203 dpi (about 2 dots).
MIN_MODULE_MM = 0.25
#: Minimum quiet zone each side, in modules (ReportLab may use more: >= 6.35 mm).
QUIET_MODULES = 10
#: Human-readable line under the bars (draw_code128 only).
_HR_FONT_SIZE = 8.0
_HR_GAP_PT = 1.0


def validate_code128_value(value: str) -> str:
    """Return ``value`` if Code128 (sets A/B/C) can encode it, else raise ValueError."""
    if not isinstance(value, str):
        raise TypeError(f"barcode value must be str, not {type(value).__name__}")
    if not value:
        raise ValueError("barcode value is empty")
    bad = sorted({ch for ch in value if not (32 <= ord(ch) <= 126)})
    if bad:
        raise ValueError(
            f"barcode value {value!r} has characters Code128 cannot encode: {bad!r}"
            " (only printable ASCII is allowed)"
        )
    return value


def _check_geometry(module_mm: float, height_mm: float) -> None:
    if module_mm < MIN_MODULE_MM:
        raise ValueError(
            f"module_mm={module_mm} is below {MIN_MODULE_MM} mm; "
            "it would not scan after a 203 dpi thermal print"
        )
    if height_mm <= 0:
        raise ValueError(f"height_mm must be positive, got {height_mm}")


@dataclass(frozen=True)
class Code128Bars:
    """A value encoded once: its bars as (start, width) in modules from the first bar.

    ReportLab's Code128 widget encodes the value again on every ``width`` read and on
    every draw (three to six times per label); here it is encoded once per value and the
    bars are drawn as one filled path.
    """

    value: str
    bars: tuple[tuple[int, int], ...]
    modules: int  # the bars' span in modules, quiet zones excluded

    def width_mm(self, module_mm: float) -> float:
        """Total symbol width in mm, quiet zones of QUIET_MODULES included."""
        return (self.modules + 2 * QUIET_MODULES) * module_mm

    def draw(self, canvas: Canvas, x: float, y: float, *, module_mm: float,
             height_mm: float) -> float:
        """Draw with the left quiet zone starting at ``(x, y)`` points; returns the width."""
        _check_geometry(module_mm, height_mm)
        module, height = module_mm * mm, height_mm * mm
        canvas.saveState()
        try:
            # Bars relative to the symbol's origin: the same value draws the same bytes
            # wherever it stands, which keeps a sheet of labels small once compressed.
            canvas.translate(x + QUIET_MODULES * module, y)
            canvas.setFillColorRGB(0, 0, 0)  # bars use the fill colour; never grey
            path = canvas.beginPath()
            for start, width in self.bars:
                path.rect(start * module, 0, width * module, height)
            canvas.drawPath(path, stroke=0, fill=1)
        finally:
            canvas.restoreState()
        return self.width_mm(module_mm) * mm


@lru_cache(maxsize=4096)
def code128_bars(value: str) -> Code128Bars:
    """Encode ``value`` with ReportLab's Code128 (code sets switched automatically), once."""
    validate_code128_value(value)
    widget = Code128(value, barWidth=1, humanReadable=0, quiet=0)
    widget.validate()
    widget.encode()
    widget.decompose()
    bars, pos = [], 0
    # Upper-case letters are bars, lower-case spaces; "a"/"A" is one module wide.
    for ch in widget.decomposed:
        if "A" <= ch <= "Z":
            bars.append((pos, ord(ch) - ord("A") + 1))
            pos += ord(ch) - ord("A") + 1
        elif "a" <= ch <= "z":
            pos += ord(ch) - ord("a") + 1
    return Code128Bars(value, tuple(bars), pos)


def code128_width_mm(value: str, module_mm: float = 0.33) -> float:
    """Total symbol width in mm, quiet zones included (both drawing paths)."""
    _check_geometry(module_mm, 1.0)
    return code128_bars(value).width_mm(module_mm)


def draw_code128(
    canvas: Canvas,
    value: str,
    x: float,
    y: float,
    *,
    module_mm: float = 0.33,
    height_mm: float = 12,
    human_readable: bool = False,
) -> float:
    """Draw a vector Code128 symbol on a ReportLab canvas.

    ``(x, y)`` in points is the lower-left corner of the left quiet zone; the
    bars span ``height_mm`` upwards from ``y``. With ``human_readable`` the
    value is printed centred *below* ``y`` in Roboto 8 pt (about 3.5 mm).
    Returns the total width in points, quiet zones included.
    """
    width = code128_bars(value).draw(canvas, x, y, module_mm=module_mm, height_mm=height_mm)
    if human_readable:
        register_fonts()
        canvas.saveState()
        try:
            canvas.setFillColorRGB(0, 0, 0)
            canvas.setFont(FONT_FAMILY, _HR_FONT_SIZE)
            baseline = y - _HR_GAP_PT - _HR_FONT_SIZE * 0.8
            canvas.drawCentredString(x + width / 2, baseline, value)
        finally:
            canvas.restoreState()
    return width


def barcode_tag(value: str, *, module_mm: float = 0.33, height_mm: float = 12) -> Markup:
    """xhtml2pdf markup for a vector Code128 symbol, safe to output in Jinja.

    The value is HTML-escaped; it occupies ``code128_width_mm(value, module_mm)``
    horizontally. No human-readable line (xhtml2pdf would set it in Helvetica);
    print the value as ordinary text next to it instead.
    """
    validate_code128_value(value)
    _check_geometry(module_mm, height_mm)
    return Markup(
        '<pdf:barcode value="{value}" type="code128" barwidth="{bw}mm" '
        'barheight="{bh}mm" humanreadable="0"/>'
    ).format(value=escape(value), bw=_fmt(module_mm), bh=_fmt(height_mm))


def _fmt(number: float) -> str:
    return f"{float(number):.4f}".rstrip("0").rstrip(".")

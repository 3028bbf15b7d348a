"""Vector Code128 barcodes for receipts and labels.

Both paths use ReportLab's Code128 (automatic code-set switching, so digit runs
are packed as code set C) and draw filled rectangles -- never bitmaps:

* :func:`draw_code128` draws straight onto a ReportLab canvas;
* :func:`barcode_tag` returns xhtml2pdf's ``<pdf:barcode>`` markup for HTML
  templates rendered with :func:`onewindow.printing.pdf.render_pdf`. In
  xhtml2pdf 0.2.28 that tag builds the same ReportLab widget
  (``createBarcodeDrawing("Code128", barWidth=..., barHeight=...)``) with its
  default quiet zones.

Geometry, chosen to survive a 203 dpi 1-bit thermal print: module (narrowest
bar) >= 0.25 mm, default 0.33 mm; quiet zone on each side = ReportLab's
default max(6.35 mm, 10 modules), so always >= 10 modules.

ReportLab silently drops characters it cannot encode; here values are checked
first and anything outside printable ASCII raises ``ValueError``.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .fonts import FONT_FAMILY, register_fonts

__all__ = [
    "MIN_MODULE_MM",
    "QUIET_MODULES",
    "barcode_tag",
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


def _widget(value: str, module_mm: float, height_mm: float) -> Code128:
    validate_code128_value(value)
    _check_geometry(module_mm, height_mm)
    bar = module_mm * mm
    widget = Code128(value, barWidth=bar, barHeight=height_mm * mm, humanReadable=0, quiet=1,
                     lquiet=QUIET_MODULES * bar, rquiet=QUIET_MODULES * bar)
    # ReportLab's default is max(0.25 inch, 10 modules); assert the invariant.
    assert widget.lquiet >= QUIET_MODULES * bar and widget.rquiet >= QUIET_MODULES * bar
    return widget


def code128_width_mm(value: str, module_mm: float = 0.33) -> float:
    """Total symbol width in mm, quiet zones included (both drawing paths)."""
    return _widget(value, module_mm, 1.0).width / mm


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
    widget = _widget(value, module_mm, height_mm)
    width = widget.width
    canvas.saveState()
    try:
        canvas.setFillColorRGB(0, 0, 0)  # bars use the fill colour; never grey
        widget.drawOn(canvas, x, y)
        if human_readable:
            register_fonts()
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

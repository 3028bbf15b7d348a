"""Vector QR codes (segno): the rating link on receipts and tickets.

* :func:`qr_svg` — one filled SVG path (runs of dark modules), quiet zone of 4 modules;
* :func:`qr_tag` — xhtml2pdf markup: that SVG as a data: URI, which svglib draws as
  vectors (no bitmap), sized in mm;
* :func:`draw_qr` — the same modules as rectangles straight onto a ReportLab canvas.
"""

from __future__ import annotations

import base64
from functools import lru_cache

import segno
from markupsafe import Markup, escape
from reportlab.lib.units import mm

QUIET = 4
ERROR = "m"


@lru_cache(maxsize=256)
def _matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The symbol's modules, computed once per URL (segno's mask choice costs ~7 ms).

    A receipt's two copies, and a reprint, reuse it.
    """
    qr = segno.make(url, error=ERROR, micro=False)
    return tuple(tuple(bool(v) for v in row) for row in qr.matrix)


def _runs(row: tuple[bool, ...]):
    """(start, length) of each run of dark modules in a row."""
    x, n = 0, len(row)
    while x < n:
        if row[x]:
            start = x
            while x < n and row[x]:
                x += 1
            yield start, x - start
        else:
            x += 1


def qr_svg(url: str) -> str:
    """The QR symbol as SVG, one module = one user unit, quiet zone included."""
    matrix = _matrix(url)
    size = len(matrix) + 2 * QUIET
    path = "".join(f"M{x + QUIET} {y + QUIET}h{length}v1h-{length}z"
                   for y, row in enumerate(matrix) for x, length in _runs(row))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
            f'viewBox="0 0 {size} {size}"><rect x="0" y="0" width="{size}" height="{size}" '
            f'fill="#ffffff"/><path d="{path}" fill="#000000"/></svg>')


def qr_tag(url: str, *, size_mm: float = 24) -> Markup:
    """xhtml2pdf ``<img>`` drawing the QR code as vectors, ``size_mm`` square."""
    uri = "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url).encode()).decode()
    side = f"{size_mm:g}mm"
    return Markup('<img src="{uri}" width="{w}" height="{w}" alt="{alt}">').format(
        uri=uri, w=side, alt=escape("QR-код для оценки качества"))


def draw_qr(canvas, url: str, x: float, y: float, *, size_mm: float = 24) -> float:
    """Draw the QR code on a ReportLab canvas; (x, y) is the lower-left corner in points."""
    matrix = _matrix(url)
    count = len(matrix) + 2 * QUIET
    module = size_mm * mm / count
    canvas.saveState()
    try:
        # One filled path in the symbol's own coordinates (one module = one unit).
        canvas.translate(x, y)
        canvas.scale(module, module)
        canvas.setFillColorRGB(0, 0, 0)
        path = canvas.beginPath()
        for row_index, row in enumerate(matrix):
            top = count - QUIET - 1 - row_index
            for start, length in _runs(row):
                path.rect(start + QUIET, top, length, 1)
        canvas.drawPath(path, stroke=0, fill=1)
    finally:
        canvas.restoreState()
    return size_mm * mm

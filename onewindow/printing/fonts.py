"""Cyrillic-capable fonts for every PDF the app prints.

The faces come from the ``font_roboto`` pip package, so no font has to be
installed on the server. :func:`register_fonts` makes them known to ReportLab
(for documents drawn directly on a canvas); HTML templates rendered through
xhtml2pdf get them via ``@font-face`` rules in :data:`onewindow.printing.pdf.BASE_CSS`.
"""

from __future__ import annotations

import threading
from pathlib import Path

import font_roboto
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

__all__ = [
    "FONT_DIR",
    "FONT_FAMILY",
    "FONT_FILES",
    "FONT_NAMES",
    "map_family",
    "register_fonts",
]

#: Directory holding the Roboto TTF files (inside the installed package).
FONT_DIR: Path = (Path(font_roboto.__file__).parent / "files").resolve()

#: Family name used with ReportLab (``canvas.setFont("Roboto", 10)``) and in CSS.
FONT_FAMILY = "Roboto"

#: (bold, italic) -> TTF file of that face.
FONT_FILES: dict[tuple[bool, bool], Path] = {
    (False, False): FONT_DIR / "Roboto-Regular.ttf",
    (True, False): FONT_DIR / "Roboto-Bold.ttf",
    (False, True): FONT_DIR / "Roboto-Italic.ttf",
    (True, True): FONT_DIR / "Roboto-BoldItalic.ttf",
}

#: (bold, italic) -> ReportLab font name of that face.
FONT_NAMES: dict[tuple[bool, bool], str] = {
    (False, False): "Roboto",
    (True, False): "Roboto-Bold",
    (False, True): "Roboto-Italic",
    (True, True): "Roboto-BoldItalic",
}

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the Roboto family with ReportLab, once per process.

    Idempotent and cheap after the first call (a flag check). Afterwards
    ``canvas.setFont("Roboto-Bold", 10)`` works and ``<b>`` inside ReportLab
    paragraphs set in "Roboto" maps to the bold face.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        missing = [str(path) for path in FONT_FILES.values() if not path.is_file()]
        if missing:
            raise FileNotFoundError(
                "Roboto font files are missing (is font-roboto installed?): " + ", ".join(missing)
            )
        registered = set(pdfmetrics.getRegisteredFontNames())
        for key, name in FONT_NAMES.items():
            if name not in registered:
                pdfmetrics.registerFont(TTFont(name, str(FONT_FILES[key])))
        # registerFontFamily only maps the exact family name; addMapping also
        # covers the lower-case key ReportLab's tt2ps() looks up.
        map_family()
        _registered = True


def map_family() -> None:
    """Map Roboto's bold and italic to our four faces (again, after xhtml2pdf).

    xhtml2pdf registers the ``@font-face`` rules under names of its own and re-maps the
    family: afterwards a ReportLab paragraph in "Roboto-Bold" came out in the bold italic
    face, in every document a worker drew after an HTML one.
    """
    pdfmetrics.registerFontFamily(
        FONT_FAMILY,
        normal=FONT_NAMES[(False, False)],
        bold=FONT_NAMES[(True, False)],
        italic=FONT_NAMES[(False, True)],
        boldItalic=FONT_NAMES[(True, True)],
    )
    for (bold, italic), name in FONT_NAMES.items():
        addMapping(FONT_FAMILY, int(bold), int(italic), name)

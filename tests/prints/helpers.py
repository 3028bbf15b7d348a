"""Find where ink lands on a rendered PDF page (pdftoppm), in millimetres."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from ..pdfcheck import require_tool


def ink_bbox_mm(pdf: bytes, *, dpi: int = 150, page: int = 1,
                threshold: int = 128) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the dark pixels of ``page``, mm from the top-left corner."""
    pdftoppm = require_tool("pdftoppm")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        subprocess.run([pdftoppm, "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page),
                        str(src), str(Path(tmp) / "p")], check=True, timeout=60)
        image_path = next(Path(tmp).glob("p*.pgm"))
        with Image.open(image_path) as image:
            mask = image.point(lambda v: 255 if v < threshold else 0)
            box = mask.getbbox()
    assert box is not None, "nothing printed on the page"
    to_mm = 25.4 / dpi
    return tuple(v * to_mm for v in box)

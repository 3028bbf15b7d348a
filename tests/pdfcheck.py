"""Helpers for tests that inspect generated PDFs (text, fonts, barcodes).

Plain module, import it explicitly: ``from tests.pdfcheck import pdf_text``.

External tools (Debian/Ubuntu packages):
  * pdftotext, pdftoppm -- ``apt-get install poppler-utils``
  * zbarimg             -- ``apt-get install zbar-tools``
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

__all__ = [
    "TOOL_PACKAGES",
    "decode_barcodes",
    "pdf_fonts",
    "pdf_text",
    "pdf_text_backend",
    "require_tool",
]

#: Binary -> apt package providing it.
TOOL_PACKAGES = {
    "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "pdffonts": "poppler-utils",
    "zbarimg": "zbar-tools",
}

_TIMEOUT = 60


def require_tool(name: str) -> str:
    """Return the path of binary ``name``; skip the test (fail on CI) if missing."""
    path = shutil.which(name)
    if path:
        return path
    package = TOOL_PACKAGES.get(name, name)
    message = f"external tool {name} not installed (apt-get install {package})"
    if os.environ.get("CI"):
        pytest.fail(message + " -- required on CI")
    pytest.skip(message)
    raise AssertionError("unreachable")  # pytest.skip raises


def pdf_text_backend() -> str:
    """Which extractor :func:`pdf_text` uses: "pdftotext" or "pypdf"."""
    return "pdftotext" if shutil.which("pdftotext") else "pypdf"


def pdf_text(pdf_bytes: bytes) -> str:
    """Text of all pages.

    Uses ``pdftotext -layout`` (poppler) when installed -- see
    :func:`pdf_text_backend` -- else pypdf's ``extract_text``. Pages are
    separated by form feeds in both cases.
    """
    exe = shutil.which("pdftotext")
    if exe:
        result = subprocess.run(
            [exe, "-layout", "-enc", "UTF-8", "-", "-"],
            input=pdf_bytes,
            capture_output=True,
            check=True,
            timeout=_TIMEOUT,
        )
        return result.stdout.decode("utf-8")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    return "\f".join(page.extract_text() or "" for page in reader.pages)


def pdf_fonts(pdf_bytes: bytes) -> dict[str, bool]:
    """BaseFont name (subset prefix stripped) -> whether a font file is embedded."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    fonts: dict[str, bool] = {}
    seen: set[int] = set()

    def visit(resources) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        font_dict = resources.get("/Font")
        if font_dict is not None:
            for ref in font_dict.get_object().values():
                font = ref.get_object()
                key = id(font)
                if key in seen:
                    continue
                seen.add(key)
                fonts.update(_describe_font(font))
        xobjects = resources.get("/XObject")
        if xobjects is not None:
            for ref in xobjects.get_object().values():
                xobj = ref.get_object()
                if xobj.get("/Subtype") == "/Form":
                    visit(xobj.get("/Resources"))

    for page in reader.pages:
        visit(page.get("/Resources"))
    return fonts


def _describe_font(font) -> dict[str, bool]:
    name = str(font.get("/BaseFont", "?")).lstrip("/")
    if "+" in name:
        name = name.split("+", 1)[1]
    descriptors = []
    if "/FontDescriptor" in font:
        descriptors.append(font["/FontDescriptor"].get_object())
    for desc in font.get("/DescendantFonts", []) or []:
        desc = desc.get_object()
        if "/FontDescriptor" in desc:
            descriptors.append(desc["/FontDescriptor"].get_object())
    embedded = any(
        key in d for d in descriptors for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )
    return {name: embedded}


def decode_barcodes(
    pdf_bytes: bytes,
    *,
    dpi: int = 300,
    mono: bool = False,
    page: int | None = None,
    symbologies: tuple[str, ...] | None = None,
) -> list[str]:
    """Rasterise with pdftoppm and decode every barcode with zbarimg.

    ``mono=True`` renders 1-bit (like a thermal printer). ``page`` is 1-based;
    ``None`` means all pages. ``symbologies`` (zbar names such as
    ``("code128", "qrcode")``) restricts decoding to those. Returns the
    decoded values in page order (within a page, in zbar's order -- compare
    as sorted lists).
    """
    pdftoppm = require_tool("pdftoppm")
    zbarimg = require_tool("zbarimg")
    with tempfile.TemporaryDirectory(prefix="pdfcheck-") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / "doc.pdf"
        src.write_bytes(pdf_bytes)
        cmd = [pdftoppm, "-r", str(dpi)]
        if mono:
            cmd.append("-mono")
        if page is not None:
            cmd += ["-f", str(page), "-l", str(page)]
        cmd += ["-png", str(src), str(tmpdir / "page")]
        subprocess.run(cmd, check=True, capture_output=True, timeout=_TIMEOUT)
        images = sorted(tmpdir.glob("page*.png"), key=_page_number)
        zbar_cmd = [zbarimg, "--raw", "-q"]
        if symbologies:
            zbar_cmd.append("-Sdisable")
            zbar_cmd += [f"-S{name}.enable" for name in symbologies]
        values: list[str] = []
        for image in images:
            result = subprocess.run(
                [*zbar_cmd, str(image)],
                capture_output=True,
                timeout=_TIMEOUT,
            )
            # zbarimg exits 4 when it found no symbol; anything else non-zero is an error.
            if result.returncode not in (0, 4):
                raise RuntimeError(
                    f"zbarimg failed ({result.returncode}) on {image.name}: "
                    + result.stderr.decode("utf-8", "replace")
                )
            out = result.stdout.decode("utf-8", "replace")
            values.extend(line for line in out.splitlines() if line)
        return values


def _page_number(path: Path) -> int:
    digits = path.stem.rsplit("-", 1)[-1]
    return int(digits) if digits.isdigit() else 0

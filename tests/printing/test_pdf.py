"""HTML -> PDF: Cyrillic fonts independent of cwd, link/resource safety, errors."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
from markupsafe import escape
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph

from onewindow.printing import pdf as pdf_module
from onewindow.printing.flowables import build_pdf, styles
from onewindow.printing.fonts import FONT_DIR, FONT_FILES, FONT_NAMES, register_fonts
from onewindow.printing.pdf import (
    BASE_CSS,
    BLOCKED_URI,
    PdfRenderError,
    make_link_callback,
    render_pdf,
    resource_policy,
)
from tests.pdfcheck import pdf_fonts, pdf_text

from ..conftest import missing

PHRASE = "Расписка в приёме документов: Иванова Ёлка Щукинична"


def page(body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
        f"<style>{BASE_CSS}</style></head><body>{body}</body></html>"
    )


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to resolve or connect fails the test loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (8, 8), (200, 0, 0)).save(path)
    return path


def _image_count(pdf_bytes: bytes) -> int:
    from pypdf import PdfReader

    count = 0
    for pg in PdfReader(io.BytesIO(pdf_bytes)).pages:
        xobjects = pg["/Resources"].get_object().get("/XObject")
        if xobjects is None:
            continue
        for ref in xobjects.get_object().values():
            if ref.get_object().get("/Subtype") == "/Image":
                count += 1
    return count


# --- fonts -----------------------------------------------------------------------


def test_register_fonts_is_idempotent():
    register_fonts()
    register_fonts()
    names = set(pdfmetrics.getRegisteredFontNames())
    assert set(FONT_NAMES.values()) <= names
    assert all(path.is_file() and path.parent == FONT_DIR for path in FONT_FILES.values())
    family = pdfmetrics.getFont("Roboto")
    assert family.face.name  # a real TTF face, not a Type1 fallback


def test_cyrillic_text_from_foreign_cwd(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # xhtml2pdf's default policy confines reads to cwd
    pdf = render_pdf(page(f"<h1>{PHRASE}</h1><p>Обычный <b>жирный</b> <i>курсив</i></p>"))
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert PHRASE in text
    assert "Обычный жирный курсив" in " ".join(text.split())


def test_roboto_is_embedded_for_all_used_faces(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    pdf = render_pdf(page(f"<p>{PHRASE} <b>Ж</b> <i>К</i> <b><i>ЖК</i></b></p>"))
    fonts = pdf_fonts(pdf)
    roboto = {name: emb for name, emb in fonts.items() if name.startswith("Roboto")}
    assert {"Roboto-Regular", "Roboto-Bold", "Roboto-Italic", "Roboto-BoldItalic"} <= set(roboto)
    assert all(roboto.values()), fonts  # /FontFile2 present


def test_reportlab_bold_after_an_html_document_is_bold_not_bold_italic():
    """xhtml2pdf re-mapped the Roboto family: a later platypus bold came out bold italic."""
    render_pdf(page(f"<p>{PHRASE} <b>Ж</b> <i>К</i> <b><i>ЖК</i></b></p>"))
    pdf = build_pdf([Paragraph("Жирный", styles()["cell_bold"]), Paragraph("Обычный",
                                                                         styles()["cell"])],
                    margins_mm=(10, 10, 10, 10), title="t")
    assert set(pdf_fonts(pdf)) == {"Roboto-Bold", "Roboto-Regular"}
    assert "Жирный" in pdf_text(pdf)


def test_repeated_renders_are_stable():
    html = page(f"<p>{PHRASE}</p>")
    first, second = render_pdf(html), render_pdf(html)
    assert PHRASE in pdf_text(first)
    assert PHRASE in pdf_text(second)


def test_escaped_markup_is_rendered_as_literal_text():
    nasty = """<script>alert("x")</script> & 'кавычки' "двойные" <b>не жирный</b>"""
    pdf = render_pdf(page(f"<p>{escape(nasty)}</p>"))
    assert nasty in pdf_text(pdf)


def test_base_css_declares_page_and_font():
    assert "size: a4" in BASE_CSS
    assert "15mm" in BASE_CSS
    assert "font-family: Roboto" in BASE_CSS
    assert "10pt" in BASE_CSS
    for path in FONT_FILES.values():
        assert path.as_posix() in BASE_CSS


# --- link callback / resource policy -----------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "http://example.com/x.png",
        "https://example.com/x.png",
        "//example.com/x.png",
        "ftp://example.com/x.png",
        "/etc/passwd",
        "../../../etc/passwd",
        "file:///etc/passwd",
        "file://evil.example.com/etc/passwd",
        "/static/../../../etc/passwd",
        "static/../../../../etc/passwd",
        "x.png",
        "",
    ],
)
def test_link_callback_refuses_untrusted(uri, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    callback = make_link_callback(static)
    assert callback(uri, None) == BLOCKED_URI
    assert make_link_callback()(uri, None) == BLOCKED_URI


def test_link_callback_resolves_fonts_and_static(tmp_path):
    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    logo = _png(static / "img" / "logo.png")
    callback = make_link_callback(static)
    font = FONT_FILES[(False, False)]
    assert callback(font.as_posix(), None) == str(font)
    assert callback(font.as_uri(), None) == str(font)
    assert callback("/static/img/logo.png", None) == str(logo.resolve())
    assert callback("static/img/logo.png", None) == str(logo.resolve())
    assert callback(str(logo), None) == str(logo.resolve())
    assert callback("/static/img/missing.png", None) == BLOCKED_URI
    # data: URIs carry their content inline, nothing is fetched
    assert callback("data:image/png;base64,AAAA", None) == "data:image/png;base64,AAAA"
    # a file outside the static folder, even next to it, is refused
    outside = _png(tmp_path / "outside.png")
    assert callback(str(outside), None) == BLOCKED_URI


def test_link_callback_refuses_symlink_escaping_static(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    secret = tmp_path / "secret.png"
    _png(secret)
    link = static / "link.png"
    try:
        link.symlink_to(secret)
    except OSError as exc:
        missing("symlinks", f"the file system refused one: {exc}")
    assert make_link_callback(static)("/static/link.png", None) == BLOCKED_URI


def test_untrusted_images_are_skipped_without_fetching(no_network, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    seen = []
    real = make_link_callback()

    def spy(uri, rel=None):
        result = real(uri, rel)
        seen.append((uri, result))
        return result

    monkeypatch.setattr(pdf_module, "_DEFAULT_CALLBACK", spy)
    html = page(
        f"<p>{PHRASE}</p>"
        '<img src="http://example.com/x.png">'
        '<img src="/etc/passwd">'
        '<img src="../../../etc/passwd">'
    )
    pdf = render_pdf(html)
    assert PHRASE in pdf_text(pdf)
    assert _image_count(pdf) == 0
    blocked = {uri: result for uri, result in seen if not uri.endswith(".ttf")}
    assert blocked == {
        "http://example.com/x.png": BLOCKED_URI,
        "/etc/passwd": BLOCKED_URI,
        "../../../etc/passwd": BLOCKED_URI,
    }


def test_static_image_is_embedded(no_network, monkeypatch, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    _png(static / "logo.png")
    monkeypatch.chdir(tmp_path)
    pdf = render_pdf(
        page('<img src="/static/logo.png" width="20" height="20">'), static_folder=static
    )
    assert _image_count(pdf) == 1


def test_policy_blocks_even_if_callback_lets_a_path_through(monkeypatch, tmp_path):
    """Defence in depth: the resource policy alone refuses files outside its roots."""
    from xhtml2pdf import pisa

    outside = _png(tmp_path / "outside.png")
    monkeypatch.chdir(tmp_path)  # the xhtml2pdf default policy would allow this file
    html = page(f'<img src="{outside.as_posix()}" width="20" height="20">')
    out = io.BytesIO()
    pisa.CreatePDF(
        html, dest=out, link_callback=lambda uri, rel: None, resource_policy=resource_policy()
    )
    assert _image_count(out.getvalue()) == 0
    # positive control: with xhtml2pdf's default (cwd) policy the same image is read
    out = io.BytesIO()
    pisa.CreatePDF(html, dest=out)
    assert _image_count(out.getvalue()) == 1


# --- errors ------------------------------------------------------------------------


def test_pisa_errors_raise(monkeypatch):
    class FakeStatus:
        err = 1
        log = [("error", 3, "something broke", "frag")]

    monkeypatch.setattr(pdf_module.pisa, "CreatePDF", lambda *a, **k: FakeStatus())
    with pytest.raises(PdfRenderError, match="something broke"):
        render_pdf(page("<p>x</p>"))


def test_pisa_exceptions_are_wrapped(monkeypatch):
    def boom(*args, **kwargs):
        raise ValueError("kaputt")

    monkeypatch.setattr(pdf_module.pisa, "CreatePDF", boom)
    with pytest.raises(PdfRenderError, match="kaputt"):
        render_pdf(page("<p>x</p>"))

"""Code128: both drawing paths must decode at 300 dpi and on a 203 dpi 1-bit render."""

from __future__ import annotations

import io

import pytest
from jinja2 import Environment
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from onewindow.printing.barcodes import (
    MIN_MODULE_MM,
    barcode_tag,
    code128_width_mm,
    draw_code128,
    validate_code128_value,
)
from onewindow.printing.pdf import BASE_CSS, render_pdf
from tests.pdfcheck import decode_barcodes, pdf_text

VALUES = [
    "2026-000123",
    "ESP/2026/00017",
    "ZAYAV-2026-000123456",  # 20 chars, mixed code sets
    "12345678901234567890",  # 20 digits, code set C
    "Delo/2026-A/00042xyz",  # lower/upper mix, 20 chars
    """<b>&"'</b>""",  # markup characters must survive as data
]

RENDERS = [
    pytest.param(300, False, id="300dpi-gray"),
    pytest.param(203, True, id="203dpi-mono"),
]


def canvas_pdf(values, module_mm=0.33, height_mm=12, human_readable=False) -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4)
    y = A4[1] - 20 * mm - height_mm * mm
    for value in values:
        draw_code128(
            canvas,
            value,
            15 * mm,
            y,
            module_mm=module_mm,
            height_mm=height_mm,
            human_readable=human_readable,
        )
        y -= (height_mm + 12) * mm
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def html_pdf(values, **kwargs) -> bytes:
    rows = "".join(f"<p>{barcode_tag(v, **kwargs)}</p><p>&nbsp;</p>" for v in values)
    return render_pdf(
        f'<html><head><meta charset="utf-8"><style>{BASE_CSS}</style></head>'
        f"<body>{rows}</body></html>"
    )


def decoded(pdf: bytes, dpi: int, mono: bool) -> list[str]:
    return sorted(decode_barcodes(pdf, dpi=dpi, mono=mono, symbologies=("code128",)))


@pytest.mark.parametrize(("dpi", "mono"), RENDERS)
def test_canvas_path_decodes(dpi, mono):
    assert decoded(canvas_pdf(VALUES), dpi, mono) == sorted(VALUES)


@pytest.mark.parametrize(("dpi", "mono"), RENDERS)
def test_html_path_decodes(dpi, mono):
    assert decoded(html_pdf(VALUES), dpi, mono) == sorted(VALUES)


@pytest.mark.parametrize(("dpi", "mono"), RENDERS)
def test_minimum_module_still_decodes(dpi, mono):
    values = VALUES[:4]
    assert decoded(canvas_pdf(values, module_mm=MIN_MODULE_MM, height_mm=8), dpi, mono) == sorted(
        values
    )
    assert decoded(html_pdf(values, module_mm=MIN_MODULE_MM, height_mm=8), dpi, mono) == sorted(
        values
    )


def test_human_readable_line_is_text_under_the_bars():
    pdf = canvas_pdf(["2026-000123"], human_readable=True)
    assert "2026-000123" in pdf_text(pdf)
    assert decoded(pdf, 203, True) == ["2026-000123"]


def test_page_filter_and_order():
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4)
    for value in ("PAGE-1", "PAGE-2", "PAGE-3"):
        draw_code128(canvas, value, 20 * mm, 200 * mm)
        canvas.showPage()
    canvas.save()
    pdf = buf.getvalue()
    assert decode_barcodes(pdf) == ["PAGE-1", "PAGE-2", "PAGE-3"]
    assert decode_barcodes(pdf, page=2) == ["PAGE-2"]


def test_width_includes_quiet_zones_and_matches_drawing():
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4)
    for value in VALUES:
        drawn = draw_code128(canvas, value, 0, 0, module_mm=0.33)
        assert drawn / mm == pytest.approx(code128_width_mm(value, 0.33))
    # "2026-000123": start + 11 symbols max + check + stop = well under 200 modules
    width = code128_width_mm("2026-000123", 0.33)
    quiet_each = max(25.4 / 4, 10 * 0.33)
    assert 2 * quiet_each < width < 2 * quiet_each + 200 * 0.33
    # wider module -> proportionally wider bars
    assert code128_width_mm("2026-000123", 0.5) > width


@pytest.mark.parametrize("value", ["Иванова", "2026\n0001", "", "tab\there", "№1"])
def test_unencodable_values_are_rejected(value):
    with pytest.raises(ValueError):
        validate_code128_value(value)
    with pytest.raises(ValueError):
        barcode_tag(value)
    with pytest.raises(ValueError):
        code128_width_mm(value, 0.33)


def test_module_below_minimum_is_rejected():
    with pytest.raises(ValueError, match="0.25"):
        barcode_tag("2026-000123", module_mm=0.2)
    with pytest.raises(ValueError):
        draw_code128(Canvas(io.BytesIO()), "2026-000123", 0, 0, module_mm=0.1)


def test_barcode_tag_escapes_value_and_is_jinja_safe():
    value = """<script>alert("x")</script>&'"""
    tag = barcode_tag(value, module_mm=0.33, height_mm=12)
    assert "<script>" not in tag
    assert "&lt;script&gt;" in tag and "&amp;" in tag and "&#34;" in tag
    assert 'barwidth="0.33mm"' in tag and 'barheight="12mm"' in tag
    env = Environment(autoescape=True)
    rendered = env.from_string("{{ tag }}|{{ raw }}").render(tag=tag, raw=value)
    before, after = rendered.split("|")
    assert before == str(tag)  # not double-escaped
    assert "<script>" not in after
    # and the value decodes back literally
    assert decoded(html_pdf([value]), 203, True) == [value]

"""Label sheets and thermal labels: every barcode decodes to its case number."""

from __future__ import annotations

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from onewindow.archive import labels
from onewindow.archive.labels import (
    BoxLabel,
    FolderLabel,
    LabelError,
    SheetLayout,
    fit_text,
)
from onewindow.printing.fonts import register_fonts

from ..pdfcheck import decode_barcodes, pdf_text, require_tool

LONG_NAME = "Константинопольская-Вознесенская Александра-Мария Константиновна-Оглы"
LONG_SHORT = "Константинопольская-Вознесенская А.-М. К.-О."


def _folders(n: int, code: str = "CHILD") -> list[FolderLabel]:
    return [FolderLabel(number=f"{code}/2026/{i:05d}",
                        full_name=LONG_NAME if i % 3 == 0 else "Иванова Анна Петровна",
                        short_name=LONG_SHORT if i % 3 == 0 else "Иванова А. П.",
                        service="Ежемесячная денежная выплата ветеранам труда и труженикам тыла",
                        year=2026) for i in range(1, n + 1)]


def test_sheet_of_labels_all_decode_at_300_dpi():
    require_tool("zbarimg")
    items = _folders(30)  # starts at position 7: 18 on page 1, 12 on page 2
    pdf = labels.folder_labels_sheet(items, start=7)
    decoded = decode_barcodes(pdf, dpi=300, symbologies=("code128",))
    assert sorted(decoded) == sorted(i.number for i in items)
    assert len(decode_barcodes(pdf, dpi=300, page=1)) == 18
    assert len(decode_barcodes(pdf, dpi=300, page=2)) == 12


def test_thermal_labels_all_decode_at_203_dpi_mono():
    require_tool("zbarimg")
    items = _folders(8) + _folders(4, code="ESP")
    pdf = labels.folder_labels_thermal(items)
    decoded = decode_barcodes(pdf, dpi=203, mono=True, symbologies=("code128",))
    assert decoded == [i.number for i in items]  # one label per page, in order


def test_long_names_are_shortened_not_overflowing():
    register_fonts()
    width = 60 * 72 / 25.4
    text, size = fit_text([LONG_NAME, LONG_SHORT], font=labels.REGULAR, max_size=9.5,
                          min_size=7, width=width)
    assert stringWidth(text, labels.REGULAR, size) <= width
    assert text != LONG_NAME
    tiny, size = fit_text([LONG_NAME * 3], font=labels.REGULAR, max_size=9, min_size=7,
                          width=width)
    assert tiny.endswith("…") and stringWidth(tiny, labels.REGULAR, size) <= width
    pdf = labels.folder_labels_thermal(_folders(3))
    text = pdf_text(pdf)
    assert "Константинопольская" in text and "Иванова Анна Петровна" in text
    assert LONG_NAME not in text


def test_box_labels_decode():
    require_tool("zbarimg")
    boxes = [BoxLabel(barcode=f"BOX{i:06d}", title=f"Короб {i} · BOX{i:06d}",
                      location="Архив, стеллаж 3, полка 2",
                      contents="Ветераны, 2015–2020 гг., дела ESP/2015/00001 – ESP/2020/00100")
             for i in range(1, 11)]
    sheet = labels.box_labels_sheet(boxes, start=2)
    assert sorted(decode_barcodes(sheet, dpi=300)) == [b.barcode for b in boxes]
    thermal = labels.box_labels_thermal(boxes)
    assert decode_barcodes(thermal, dpi=203, mono=True) == [b.barcode for b in boxes]


def test_layout_parsing_and_limits():
    layout = SheetLayout.parse("70x37:3x8")
    assert (layout.per_page, layout.left, round(layout.top, 2)) == (24, 0, 0.5)
    assert SheetLayout.parse("64x33.9:3x8:7,13,2.5,0").gap_x == 2.5
    with pytest.raises(ValueError):
        SheetLayout.parse("nonsense")
    with pytest.raises(LabelError):
        labels.folder_labels_sheet(_folders(1), start=25)
    with pytest.raises(LabelError):
        labels.folder_labels_sheet([])
    with pytest.raises(LabelError, match="не помещается"):
        labels.folder_labels_thermal([FolderLabel("VETUD/2026/00001/EXTRA-LONG", "А", "А",
                                                  "Услуга", 2026)])


def test_default_case_number_of_every_service_fits_a_thermal_label():
    """Service codes are at most 5 letters so that CODE/YY/NNNNN prints on 58 mm."""
    from onewindow.catalog.seed_data import SERVICES

    require_tool("zbarimg")
    items = [FolderLabel(number=f"{s['code']}/26/00001", full_name=LONG_NAME,
                         short_name=LONG_SHORT, service=s["short_name"], year=2026)
             for s in SERVICES]
    pdf = labels.folder_labels_thermal(items)
    assert decode_barcodes(pdf, dpi=203, mono=True, symbologies=("code128",)) == [
        i.number for i in items]

"""Print setup: stored per user, applied to label positions and receipt copies; calibration."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from onewindow.archive import labels
from onewindow.archive.labels import FolderLabel, SheetLayout
from onewindow.prints.calibration import TEST_CODE, calibration_pdf
from onewindow.printsetup.models import PrintSetup

from ..archive.helpers import make_case_file
from ..conftest import login
from ..factories import make_application
from ..pdfcheck import decode_barcodes, pdf_text, require_tool
from .helpers import ink_bbox_mm

LABEL = FolderLabel(number="ESP/2026/00042", full_name="Иванова Анна Петровна",
                    short_name="Иванова А. П.", service="ЕДВ", year=2026)
TOLERANCE = 0.5  # mm; one pixel at 150 dpi is 0.17 mm


def _shift(before, after):
    return after[0] - before[0], after[1] - before[1]


@pytest.mark.parametrize("dx,dy", [(3.0, 2.0), (-1.5, 4.0)])
def test_sheet_offsets_move_the_printed_label(dx, dy):
    plain = labels.folder_labels_sheet([LABEL], start=5)
    moved = labels.folder_labels_sheet([LABEL], start=5, offset=(dx, dy))
    sx, sy = _shift(ink_bbox_mm(plain), ink_bbox_mm(moved))
    assert abs(sx - dx) <= TOLERANCE and abs(sy - dy) <= TOLERANCE
    require_tool("zbarimg")
    assert decode_barcodes(moved, dpi=300) == [LABEL.number]


def test_thermal_offsets_apply_on_every_label():
    plain = labels.folder_labels_thermal([LABEL, LABEL])
    moved = labels.folder_labels_thermal([LABEL, LABEL], offset=(1.0, -1.0))
    for page in (1, 2):
        sx, sy = _shift(ink_bbox_mm(plain, page=page), ink_bbox_mm(moved, page=page))
        assert abs(sx - 1.0) <= TOLERANCE and abs(sy + 1.0) <= TOLERANCE


def test_second_sheet_is_shifted_too():
    items = [LABEL] * 30
    plain = labels.folder_labels_sheet(items)
    moved = labels.folder_labels_sheet(items, offset=(2.0, 2.0))
    sx, sy = _shift(ink_bbox_mm(plain, page=2), ink_bbox_mm(moved, page=2))
    assert abs(sx - 2.0) <= TOLERANCE and abs(sy - 2.0) <= TOLERANCE


def test_calibration_page_ruler_stays_and_barcode_moves():
    require_tool("zbarimg")
    layout, size = SheetLayout(), labels.LabelSize()
    plain = calibration_pdf(fmt="sheet", layout=layout, size=size, offset=(0, 0))
    moved = calibration_pdf(fmt="sheet", layout=layout, size=size, offset=(4, 3))
    assert decode_barcodes(moved, dpi=300) == [TEST_CODE]
    text = pdf_text(moved)
    assert "Калибровка" in text and "+4 мм" in text and "100" in text  # ruler numbers
    # The ruler is drawn from the paper's corner: the ink starts at (0, 0) on both.
    assert ink_bbox_mm(plain)[:2] == ink_bbox_mm(moved)[:2] == (0.0, 0.0)
    thermal = calibration_pdf(fmt="thermal", layout=layout, size=size, offset=(0, 0))
    page = PdfReader(BytesIO(thermal)).pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == size.w
    assert decode_barcodes(thermal, dpi=203, mono=True) == [TEST_CODE]


def test_setup_is_saved_per_user_and_validated(client, users, session):
    login(client, users["archivist"])
    page = client.get("/prints/setup")
    assert page.status_code == 200 and "Смещение по X" in page.get_data(as_text=True)
    bad = client.post("/prints/setup", data={"label_format": "sheet", "offset_x_mm": "abc",
                                              "offset_y_mm": "0", "receipt_copies": "1"})
    assert bad.status_code == 422
    assert 'id="offset_x_mm-error">Введите число миллиметров' in bad.get_data(as_text=True)
    too_far = client.post("/prints/setup", data={"label_format": "sheet", "offset_x_mm": "0",
                                                 "offset_y_mm": "25", "receipt_copies": "1"})
    assert too_far.status_code == 422
    assert 'id="offset_y_mm-error">Смещение' in too_far.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(PrintSetup)) is None  # nothing half-saved
    ok = client.post("/prints/setup", data={"label_format": "thermal", "offset_x_mm": "1,5",
                                            "offset_y_mm": "-2", "receipt_copies": "2",
                                            "printer_name": "Zebra GK420"})
    assert ok.status_code == 303
    session.rollback()
    setup = session.scalar(select(PrintSetup))
    assert (setup.user_id, setup.label_format, setup.offset_x_mm, setup.offset_y_mm,
            setup.receipt_copies) == (users["archivist"].id, "thermal", 1.5, -2.0, 2)
    assert "Zebra GK420" in client.get("/prints/setup").get_data(as_text=True)


def test_stored_offsets_and_copies_apply_to_the_documents(client, users, session):
    chief = users["chief"]
    case_file = make_case_file(session, user=chief)
    application = make_application(session, user=chief)
    session.commit()
    case_id, app_id = case_file.id, application.id
    login(client, chief)
    plain = client.get(f"/archive/cases/{case_id}/label.pdf?format=sheet").data
    one = client.get(f"/applications/{app_id}/receipt.pdf").data
    client.post("/prints/setup", data={"label_format": "sheet", "offset_x_mm": "3",
                                       "offset_y_mm": "1", "receipt_copies": "2"})
    shifted = client.get(f"/archive/cases/{case_id}/label.pdf").data
    sx, sy = _shift(ink_bbox_mm(plain), ink_bbox_mm(shifted))
    assert abs(sx - 3) <= TOLERANCE and abs(sy - 1) <= TOLERANCE
    # The workstation's own offsets (added to the link by offline.js) win over the user's.
    local = client.get(f"/archive/cases/{case_id}/label.pdf?dx=-2&dy=0").data
    sx, sy = _shift(ink_bbox_mm(plain), ink_bbox_mm(local))
    assert abs(sx + 2) <= TOLERANCE and abs(sy) <= TOLERANCE
    two = client.get(f"/applications/{app_id}/receipt.pdf").data
    assert len(PdfReader(BytesIO(two)).pages) > len(PdfReader(BytesIO(one)).pages)
    explicit = client.get(f"/applications/{app_id}/receipt.pdf?copies=1").data
    assert len(PdfReader(BytesIO(explicit)).pages) == len(PdfReader(BytesIO(one)).pages)
    calibration = client.get("/prints/calibration.pdf")
    assert calibration.status_code == 200 and calibration.mimetype == "application/pdf"
    assert "+3 мм" in pdf_text(calibration.data)

"""Scan fields understand a code typed with either keyboard layout; Cyrillic numbers scan."""

from __future__ import annotations

from sqlalchemy import select

from onewindow.archive import documents, queries
from onewindow.archive.models import CaseFile
from onewindow.core.keyboard import as_russian_keys

from ..conftest import login
from ..pdfcheck import decode_barcodes, require_tool
from .helpers import make_box, make_case_file

HX = {"HX-Request": "true"}


def _office_folder(session, number="ЕДВ-2015-00123"):
    case_file = make_case_file(session, service_code="EDV")
    case_file.number = number
    session.flush()
    return case_file


def test_a_cyrillic_number_is_printed_as_text_and_carried_as_keys(app, session):
    case_file = _office_folder(session)
    label = documents.folder_label(case_file)
    assert (label.number, label.code) == ("ЕДВ-2015-00123", "TLD-2015-00123")
    with app.test_request_context():
        pdf = documents.folder_labels_pdf([case_file], fmt="sheet")
    require_tool("zbarimg")
    assert decode_barcodes(pdf, dpi=300) == ["TLD-2015-00123"]


def test_lookups_take_either_layout(session):
    latin = make_case_file(session)
    office = _office_folder(session)
    box = make_box(session)
    # The label's bars typed with the Russian layout active, and with the US one.
    assert queries.resolve_code(session, as_russian_keys(latin.number)).obj is latin
    assert queries.resolve_code(session, "ЕДВ-2015-00123").obj is office
    assert queries.resolve_code(session, "TLD-2015-00123").obj is office
    assert queries.resolve_code(session, as_russian_keys(box.barcode)).obj is box
    assert queries.find_box(session, as_russian_keys(box.barcode).lower()) is box
    assert queries.resolve_code(session, "ЕДВ-2015-99999").kind == "unknown"


def test_scan_page_placement_and_header_field_in_the_russian_layout(client, session, users):
    office = _office_folder(session)
    box = make_box(session)
    session.commit()
    login(client, users["archivist"])
    response = client.post("/archive/scan", headers=HX, data={
        "mode": "place", "code": as_russian_keys(box.barcode)})
    assert response.headers["X-Scan-Box"] == box.barcode
    response = client.post("/archive/scan", headers=HX, data={
        "mode": "place", "code": "TLD-2015-00123", "box": box.barcode})
    assert "Размещено в короб" in response.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(CaseFile.box_id).where(CaseFile.id == office.id)) == box.id
    response = client.post("/open", data={"code": as_russian_keys(box.barcode)})
    assert response.headers["Location"].endswith(f"/archive/boxes/{box.id}")

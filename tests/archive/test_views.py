"""The archive through the Flask test client: scanning, pages, PDFs, access."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from onewindow.archive import services
from onewindow.archive.models import ArchiveBox, CaseFile, Checkout
from onewindow.core import clock

from ..conftest import login
from ..factories import make_application
from ..pdfcheck import decode_barcodes, pdf_text, require_tool
from .helpers import NOW, make_box, make_case_file

HX = {"HX-Request": "true"}


def _archivist(client, users):
    login(client, users["archivist"])
    return client


def test_scan_lookup_shows_case_box_and_alarm(client, users, session):
    case_file = make_case_file(session)
    box = make_box(session)
    services.place_case_file(session, case_file=case_file, box=box, user_id=None, now=NOW)
    number, barcode = case_file.number, box.barcode
    session.commit()
    _archivist(client, users)
    r = client.post("/archive/scan", data={"code": number, "mode": "lookup"}, headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html
    assert "Иванова Анна Петровна" in html and "короб 1" in html and "на месте" in html
    r = client.post("/archive/scan", data={"code": barcode, "mode": "lookup"}, headers=HX)
    assert number in r.get_data(as_text=True)  # the box's contents
    r = client.post("/archive/scan", data={"code": "NO-SUCH-CODE", "mode": "lookup"},
                    headers=HX)
    html = r.get_data(as_text=True)
    assert 'data-alarm="1"' in html and "Код не найден" in html
    page = client.get("/archive/scan?mode=place").get_data(as_text=True)
    assert "js/archive.js" in page and "data-scan-input" in page


def test_scan_placement_mode(client, users, session):
    files = [make_case_file(session) for _ in range(3)]
    box = make_box(session, capacity=2)
    numbers, barcode = [c.number for c in files], box.barcode
    session.commit()
    _archivist(client, users)
    r = client.post("/archive/scan", data={"code": numbers[0], "mode": "place"}, headers=HX)
    assert "Сначала отсканируйте короб" in r.get_data(as_text=True)
    r = client.post("/archive/scan", data={"code": barcode, "mode": "place"}, headers=HX)
    assert r.headers["X-Scan-Box"] == barcode
    for n in numbers[:2]:
        r = client.post("/archive/scan", data={"code": n, "mode": "place", "box": barcode},
                        headers=HX)
        assert "Размещено в короб" in r.get_data(as_text=True)
    r = client.post("/archive/scan", data={"code": numbers[2], "mode": "place", "box": barcode},
                    headers=HX)
    assert "заполнен" in r.get_data(as_text=True)
    session.rollback()
    box_id = session.scalar(select(ArchiveBox.id).where(ArchiveBox.barcode == barcode))
    assert session.scalar(select(func.count(CaseFile.id)).where(CaseFile.box_id == box_id)) == 2


def test_scan_issue_mode_and_out_lists(client, users, session, monkeypatch):
    issued_at = clock.now()
    monkeypatch.setattr(clock, "now", lambda: issued_at)
    case_file = make_case_file(session)
    number, reader_id = case_file.number, users["specialist"].id
    session.commit()
    _archivist(client, users)
    due = (clock.today() + timedelta(days=3)).strftime("%d.%m.%Y")
    r = client.post("/archive/scan", data={"code": number, "mode": "issue", "due_on": due},
                    headers=HX)
    assert "Выберите сотрудника" in r.get_data(as_text=True)
    r = client.post("/archive/scan", data={"code": number, "mode": "issue", "due_on": due,
                                           "to_user_id": reader_id}, headers=HX)
    assert "Выдано" in r.get_data(as_text=True)
    out = client.get("/archive/out").get_data(as_text=True)
    assert number in out and "Просроченных нет" in out
    # Scanned again a few seconds later (not a double read within the second): returned.
    monkeypatch.setattr(clock, "now", lambda: issued_at + timedelta(seconds=5))
    r = client.post("/archive/scan", data={"code": number, "mode": "issue", "due_on": due,
                                           "to_user_id": reader_id}, headers=HX)
    assert "Возвращено" in r.get_data(as_text=True)
    session.rollback()
    checkout = session.scalar(select(Checkout))
    assert checkout.issued_to_id == reader_id and checkout.returned_at is not None


def test_specialist_looks_up_but_cannot_place(client, users, session):
    case_file = make_case_file(session)
    box = make_box(session)
    number, barcode, case_id = case_file.number, box.barcode, case_file.id
    session.commit()
    login(client, users["specialist"])
    r = client.post("/archive/scan", data={"code": barcode, "mode": "place"}, headers=HX)
    assert "выбран" not in r.get_data(as_text=True)  # forced to look-up mode
    r = client.post("/archive/scan", data={"code": number, "mode": "place", "box": barcode},
                    headers=HX)
    assert "Размещено" not in r.get_data(as_text=True)
    assert client.get(f"/archive/cases/{case_id}").status_code == 200
    assert client.post("/archive/structure/bulk", data={}).status_code == 403
    assert client.post(f"/archive/cases/{case_id}/close", data={}).status_code == 403


def test_header_scan_opens_objects(client, users, session):
    application = make_application(session, user=users["specialist"])
    case_file = services.ensure_case_file_for_application(session, application)
    box = make_box(session)
    ids = application.id, case_file.id, box.id
    codes = application.number, case_file.number, box.barcode
    session.commit()
    login(client, users["chief"])
    page = client.get("/archive/").get_data(as_text=True)
    assert 'action="/open"' in page and ">Архив</a>" in page
    targets = [f"/applications/{ids[0]}", f"/archive/cases/{ids[1]}", f"/archive/boxes/{ids[2]}"]
    for code, target in zip(codes, targets, strict=True):
        r = client.post("/open", data={"code": code})
        assert r.status_code == 303 and r.headers["Location"].endswith(target)
    client.post("/logout")
    login(client, users["archivist"])  # no access to applications: the folder opens
    r = client.post("/open", data={"code": codes[0]})
    assert r.headers["Location"].endswith(targets[1])
    r = client.post("/open", data={"code": "??"}, headers={"Referer": "/archive/"})
    assert r.status_code == 303
    assert "не найден" in client.get("/archive/").get_data(as_text=True)


def test_case_page_label_and_applicant_card(client, users, session):
    case_file = make_case_file(session)
    box = make_box(session)
    services.place_case_file(session, case_file=case_file, box=box, user_id=None, now=NOW)
    case_id, number, applicant_id = case_file.id, case_file.number, case_file.applicant_id
    session.commit()
    _archivist(client, users)
    page = client.get(f"/archive/cases/{case_id}").get_data(as_text=True)
    assert number in page and "Архив, стеллаж 1, полка 1, короб 1" in page
    assert f"/archive/cases/{case_id}/label.pdf?format=thermal" in page
    r = client.get(f"/archive/cases/{case_id}/label.pdf?format=thermal")
    assert r.mimetype == "application/pdf" and r.headers["X-Frame-Options"] == "SAMEORIGIN"
    require_tool("zbarimg")
    assert decode_barcodes(r.data, dpi=203, mono=True) == [number]
    r = client.get(f"/archive/cases/{case_id}/label.pdf?start=5")
    assert decode_barcodes(r.data, dpi=300) == [number]
    client.post("/logout")
    login(client, users["specialist"])
    card = client.get(f"/applicants/{applicant_id}").get_data(as_text=True)
    assert "Личные дела" in card and number in card


def test_close_with_422_then_reopen(client, users, session):
    case_file = make_case_file(session)
    case_id = case_file.id
    session.commit()
    _archivist(client, users)
    r = client.post(f"/archive/cases/{case_id}/close", data={"reason": "other", "note": ""})
    assert r.status_code == 422 and "Опишите причину закрытия" in r.get_data(as_text=True)
    r = client.post(f"/archive/cases/{case_id}/close", data={"reason": "moved_away"})
    assert r.status_code == 303
    r = client.post(f"/archive/cases/{case_id}/reopen", data={"reason": ""})
    assert r.status_code == 422
    r = client.post(f"/archive/cases/{case_id}/reopen", data={"reason": "вернулся"})
    assert r.status_code == 303
    session.rollback()
    kinds = [e.kind for e in session.get(CaseFile, case_id).events]
    assert kinds == ["opened", "closed", "reopened"]


def test_bulk_structure_and_inventory_pdf(client, users, session):
    _archivist(client, users)
    r = client.post("/archive/structure/bulk", data={
        "room": "Архив", "rack_number": "3", "shelf_from": "4", "shelf_to": "2",
        "boxes_per_shelf": "5", "capacity": "50", "group_code": ""})
    assert r.status_code == 422 and "не больше" in r.get_data(as_text=True)
    r = client.post("/archive/structure/bulk", data={
        "room": "Архив", "rack_number": "3", "shelf_from": "1", "shelf_to": "6",
        "boxes_per_shelf": "5", "capacity": "50", "group_code": "veterans"})
    assert r.status_code == 303
    assert session.scalar(select(func.count(ArchiveBox.id))) == 30
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Создано коробов: 30" in page and "Стеллаж 3" in page
    box = session.scalar(select(ArchiveBox).order_by(ArchiveBox.id))
    files = [make_case_file(session, sheets=12) for _ in range(21)]
    for c in files:
        services.place_case_file(session, case_file=c, box=box, user_id=None, now=NOW)
    box_id, barcode = box.id, box.barcode
    session.commit()
    pdf = client.get(f"/archive/boxes/{box_id}/inventory.pdf")
    assert pdf.mimetype == "application/pdf"
    text = " ".join(pdf_text(pdf.data).split())
    assert "ОПИСЬ ДЕЛ" in text and barcode in text
    assert "21 (двадцать одно) дело" in text and "всего листов: 252" in text
    assert "Составитель" in text and "Опись проверил" in text and files[0].number in text
    assert files[0].service.retention_label in text
    labels = client.get(f"/archive/boxes/labels.pdf?ids={box_id}&format=thermal")
    require_tool("zbarimg")
    assert decode_barcodes(labels.data, dpi=203, mono=True) == [barcode]


def test_labels_for_day_selection(client, users, session):
    files = [make_case_file(session) for _ in range(5)]
    numbers = sorted(c.number for c in files)
    session.commit()
    _archivist(client, users)
    r = client.get("/archive/labels.pdf?selection=day&day=27.11.2026&start=23")
    assert r.mimetype == "application/pdf"
    require_tool("zbarimg")
    assert sorted(decode_barcodes(r.data, dpi=300)) == numbers
    r = client.get("/archive/labels.pdf?selection=day&day=01.01.2020")
    assert r.status_code == 422


def test_open_case_by_hand(client, users, session):
    from ..factories import make_applicant

    applicant = make_applicant(session)
    applicant_id = applicant.id
    session.commit()
    _archivist(client, users)
    page = client.get(f"/archive/cases/new?applicant_id={applicant_id}").get_data(as_text=True)
    assert "Иванова Анна Петровна" in page
    r = client.post("/archive/cases/new", data={"applicant_id": applicant_id, "service": ""})
    assert r.status_code == 422 and "Выберите услугу" in r.get_data(as_text=True)
    r = client.post("/archive/cases/new", data={"applicant_id": applicant_id, "service": "GAZ",
                                                "sheets": "7"})
    assert r.status_code == 303
    session.rollback()
    case_file = session.scalar(select(CaseFile))
    assert re.fullmatch(r"GAZ/\d{2}/00001", case_file.number)
    assert case_file.sheets == 7 and case_file.opened_by_id == users["archivist"].id
    assert r.headers["Location"].endswith(f"/archive/cases/{case_file.id}")

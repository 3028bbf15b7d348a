"""Refused actions of the archive, inventories and disposal through the test client.

A domain refusal answers 422 with the message next to the field it names (or on top when
the form has no such field) and keeps nothing of the refused request.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import func, select

from onewindow.archive.models import ArchiveBox, CaseFile, Checkout, ImportBatch
from onewindow.disposal import services as disposal
from onewindow.disposal.models import DisposalAct
from onewindow.inventory import services as inventory_services
from onewindow.inventory.models import Inventory, SearchTask

from ..conftest import login
from . import test_inventory
from .helpers import make_box, make_case_file
from .test_disposal import _closed
from .test_import_cancel import _import
from .test_inventory import LATER, _done, _open, _scan

NOW = datetime(2026, 11, 27, 10, 0)
archive_room = test_inventory.archive_room  # the fixture: boxes A, B in scope, C outside


def _field_error(html: str, field_id: str) -> str | None:
    found = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    return found.group(1) if found else None


def _flashes(html: str) -> str:
    found = re.search(r'<div class="flashes"[^>]*>(.*?)</div>', html, re.S)
    return found.group(1) if found else ""


# ------------------------------------------------------------------ case files


def test_open_case_without_applicant_is_said_on_top_and_saves_nothing(client, users, session):
    login(client, users["archivist"])
    r = client.post("/archive/cases/new", data={"service": "GAZ", "sheets": "3"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Выберите заявителя" in _flashes(html)  # the form has no applicant field
    assert _field_error(html, "service") is None
    session.rollback()
    assert session.scalar(select(func.count(CaseFile.id))) == 0


def test_close_refused_next_to_the_note_keeps_the_case_open(client, users, session):
    case_id = make_case_file(session).id
    session.commit()
    login(client, users["archivist"])
    r = client.post(f"/archive/cases/{case_id}/close", data={"reason": "other", "note": ""})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert _field_error(html, "note") == "Опишите причину закрытия"
    assert _field_error(html, "reason") is None
    session.rollback()
    case_file = session.get(CaseFile, case_id)
    assert case_file.status == "active" and [e.kind for e in case_file.events] == ["opened"]


def test_bulk_structure_refused_next_to_the_field_creates_no_box(client, users, session):
    login(client, users["archivist"])
    r = client.post("/archive/structure/bulk", data={
        "room": "Архив", "rack_number": "3", "shelf_from": "1", "shelf_to": "2",
        "boxes_per_shelf": "2", "capacity": "50", "year_from": "2020", "year_to": "2010",
        "group_code": ""})
    assert r.status_code == 422
    assert _field_error(r.get_data(as_text=True), "year_from") == "Годы: «с» не больше «по»"
    session.rollback()
    assert session.scalar(select(func.count(ArchiveBox.id))) == 0


def test_issue_scan_without_employee_is_an_alarm_and_issues_nothing(client, users, session):
    number = make_case_file(session).number
    session.commit()
    login(client, users["archivist"])
    r = client.post("/archive/scan", data={"code": number, "mode": "issue"},
                    headers={"HX-Request": "true"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Выберите сотрудника" in html and 'data-alarm="1"' in html
    session.rollback()
    assert session.scalar(select(func.count(Checkout.id))) == 0


def test_undo_of_an_undone_import_is_a_conflict(client, users, session):
    _people, _raw, batch, _files = _import(session, users)
    batch_id = batch.id
    session.commit()
    login(client, users["archivist"])
    r = client.post(f"/archive/import/{batch_id}/undo", data={"reason": "не тот реестр"})
    assert r.status_code == 303
    r = client.post(f"/archive/import/{batch_id}/undo", data={"reason": "ещё раз"})
    assert r.status_code == 409 and "Импорт уже отменён" in r.get_data(as_text=True)
    session.rollback()
    assert session.get(ImportBatch, batch_id).undo_reason == "не тот реестр"


# ------------------------------------------------------------------ inventories


def test_inventory_refused_by_the_service_next_to_the_boxes(client, users, session):
    login(client, users["archivist"])
    r = client.post("/archive/inventories/", data={
        "order_number": "15-од", "order_date": "20.11.2026", "scope_kind": "boxes",
        "boxes": "BOX999999", "commission": "Петрова Е. В., директор",
        "deadline": "15.12.2026"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "BOX999999" in (_field_error(html, "boxes") or "")
    assert _field_error(html, "scope_kind") is None
    session.rollback()
    assert session.scalar(select(func.count(Inventory.id))) == 0


def test_finish_refused_while_a_box_is_in_work(client, users, session, archive_room):
    a, b, _c, files = archive_room
    inventory = _open(session, [a, b])
    _scan(session, inventory, a, files["in_place"].number)
    inventory_id, status, barcode = inventory.id, inventory.status, a.barcode
    session.commit()
    login(client, users["archivist"])
    r = client.post(f"/archive/inventories/{inventory_id}/finish")
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f"Не завершены короба: {barcode}" in _flashes(page)
    session.rollback()
    assert session.get(Inventory, inventory_id).status == status


def test_closing_a_search_task_refused_or_unknown(client, users, session, archive_room):
    a, b, _c, files = archive_room
    inventory = _open(session, [a, b])
    _scan(session, inventory, a, files["in_place"].number)
    _scan(session, inventory, b, files["in_b"].number)
    _done(session, inventory, a)
    _done(session, inventory, b)
    inventory_services.finish_inventory(session, inventory=inventory, now=LATER)
    inventory_services.approve_inventory(session, inventory=inventory, user=users["director"],
                                         now=LATER)
    inventory_services.apply_corrections(session, inventory=inventory, user_id=None, now=LATER)
    task_id = session.scalar(select(SearchTask.id).order_by(SearchTask.id))
    session.commit()
    login(client, users["archivist"])
    r = client.post(f"/archive/inventories/tasks/{task_id}/close",
                    data={"result": "lost", "comment": ""})
    assert r.status_code == 303 and r.headers["Location"].endswith("/archive/inventories/")
    assert "Опишите, где искали" in _flashes(client.get(r.headers["Location"]).get_data(
        as_text=True))
    session.rollback()
    assert session.get(SearchTask, task_id).status == "open"
    r = client.post("/archive/inventories/tasks/999999/close", data={"result": "found"})
    assert r.status_code == 404


# ------------------------------------------------------------------ disposal


def test_destruction_refused_next_to_the_date_destroys_nothing(client, users, session):
    box = make_box(session)
    case_id = _closed(session, datetime(2019, 5, 5, 12), box=box).id
    act = disposal.create_act(session, as_of=date(2026, 11, 27), user_id=None, now=NOW)
    disposal.approve_act(session, act=act, user=users["director"], now=NOW)
    act_id = act.id
    session.commit()
    login(client, users["archivist"])
    r = client.post(f"/archive/disposal/acts/{act_id}/destroy",
                    data={"destroyed_on": "01.01.2020"})
    assert r.status_code == 422
    assert _field_error(r.get_data(as_text=True), "destroyed_on") == \
        "Дата уничтожения — от даты акта до сегодняшнего дня"
    session.rollback()
    assert session.get(DisposalAct, act_id).status == "approved"
    case_file = session.get(CaseFile, case_id)
    assert case_file.status == "closed" and case_file.box_id == box.id


def test_reopening_an_open_case_is_said_on_top_of_its_page(client, users, session):
    """The page of an open case shows no reopen form: the refusal still reaches the user."""
    case_id = make_case_file(session).id
    session.commit()
    login(client, users["archivist"])
    r = client.post(f"/archive/cases/{case_id}/reopen", data={"reason": "Ошибочно закрыто"})
    assert r.status_code == 422
    assert 'role="alert"><b>Не выполнено:</b>' in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(CaseFile, case_id).status == "active"

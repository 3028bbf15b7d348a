"""Inventories: outcome classes, concurrent box sessions, reports, approval and corrections."""

from __future__ import annotations

import io
import threading
from datetime import date, datetime, timedelta

import pytest
from flask import current_app
from openpyxl import load_workbook
from sqlalchemy import select

from onewindow.archive import services as archive
from onewindow.archive.models import CaseFile, CaseFileMove
from onewindow.core.keyboard import as_russian_keys
from onewindow.errors import Conflict, Forbidden
from onewindow.extensions import db
from onewindow.inventory import documents, queries, services
from onewindow.inventory.models import Inventory, InventoryBox, InventoryScan, SearchTask

from ..conftest import login
from ..journal import audited, printed
from ..pdfcheck import pdf_text
from .helpers import NOW, make_box, make_case_file

HX = {"HX-Request": "true"}
LATER = NOW + timedelta(hours=1)


def _place(session, case_file, box):
    archive.place_case_file(session, case_file=case_file, box=box, user_id=None, now=NOW)


def _open(session, boxes, user=None, **kw):
    values = dict(order_number="15-од", order_date=date(2026, 11, 20), scope_kind="boxes",
                  commission="Петрова Е. В., директор\nСидоров А. А., архивариус",
                  deadline=date(2026, 12, 15), user_id=user.id if user else None, now=NOW,
                  box_codes=[b.barcode for b in boxes])
    values.update(kw)
    return services.open_inventory(session, **values)


def _ibox(session, inventory, box):
    return session.scalar(select(InventoryBox).where(InventoryBox.inventory_id == inventory.id,
                                                     InventoryBox.box_id == box.id))


def _scan(session, inventory, box, code, now=LATER):
    return services.record_scan(session, inventory=inventory,
                                inventory_box=_ibox(session, inventory, box), code=code,
                                user_id=None, now=now)


def _done(session, inventory, box):
    services.set_box_state(session, inventory=inventory, inventory_box=_ibox(
        session, inventory, box), state="done", now=LATER)


@pytest.fixture
def archive_room(session, users):
    """Boxes A and B in scope, C outside it; folders placed by the register."""
    a, b, c = make_box(session), make_box(session), make_box(session, rack=2)
    files = {name: make_case_file(session) for name in
             ("in_place", "misplaced", "missing", "out", "elsewhere", "in_b")}
    for name in ("in_place", "misplaced", "missing", "out"):
        _place(session, files[name], a)
    _place(session, files["elsewhere"], c)
    _place(session, files["in_b"], b)
    archive.issue_case_file(session, case_file=files["out"], to_user_id=users["specialist"].id,
                            due_on=date(2026, 12, 10), user_id=None, now=NOW)
    return a, b, c, files


def test_every_outcome_class(session, users, archive_room):
    a, b, c, files = archive_room
    inventory = _open(session, [a, b])
    assert inventory.scope_label == f"короба: {a.barcode}, {b.barcode}"
    assert _scan(session, inventory, a, files["in_place"].number).outcome == "found"
    moved = _scan(session, inventory, b, files["misplaced"].number)
    assert moved.outcome == "misplaced" and moved.note == f"По реестру: {a.barcode}"
    assert _scan(session, inventory, a, "NO-SUCH-42").outcome == "unknown"
    dup = _scan(session, inventory, a, files["in_place"].number)
    assert dup.outcome == "duplicate" and dup.note == "Дело уже отсканировано в этом коробе"
    assert _scan(session, inventory, b, files["in_b"].number).outcome == "found"
    # Before box A is done its unscanned folders are pending, not missing.
    result = queries.outcomes(session, inventory)
    assert [r.case_file.number for r in result.pending] == [files["missing"].number]
    assert result.missing == []
    _done(session, inventory, a)
    _done(session, inventory, b)
    result = queries.outcomes(session, inventory)
    assert result.totals == {"found": 2, "misplaced": 1, "missing": 1, "absent": 1,
                             "unknown": 1, "duplicate": 1}
    assert [r.case_file.number for r in result.missing] == [files["missing"].number]
    absent = result.absent[0]
    assert absent.case_file.number == files["out"].number
    assert absent.checkout.issued_to.id == users["specialist"].id
    misplaced = result.misplaced[0]
    assert (misplaced.found_box.id, misplaced.register_box.id) == (b.id, a.id)
    # The folder in box C (outside the scope) is never reported missing.
    assert result.outcome_of(files["elsewhere"].id) is None
    by_box = {row.box.id: row for row in result.boxes}
    assert (by_box[a.id].expected, by_box[a.id].found, by_box[a.id].missing,
            by_box[a.id].absent) == (4, 1, 1, 1)
    assert by_box[b.id].misplaced_here == 1
    assert result.boxes_done == 2 and result.percent == 100


def test_folder_scanned_in_two_boxes_counts_once(session, archive_room):
    a, b, _c, files = archive_room
    inventory = _open(session, [a, b])
    assert _scan(session, inventory, a, files["in_place"].number).outcome == "found"
    second = _scan(session, inventory, b, files["in_place"].number)
    assert second.outcome == "duplicate"
    assert second.note == f"Дело уже отсканировано в коробе {a.barcode}"
    result = queries.outcomes(session, inventory)
    assert result.outcome_of(files["in_place"].id) == "found"
    assert len(result.duplicate) == 1


def test_list_is_frozen_and_recorded_moves_count(session, archive_room):
    a, b, c, files = archive_room
    inventory = _open(session, [a, b])
    late = make_case_file(session)
    _place(session, late, a)  # filed after the opening: not on the frozen list
    archive.place_case_file(session, case_file=files["missing"], box=c, user_id=None,
                            now=LATER)  # a recorded move out of the scope
    _done(session, inventory, a)
    _done(session, inventory, b)
    result = queries.outcomes(session, inventory)
    assert result.outcome_of(late.id) is None
    missing = {r.case_file.id for r in result.missing}
    assert files["missing"].id not in missing and files["in_place"].id in missing
    assert [r.case_file.id for r in result.moved_out] == [files["missing"].id]
    assert _scan(session, inventory, a, late.number).outcome == "found"


def test_open_requires_order_and_scope(session):
    box = make_box(session)
    with pytest.raises(Exception) as exc:
        _open(session, [box], order_number=" ")
    assert exc.value.field == "order_number"
    with pytest.raises(Exception) as exc:
        _open(session, [box], commission="")
    assert exc.value.field == "commission"
    with pytest.raises(Exception) as exc:
        _open(session, [], box_codes=["BOX999999"])
    assert "BOX999999" in exc.value.message


def test_pause_resume_finish_approve_and_apply(session, users, archive_room):
    a, b, _c, files = archive_room
    inventory = _open(session, [a, b], user=users["archivist"])
    _scan(session, inventory, a, files["in_place"].number)
    services.set_box_state(session, inventory=inventory,
                           inventory_box=_ibox(session, inventory, a), state="paused",
                           now=LATER)
    assert _ibox(session, inventory, a).state == "paused"
    with pytest.raises(Conflict):
        services.finish_inventory(session, inventory=inventory, now=LATER)
    # Resumed on another day: the next scan continues the same box.
    _scan(session, inventory, a, files["in_place"].number, now=LATER + timedelta(days=1))
    assert _ibox(session, inventory, a).state == "in_progress"
    _scan(session, inventory, b, files["misplaced"].number)
    _scan(session, inventory, b, files["in_b"].number)
    _done(session, inventory, a)
    _done(session, inventory, b)
    services.finish_inventory(session, inventory=inventory, now=LATER)
    with pytest.raises(Conflict):
        _scan(session, inventory, a, files["missing"].number)
    with pytest.raises(Conflict):  # corrections only after approval
        services.apply_corrections(session, inventory=inventory, user_id=None, now=LATER)
    for role in ("admin", "chief", "archivist"):
        with pytest.raises(Forbidden):
            services.approve_inventory(session, inventory=inventory, user=users[role],
                                       now=LATER)
    services.approve_inventory(session, inventory=inventory, user=users["director"], now=LATER)
    moved, tasks = services.apply_corrections(session, inventory=inventory,
                                              user_id=users["archivist"].id, now=LATER)
    assert (moved, tasks) == (1, 1)
    session.flush()
    misplaced = session.get(CaseFile, files["misplaced"].id)
    assert misplaced.box_id == b.id
    last_move = session.scalars(select(CaseFileMove).where(
        CaseFileMove.case_file_id == misplaced.id).order_by(CaseFileMove.id.desc())).first()
    assert (last_move.from_box_id, last_move.to_box_id) == (a.id, b.id)
    assert "15-од" in last_move.warning
    assert any(e.kind == "inventory" and b.barcode in e.comment for e in misplaced.events)
    task = session.scalar(select(SearchTask))
    assert task.case_file_id == files["missing"].id and task.status == "open"
    assert [t.id for t in queries.search_tasks(session, open_only=True)] == [task.id]
    assert inventory.status == "applied"
    services.close_search_task(session, task_id=task.id, found=True, comment="в шкафу",
                               user_id=None, now=LATER)
    assert task.status == "found"


def test_report_pdf_and_xlsx(session, archive_room):
    a, b, _c, files = archive_room
    inventory = _open(session, [a, b])
    _scan(session, inventory, a, files["in_place"].number)
    _scan(session, inventory, b, files["misplaced"].number)
    _scan(session, inventory, a, "=HYPERLINK(\"http://x\")")
    _done(session, inventory, a)
    _done(session, inventory, b)
    result = queries.outcomes(session, inventory)
    text = pdf_text(documents.report_pdf(result, config=current_app.config))
    flat = " ".join(text.split())
    assert "ИТОГИ ИНВЕНТАРИЗАЦИИ" in flat and "15-од" in flat
    assert "Петрова Е. В., директор" in flat and "Сидоров А. А., архивариус" in flat
    assert files["missing"].number in flat and "не найдено" in flat
    wb = load_workbook(io.BytesIO(documents.report_xlsx(result)))
    totals = {r[0]: r[1] for r in wb["Итоги"].iter_rows(min_row=3, values_only=True)}
    assert totals["Ожидалось дел"] == 5 and totals["на месте"] == 1
    assert totals["в другом коробе"] == 1 and totals["неизвестный код"] == 1
    codes = [r[1] for r in wb["Расхождения"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in codes
    assert all(not str(c).startswith("=") for c in codes)


def test_concurrent_sessions_on_different_boxes(app, session, users):
    """Two people scan two boxes at once; one folder lies in both piles."""
    a, b = make_box(session), make_box(session)
    in_a = [make_case_file(session) for _ in range(6)]
    in_b = [make_case_file(session) for _ in range(6)]
    for cf in in_a:
        _place(session, cf, a)
    for cf in in_b:
        _place(session, cf, b)
    inventory = _open(session, [a, b])
    inventory_id = inventory.id
    ibox_ids = {a.id: _ibox(session, inventory, a).id, b.id: _ibox(session, inventory, b).id}
    shared = in_a[0].number
    plan = {ibox_ids[a.id]: [c.number for c in in_a] + ["UNKNOWN-A"],
            ibox_ids[b.id]: [shared] + [c.number for c in in_b]}
    user_ids = {ibox_ids[a.id]: users["archivist"].id, ibox_ids[b.id]: users["chief"].id}
    session.commit()  # no further reads until the threads are done
    barrier = threading.Barrier(2)
    errors: list[str] = []

    def worker(ibox_id: int):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                for code in plan[ibox_id]:
                    inv = db.session.get(Inventory, inventory_id)
                    ibox = db.session.get(InventoryBox, ibox_id)
                    services.record_scan(db.session, inventory=inv, inventory_box=ibox,
                                         code=code, user_id=user_ids[ibox_id],
                                         now=datetime(2026, 11, 27, 11))
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported through the assertion
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in plan]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    session.rollback()
    inventory = session.get(Inventory, inventory_id)
    result = queries.outcomes(session, inventory)
    shared_scans = session.scalars(select(InventoryScan).where(
        InventoryScan.code == shared).order_by(InventoryScan.id)).all()
    assert sorted(s.outcome for s in shared_scans) in (["duplicate", "found"],
                                                       ["duplicate", "misplaced"])
    assert len(result.found) + len(result.misplaced) == 12
    assert len(result.duplicate) == 1 and len(result.unknown) == 1
    assert result.totals["missing"] == 0 and result.pending == []


def test_scan_views_and_pages(client, session, users, archive_room):
    a, b, _c, files = archive_room
    inventory = _open(session, [a, b], user=users["archivist"])
    inventory_id, number, barcode = inventory.id, files["in_place"].number, a.barcode
    session.commit()
    login(client, users["archivist"])
    url = f"/archive/inventories/{inventory_id}/scan"
    r = client.post(url, data={"code": number}, headers=HX)
    assert "Сначала отсканируйте короб" in r.get_data(as_text=True)
    r = client.post(url, data={"code": barcode}, headers=HX)
    html = r.get_data(as_text=True)
    assert r.headers["X-Scan-Box"] == barcode and "<html" not in html
    assert "Короб выбран" in html
    r = client.post(url, data={"code": number, "box": barcode}, headers=HX)
    html = r.get_data(as_text=True)
    assert 'data-outcome="found"' in html and "на месте 1 из 4" in html
    r = client.post(url, data={"code": "ZZZ", "box": barcode}, headers=HX)
    assert 'data-alarm="1"' in r.get_data(as_text=True)
    page = client.get(f"/archive/inventories/{inventory_id}").get_data(as_text=True)
    assert "15-од" in page and "коробов готово 0 из 2" in page
    assert "js/archive.js" in client.get(url).get_data(as_text=True)
    r = client.get(f"/archive/inventories/{inventory_id}/report.xlsx")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert audited(session, "export") == [("inventory", str(inventory_id), users["archivist"].id)]
    r = client.get(f"/archive/inventories/{inventory_id}/report.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert printed(session) == [("inventory_report", "inventory", str(inventory_id),
                                 users["archivist"].id)]
    assert audited(session, "print") == [("inventory", str(inventory_id), users["archivist"].id)]
    # Opening by form: a bad order is a 422 with the message next to the field.
    r = client.post("/archive/inventories/", data={"order_number": "", "scope_kind": "all"})
    assert r.status_code == 422 and "Укажите номер приказа" in r.get_data(as_text=True)


def test_approval_route_is_the_directors(client, session, users, archive_room):
    a, b, _c, _files = archive_room
    inventory = _open(session, [a, b])
    services.finish_inventory(session, inventory=inventory, now=LATER)
    inventory_id = inventory.id
    session.commit()
    for role in ("admin", "chief", "archivist"):
        c = client.application.test_client()
        login(c, users[role])
        r = c.post(f"/archive/inventories/{inventory_id}/approve")
        assert r.status_code == 403, role
    login(client, users["director"])
    r = client.post(f"/archive/inventories/{inventory_id}/approve")
    assert r.status_code == 303
    session.rollback()
    assert session.get(Inventory, inventory_id).status == "approved"


def test_a_scan_finds_the_live_folder_not_a_cancelled_namesake(session, archive_room):
    """An undone import leaves cancelled folders whose numbers a live folder may reuse."""
    a, _b, _c, files = archive_room
    ghost = make_case_file(session)
    ghost.status, ghost.number = "cancelled", files["in_place"].number
    session.flush()
    assert ghost.id > files["in_place"].id
    inventory = _open(session, [a])
    scan = _scan(session, inventory, a, files["in_place"].number)
    assert (scan.outcome, scan.case_file_id) == ("found", files["in_place"].id)


def test_inventory_scans_take_the_russian_layout(session, archive_room):
    """A scanner typing with the Russian layout active: «ИЩЧ…» for BOX…, «ФЫЗ.…» for ASP/…"""
    a, _b, _c, files = archive_room
    inventory = _open(session, [a])
    assert services.inventory_box_for(session, inventory, as_russian_keys(a.barcode)).box_id \
        == a.id
    scan = _scan(session, inventory, a, as_russian_keys(files["in_place"].number))
    assert (scan.outcome, scan.case_file_id) == ("found", files["in_place"].id)

"""Case files: numbering, opening from an application, placement, issue/return, closing."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from onewindow.archive import services
from onewindow.archive.models import CaseFile, CaseFileMove, Checkout
from onewindow.errors import Conflict, InvalidInput

from ..factories import make_applicant, make_application
from .helpers import NOW, make_box, make_case_file


def test_case_numbers_per_service_and_year(session, users):
    first = make_case_file(session, user=users["archivist"])
    second = make_case_file(session, user=users["archivist"])
    other = make_case_file(session, user=users["archivist"], service_code="GAZ")
    next_year = make_case_file(session, user=users["archivist"], now=datetime(2027, 1, 10, 9))
    assert first.number == "ESP/26/00001"
    assert second.number == "ESP/26/00002"
    assert other.number == "GAZ/26/00001"
    assert next_year.number == "ESP/27/00001"
    assert first.status == "active" and first.opened_on == date(2026, 11, 27)
    assert [e.kind for e in first.events] == ["opened"]


def test_number_format_is_configurable_and_skips_taken_numbers(session, users):
    make_case_file(session, user=users["archivist"], number="D-2026-2")
    a = make_case_file(session, user=users["archivist"], number_format="D-{year}-{seq}")
    b = make_case_file(session, user=users["archivist"], number_format="D-{year}-{seq}")
    assert (a.number, b.number) == ("D-2026-1", "D-2026-3")
    with pytest.raises(InvalidInput):
        make_case_file(session, number_format="{unknown}/{seq}")


def test_same_applicant_and_service_gives_the_same_file(session, users):
    applicant = make_applicant(session)
    a = make_case_file(session, applicant=applicant)
    b = make_case_file(session, applicant=applicant)
    assert a.id == b.id
    assert session.scalar(select(func.count(CaseFile.id))) == 1


def test_ensure_case_file_for_application(session, users):
    applicant = make_applicant(session)
    app1 = make_application(session, applicant=applicant, user=users["specialist"])
    case_file = services.ensure_case_file_for_application(session, app1)
    assert re.fullmatch(r"ESP/26/\d{5}", case_file.number)
    assert case_file.applications == [app1]
    assert case_file.sheets == app1.total_sheets > 0
    app2 = make_application(session, applicant=applicant, user=users["specialist"],
                            now=datetime(2026, 11, 28, 9))
    again = services.ensure_case_file_for_application(session, app2)
    assert again.id == case_file.id
    assert again.applications == [app1, app2]
    # Calling twice for the same application changes nothing.
    services.ensure_case_file_for_application(session, app2)
    assert len(again.applications) == 2
    assert again.sheets == app1.total_sheets + app2.total_sheets


def test_closed_file_reopens_with_a_new_application(session, users):
    applicant = make_applicant(session)
    case_file = make_case_file(session, applicant=applicant)
    services.close_case_file(session, case_file, reason="moved_away", note=None,
                             user_id=users["archivist"].id, now=NOW)
    application = make_application(session, applicant=applicant, user=users["specialist"])
    services.ensure_case_file_for_application(session, application)
    assert case_file.status == "active"
    assert [e.kind for e in case_file.events] == ["opened", "closed", "reopened"]
    assert case_file.events[-1].comment == f"Новое заявление № {application.number}"
    assert case_file.applications == [application]


def test_close_and_reopen_are_recorded(session, users):
    case_file = make_case_file(session)
    user = users["archivist"]
    with pytest.raises(InvalidInput):
        services.close_case_file(session, case_file, reason="", note=None, user_id=user.id,
                                 now=NOW)
    with pytest.raises(InvalidInput):
        services.close_case_file(session, case_file, reason="other", note=" ", user_id=user.id,
                                 now=NOW)
    services.close_case_file(session, case_file, reason="died", note="свидетельство",
                             user_id=user.id, now=datetime(2026, 12, 1, 11))
    assert case_file.status == "closed" and case_file.closed_on == date(2026, 12, 1)
    assert case_file.close_reason_name == "смерть получателя"
    with pytest.raises(Conflict):
        services.close_case_file(session, case_file, reason="died", note=None, user_id=user.id,
                                 now=NOW)
    with pytest.raises(InvalidInput):
        services.reopen_case_file(session, case_file, reason="", user_id=user.id, now=NOW)
    services.reopen_case_file(session, case_file, reason="ошибочно закрыто", user_id=user.id,
                              now=datetime(2026, 12, 2, 9))
    kinds = [(e.kind, e.user_id, e.comment) for e in case_file.events]
    assert kinds[1] == ("closed", user.id, "смерть получателя: свидетельство")
    assert kinds[2] == ("reopened", user.id, "ошибочно закрыто")
    assert case_file.status == "active" and case_file.closed_on is None


def test_placement_records_moves_and_warns(session, users):
    user = users["archivist"]
    box1 = make_box(session, capacity=2, year_from=2020, year_to=2025, group_code="housing")
    box2 = make_box(session)
    case_file = make_case_file(session)
    placement = services.place_case_file(session, case_file=case_file, box=box1,
                                         user_id=user.id, now=NOW)
    assert any("группы" in w for w in placement.warnings)
    assert any("2026" in w for w in placement.warnings)
    assert case_file.box_id == box1.id
    services.place_case_file(session, case_file=case_file, box=box2, user_id=user.id, now=NOW)
    moves = session.scalars(select(CaseFileMove).order_by(CaseFileMove.id)).all()
    assert [(m.from_box_id, m.to_box_id, m.user_id) for m in moves] == [
        (None, box1.id, user.id), (box1.id, box2.id, user.id)]
    again = services.place_case_file(session, case_file=case_file, box=box2, user_id=user.id,
                                     now=NOW)
    assert not again.moved
    assert "Архив, стеллаж 1, полка 1, короб 2" == case_file.location


def test_full_box_refuses(session, users):
    box = make_box(session, capacity=2)
    files = [make_case_file(session) for _ in range(3)]
    services.place_case_file(session, case_file=files[0], box=box, user_id=None, now=NOW)
    last = services.place_case_file(session, case_file=files[1], box=box, user_id=None, now=NOW)
    assert any("последнее место" in w for w in last.warnings)
    with pytest.raises(Conflict, match="заполнен"):
        services.place_case_file(session, case_file=files[2], box=box, user_id=None, now=NOW)
    assert files[2].box_id is None


def test_issue_and_return(session, users):
    user, reader = users["archivist"], users["specialist"]
    box, other_box = make_box(session), make_box(session)
    case_file = make_case_file(session)
    services.place_case_file(session, case_file=case_file, box=box, user_id=user.id, now=NOW)
    with pytest.raises(InvalidInput):
        services.issue_case_file(session, case_file=case_file, to_user_id=0,
                                 due_on=date(2026, 12, 5), user_id=user.id, now=NOW)
    with pytest.raises(InvalidInput):
        services.issue_case_file(session, case_file=case_file, to_user_id=reader.id,
                                 due_on=date(2026, 11, 1), user_id=user.id, now=NOW)
    action, checkout = services.toggle_checkout(session, case_file=case_file,
                                                to_user_id=reader.id, due_on=date(2026, 12, 5),
                                                user_id=user.id, now=NOW)
    assert action == "issued" and checkout.issued_to_id == reader.id
    assert case_file.open_checkout is checkout
    with pytest.raises(Conflict, match="уже выдано"):
        services.issue_case_file(session, case_file=case_file, to_user_id=reader.id,
                                 due_on=date(2026, 12, 5), user_id=user.id, now=NOW)
    # A folder that is out cannot be filed elsewhere without the return.
    with pytest.raises(Conflict, match="возврат"):
        services.place_case_file(session, case_file=case_file, box=other_box, user_id=user.id,
                                 now=NOW)
    from onewindow.archive.queries import case_files_out, case_files_overdue

    assert [c.case_file_id for c in case_files_out(session)] == [case_file.id]
    assert case_files_overdue(session, today=date(2026, 12, 5)) == []
    assert [c.id for c in case_files_overdue(session, today=date(2026, 12, 6))] == [checkout.id]
    action, back = services.toggle_checkout(session, case_file=case_file, to_user_id=None,
                                            due_on=None, user_id=user.id,
                                            now=datetime(2026, 11, 30, 9))
    assert action == "returned" and back.returned_at == datetime(2026, 11, 30, 9)
    with pytest.raises(Conflict):
        services.return_case_file(session, case_file=case_file, user_id=user.id, now=NOW)
    services.place_case_file(session, case_file=case_file, box=other_box, user_id=user.id,
                             now=NOW)
    assert case_file.box_id == other_box.id
    assert session.scalar(select(func.count(Checkout.id))) == 1


def test_bulk_structure(session):
    boxes = services.bulk_create_structure(session, room_name="Архив", rack_number=3,
                                           shelf_from=1, shelf_to=6, boxes_per_shelf=5,
                                           capacity=40, year_from=2020, year_to=2024,
                                           group_code="veterans")
    assert len(boxes) == 30
    assert len({b.barcode for b in boxes}) == 30
    assert all(re.fullmatch(r"BOX\d{6}", b.barcode) for b in boxes)
    assert boxes[-1].location == "Архив, стеллаж 3, полка 6, короб 5"
    more = services.bulk_create_structure(session, room_name="Архив", rack_number=3,
                                          shelf_from=6, shelf_to=6, boxes_per_shelf=2)
    assert [b.number for b in more] == [6, 7]
    with pytest.raises(InvalidInput):
        services.bulk_create_structure(session, room_name="Архив", rack_number=3,
                                       shelf_from=5, shelf_to=2, boxes_per_shelf=1)
    with pytest.raises(InvalidInput):
        services.bulk_create_structure(session, room_name="Архив", rack_number=1,
                                       shelf_from=1, shelf_to=1, boxes_per_shelf=1,
                                       group_code="nope")

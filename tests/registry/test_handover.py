"""Handover: everything the leaver holds passes in one go, the history shows it, take back."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from onewindow.errors import Conflict, InvalidInput
from onewindow.intake.services import change_status
from onewindow.registry import documents, handover, holdings, queries, services

from ..factories import make_application, make_user
from ..pdfcheck import pdf_text
from .helpers import board_rows, make_appeal, make_incoming

NOW = datetime(2026, 11, 27, 10, 0)
LATER = datetime(2026, 11, 30, 9, 0)
BACK = datetime(2026, 12, 14, 9, 0)


@pytest.fixture
def desk(session, users):
    leaver = users["specialist"]
    receiver = make_user(session, full_name="Петрова Ольга Сергеевна")
    apps = [make_application(session, user=leaver) for _ in range(2)]
    req = make_incoming(session, user=leaver)
    out = services.register_outgoing_request(
        session, type_code="other_out", correspondent_id=req.correspondent_id, channel="post",
        subject="Запрос копии", user_id=leaver.id, now=NOW)
    appeal = make_appeal(session, user=leaver)
    assignment = services.create_assignment(session, text="Проверить дела", due_date=date(
        2026, 12, 1), assignee_id=leaver.id, author_id=users["chief"].id, now=NOW)
    return leaver, receiver, apps, req, out, appeal, assignment


def test_full_handover_leaves_nothing_open(session, users, desk, app):
    leaver, receiver, apps, req, out, appeal, assignment = desk
    held = handover.held_items(session, leaver.id)
    assert {i.key for i in held} == {
        *(f"application:{a.id}" for a in apps), f"request:{req.id}", f"request:{out.id}",
        f"appeal:{appeal.id}", f"assignment:{assignment.id}"}
    row = handover.create_handover(session, leaver_id=leaver.id, receiver_id=receiver.id,
                                   reason="leave", starts_on=date(2026, 11, 30),
                                   ends_on=date(2026, 12, 13), user_id=users["chief"].id,
                                   now=LATER, approved_by_id=users["chief"].id)
    assert len(row.items) == len(held)
    assert handover.held_items(session, leaver.id) == []
    assert {i.key for i in handover.held_items(session, receiver.id)} == {i.key for i in held}
    assert req.assigned_to_id == receiver.id and appeal.assigned_to_id == receiver.id
    assert holdings.current_holder_id(session, kind="application",
                                      item_id=apps[0].id) == receiver.id
    # The history shows who held the application when.
    hist = holdings.history(session, kind="application", item_id=apps[0].id)
    assert [(h.user_id, h.since, h.until) for h in hist] == [
        (leaver.id, apps[0].registered_at, LATER), (receiver.id, LATER, None)]
    # The receiver's "Сроки" now shows the leaver's deadlines.
    board = queries.deadline_board(session, today=date(2026, 12, 1), user_id=receiver.id)
    assert assignment.id in [i.id for i in board_rows(board, "today")
                             if i.kind == "assignment"]
    text = " ".join(pdf_text(documents.handover_act_pdf(row, config=app.config)).split())
    assert "приёма-передачи" in text
    assert apps[0].number in text and req.number in text and appeal.number in text
    assert "отпуском" in text
    assert f"Всего передано: {len(held)}" in text


def test_chosen_items_and_take_back(session, users, desk):
    leaver, receiver, apps, req, out, appeal, assignment = desk
    row = handover.create_handover(
        session, leaver_id=leaver.id, receiver_id=receiver.id, reason="illness",
        starts_on=date(2026, 11, 30), ends_on=None, user_id=users["chief"].id, now=LATER,
        keys=[f"application:{apps[0].id}", f"appeal:{appeal.id}", f"request:{req.id}"])
    assert len(row.items) == 3
    remaining = {i.key for i in handover.held_items(session, leaver.id)}
    assert f"application:{apps[1].id}" in remaining and f"appeal:{appeal.id}" not in remaining
    # While away, the receiver closes the request; the rest is still open.
    services.answer_request(session, req, text="Ответ", signed_by="Директор",
                            user_id=receiver.id, now=datetime(2026, 12, 1, 10))
    returned = handover.take_back(session, row, user_id=users["chief"].id, now=BACK)
    assert {(i.item_kind, i.item_id) for i in returned} == {
        ("application", apps[0].id), ("appeal", appeal.id)}
    assert appeal.assigned_to_id == leaver.id
    assert holdings.current_holder_id(session, kind="application",
                                      item_id=apps[0].id) == leaver.id
    assert handover.held_items(session, receiver.id) == []
    with pytest.raises(Conflict):
        handover.take_back(session, row, user_id=users["chief"].id, now=BACK)


def test_handover_checks(session, users, desk):
    leaver, receiver, apps, *_ = desk
    with pytest.raises(InvalidInput) as exc:
        handover.create_handover(session, leaver_id=leaver.id, receiver_id=leaver.id,
                                 reason="leave", starts_on=date(2026, 11, 30), ends_on=None,
                                 user_id=1, now=LATER)
    assert exc.value.field == "receiver_id"
    with pytest.raises(Conflict):
        handover.create_handover(session, leaver_id=leaver.id, receiver_id=receiver.id,
                                 reason="leave", starts_on=date(2026, 11, 30), ends_on=None,
                                 user_id=1, now=LATER, keys=["application:999999"])
    # Decided applications are no longer held.
    change_status(session, apps[0], to="transferred", user_id=users["chief"].id, now=NOW)
    change_status(session, apps[0], to="granted", user_id=users["chief"].id, now=NOW)
    assert f"application:{apps[0].id}" not in {
        i.key for i in handover.held_items(session, leaver.id)}


def test_deadline_board_own_and_office(session, users):
    spec, chief = users["specialist"], users["chief"]
    other = make_user(session)
    make_application(session, user=spec)  # deadline far ahead
    mine = make_incoming(session, user=spec, now=datetime(2026, 11, 23, 9),
                         their_date=None)  # due 30.11
    theirs = make_incoming(session, user=other, correspondent=mine.correspondent,
                           now=datetime(2026, 11, 20, 9), their_date=None)  # due 27.11
    a = services.create_assignment(session, text="Отчёт", due_date=date(2026, 12, 2),
                                   assignee_id=spec.id, author_id=chief.id, now=NOW)
    today = date(2026, 11, 30)
    own = queries.deadline_board(session, today=today, user_id=spec.id)
    assert [i.id for i in board_rows(own, "today")] == [mine.id]
    assert [i.id for i in board_rows(own, "upcoming")] == [a.id]
    assert board_rows(own, "overdue") == []
    office = queries.deadline_board(session, today=today, user_id=None)
    assert [i.id for i in board_rows(office, "overdue")] == [theirs.id]
    assert office.counts == {"overdue": 1, "today": 1, "total": 3}
    assert queries.urgent_count(session, today=today, user_id=other.id) == 1
    assert queries.urgent_count(session, today=today, user_id=spec.id) == 1
    # A paused request leaves the board until resumed.
    services.pause_request(session, mine, reason="Ждём", on=today, user_id=spec.id)
    assert board_rows(queries.deadline_board(session, today=today, user_id=spec.id),
                      "today") == []


def test_archive_checkout_passes_and_comes_back(session, users):
    from onewindow.archive import services as archive

    from ..archive.helpers import make_box, make_case_file

    leaver, receiver = users["specialist"], make_user(session)
    case_file = make_case_file(session)
    archive.place_case_file(session, case_file=case_file, box=make_box(session),
                            user_id=users["archivist"].id, now=NOW)
    archive.issue_case_file(session, case_file=case_file, to_user_id=leaver.id,
                            due_on=date(2026, 12, 1), user_id=users["archivist"].id, now=NOW)
    board = queries.deadline_board(session, today=date(2026, 11, 30), user_id=leaver.id)
    assert [(i.kind, i.number) for i in board_rows(board, "upcoming")] == [
        ("checkout", case_file.number)]
    assert [i.key for i in handover.held_items(session, leaver.id)] == [
        f"checkout:{case_file.id}"]
    row = handover.create_handover(session, leaver_id=leaver.id, receiver_id=receiver.id,
                                   reason="dismissal", starts_on=date(2026, 11, 30),
                                   ends_on=None, user_id=users["chief"].id, now=LATER)
    assert case_file.open_checkout.issued_to_id == receiver.id
    assert case_file.open_checkout.due_on == date(2026, 12, 1)
    assert handover.held_items(session, leaver.id) == []
    assert [i.item_kind for i in row.items] == ["checkout"]
    handover.take_back(session, row, user_id=users["chief"].id, now=BACK)
    assert case_file.open_checkout.issued_to_id == leaver.id
    # The folder was overdue by then: re-issued until today, never into the past.
    assert case_file.open_checkout.due_on == BACK.date()
    assert [h.user_id for h in holdings.history(session, kind="checkout",
                                                item_id=case_file.id)] == [receiver.id,
                                                                           leaver.id]

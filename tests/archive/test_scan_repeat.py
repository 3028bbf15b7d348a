"""A scanner's double read (the same code twice within a second) counts once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from onewindow.archive import services
from onewindow.archive.models import CaseFileMove, Checkout
from onewindow.core import clock

from ..conftest import login
from .helpers import make_box, make_case_file

NOW = datetime(2026, 11, 27, 10, 0)
HX = {"HX-Request": "true"}


def test_issue_mode_double_read_is_not_a_return(session, users):
    case_file = make_case_file(session)
    me, reader = users["archivist"].id, users["specialist"].id

    def scan(at):
        return services.toggle_checkout(session, case_file=case_file, to_user_id=reader,
                                        due_on=date(2026, 12, 10), user_id=me, now=at)

    assert scan(NOW)[0] == "issued"
    action, checkout = scan(NOW)  # 50 ms later, the same second
    assert action == "repeat" and checkout.returned_at is None
    assert scan(NOW + timedelta(seconds=3))[0] == "returned"
    assert scan(NOW + timedelta(seconds=3))[0] == "repeat"  # not issued again
    assert scan(NOW + timedelta(seconds=6))[0] == "issued"
    assert session.scalar(select(func.count(Checkout.id))) == 2


def test_someone_else_scanning_the_same_second_is_not_a_repeat(session, users):
    case_file = make_case_file(session)
    services.toggle_checkout(session, case_file=case_file, to_user_id=users["specialist"].id,
                             due_on=date(2026, 12, 10), user_id=users["archivist"].id, now=NOW)
    action, _ = services.toggle_checkout(session, case_file=case_file, to_user_id=None,
                                         due_on=None, user_id=users["chief"].id, now=NOW)
    assert action == "returned"


def test_scan_page_says_a_repeat_counts_once(client, session, users, monkeypatch):
    case_file = make_case_file(session)
    box = make_box(session)
    session.commit()
    monkeypatch.setattr(clock, "now", lambda: NOW)
    login(client, users["archivist"])
    issue = {"mode": "issue", "code": case_file.number,
             "to_user_id": str(users["specialist"].id), "due_on": "10.12.2026"}
    first = client.post("/archive/scan", data=issue, headers=HX).get_data(as_text=True)
    assert 'data-action="issued"' in first
    second = client.post("/archive/scan", data=issue, headers=HX).get_data(as_text=True)
    assert 'data-action="repeat"' in second and "учтено один раз" in second
    session.rollback()
    checkout = session.scalar(select(Checkout))
    assert checkout.returned_at is None

    # Placement: the return comes later; then the same folder twice into the box.
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(seconds=5))
    client.post("/archive/scan", data=issue, headers=HX)
    place = {"mode": "place", "code": case_file.number, "box": box.barcode}
    assert 'data-action="placed"' in client.post("/archive/scan", data=place,
                                                 headers=HX).get_data(as_text=True)
    again = client.post("/archive/scan", data=place, headers=HX).get_data(as_text=True)
    assert 'data-action="repeat"' in again and "учтено один раз" in again
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(seconds=9))
    later = client.post("/archive/scan", data=place, headers=HX).get_data(as_text=True)
    assert 'data-action="already"' in later and "Дело уже в этом коробе" in later
    session.rollback()
    assert session.scalar(select(func.count(CaseFileMove.id))) == 1

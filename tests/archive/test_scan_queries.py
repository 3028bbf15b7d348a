"""A scan reads a bounded number of rows: no lazy load per link of the location chain.

Counted statements, not time: a card that loads the box, shelf, rack, room, person and
service one by one (or the employee list it never shows) makes the count grow.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from onewindow.archive import services
from onewindow.extensions import db

from ..conftest import login
from .helpers import NOW, make_box, make_case_file

HX = {"HX-Request": "true"}


@contextmanager
def statements():
    seen: list[str] = []

    def _count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)


def _scan(client, code: str) -> tuple[str, list[str]]:
    with statements() as seen:
        r = client.post("/archive/scan", data={"code": code, "mode": "lookup"}, headers=HX)
    assert r.status_code == 200
    # The session's user is left out: the test client may find it already loaded.
    return r.get_data(as_text=True), [s for s in seen if s.lstrip().upper().startswith("SELECT")
                                      and not s.lstrip().startswith("SELECT users.")]


def test_case_scan_loads_its_card_in_one_query(client, users, session):
    case_file = make_case_file(session)
    box = make_box(session, room="Архив № 2", rack=4, shelf=3)
    services.place_case_file(session, case_file=case_file, box=box, user_id=None, now=NOW)
    number, name = case_file.number, case_file.applicant.full_name
    session.commit()
    login(client, users["archivist"])

    html, selects = _scan(client, number)
    assert number in html and name in html
    assert "Архив № 2, стеллаж 4, полка 3, короб" in html
    # The case file with everything its card shows, and nothing else.
    assert len(selects) == 1, selects


def test_box_scan_does_not_grow_with_its_contents(client, users, session):
    box = make_box(session)
    first = make_case_file(session)
    services.place_case_file(session, case_file=first, box=box, user_id=None, now=NOW)
    barcode = box.barcode
    session.commit()
    login(client, users["archivist"])
    html, one = _scan(client, barcode)
    assert first.number in html

    more = [make_case_file(session) for _ in range(4)]
    for case_file in more:
        services.place_case_file(session, case_file=case_file, box=box, user_id=None, now=NOW)
    services.toggle_checkout(session, case_file=more[0], to_user_id=users["specialist"].id,
                             due_on=NOW.date(), user_id=None, now=NOW)
    numbers = [c.number for c in more]
    session.commit()
    html, five = _scan(client, barcode)
    assert all(n in html for n in numbers) and "выдано" in html
    assert len(five) == len(one) <= 2, five  # the box with its place, then its folders


def test_a_case_number_is_not_looked_up_among_boxes(client, users, session):
    case_file = make_case_file(session)
    number = case_file.number
    session.commit()
    login(client, users["archivist"])
    _html, selects = _scan(client, number)
    assert not any("archive_boxes.barcode = " in s for s in selects), selects

"""Desk sign-ins: taking and leaving a window, heartbeats, logout and expiry, concurrency."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from onewindow.extensions import db
from onewindow.queue import desks, services
from onewindow.queue.models import Desk, DeskSession

from ..conftest import login
from ..factories import make_user

T0 = datetime(2026, 11, 30, 9, 0)


@pytest.fixture
def two_desks(session):
    services.seed_queue(session)
    session.flush()
    return list(session.scalars(select(Desk).order_by(Desk.number)))[:2]


def _rows(session):
    session.rollback()  # the server (or a thread) has written since
    return list(session.scalars(select(DeskSession).order_by(DeskSession.id)))


def test_switch_take_over_and_release(session, users, two_desks):
    one, two = two_desks
    spec, chief = users["specialist"], users["chief"]
    first = desks.sign_in(session, desk=one, user_id=spec.id, now=T0).desk_session
    # Another tab at the same window changes nothing.
    again = desks.sign_in(session, desk=one, user_id=spec.id, now=T0 + timedelta(minutes=1))
    assert again.desk_session.id == first.id and again.taken_from is None
    moved = desks.sign_in(session, desk=two, user_id=spec.id, now=T0 + timedelta(minutes=2))
    assert (first.ended_at, first.end_reason) == (T0 + timedelta(minutes=2), "switch")
    taken = desks.sign_in(session, desk=two, user_id=chief.id, now=T0 + timedelta(minutes=3))
    assert taken.taken_from == spec.short_name
    assert moved.desk_session.end_reason == "taken_over"
    assert desks.current(session, user_id=spec.id, now=T0 + timedelta(minutes=3)) is None
    assert desks.occupants(session, now=T0 + timedelta(minutes=3)) == {two.id: chief.short_name}
    assert desks.sign_out(session, user_id=chief.id, now=T0 + timedelta(minutes=4)) == 1
    assert taken.desk_session.end_reason == "release"
    assert desks.occupants(session, now=T0 + timedelta(minutes=4)) == {}
    session.commit()
    # Nothing is deleted: four sign-ins, all closed.
    assert [r.ended_at is not None for r in _rows(session)] == [True, True, True]


def test_a_silent_desk_page_ends_at_its_last_heartbeat(session, users, two_desks):
    one, two = two_desks
    spec = users["specialist"]
    row = desks.sign_in(session, desk=one, user_id=spec.id, now=T0).desk_session
    desks.heartbeat(session, desk_session_id=row.id, now=T0 + timedelta(minutes=50))
    # The browser was closed; the specialist comes back after lunch to another window.
    later = T0 + timedelta(hours=2)
    assert desks.current(session, user_id=spec.id, now=later) is None
    assert desks.occupants(session, now=later) == {}
    desks.sign_in(session, desk=two, user_id=spec.id, now=later)
    assert (row.ended_at, row.end_reason) == (T0 + timedelta(minutes=50), "lost")


def test_expiry_ends_the_sign_in_when_the_user_was_last_active(session, users, two_desks):
    one, _ = two_desks
    spec = users["specialist"]
    row = desks.sign_in(session, desk=one, user_id=spec.id, now=T0).desk_session
    desks.heartbeat(session, desk_session_id=row.id, now=T0 + timedelta(minutes=40))
    desks.sign_out(session, user_id=spec.id, now=T0 + timedelta(minutes=41), reason="expired",
                   at=T0 + timedelta(minutes=10))
    assert (row.ended_at, row.end_reason) == (T0 + timedelta(minutes=10), "expired")


def test_closed_desk_cannot_be_taken(session, users, two_desks):
    one, _ = two_desks
    one.active = False
    from onewindow.errors import InvalidInput

    with pytest.raises(InvalidInput, match="Окно закрыто"):
        desks.sign_in(session, desk=one, user_id=users["specialist"].id, now=T0)


def test_desk_pages_sign_in_heartbeat_release_and_logout(client, session, users, two_desks):
    one, two = two_desks
    one_id, two_id = one.id, two.id
    session.commit()
    login(client, users["specialist"])
    assert client.post("/queue/desk/select", data={"desk_id": one_id}).status_code == 303
    [row] = _rows(session)
    assert (row.desk_id, row.user_id, row.ended_at) == (one_id, users["specialist"].id, None)
    # The desk line polls in the background; a heartbeat is written at most once a minute.
    row.last_seen_at = row.started_at = row.last_seen_at - timedelta(minutes=2)
    session.commit()
    before = row.last_seen_at
    r = client.get("/queue/desk/line", headers={"HX-Request": "true", "X-Background": "1"})
    assert r.status_code == 200
    [row] = _rows(session)
    assert row.last_seen_at > before and row.ended_at is None

    other = client.application.test_client()
    login(other, users["chief"])
    page = other.get("/queue/desk").get_data(as_text=True)
    assert "занято: " + users["specialist"].short_name in page
    r = other.post("/queue/desk/select", data={"desk_id": one_id}, follow_redirects=True)
    assert f"работа у окна специалиста {users['specialist'].short_name} завершена" in \
        r.get_data(as_text=True)
    # The specialist's desk page now asks for a window again.
    assert "За каким окном вы работаете?" in client.get("/queue/desk").get_data(as_text=True)
    assert client.post("/queue/desk/select", data={"desk_id": two_id}).status_code == 303
    assert client.post("/queue/desk/release").status_code == 303
    other.post("/logout")
    reasons = [(r.desk_id, r.end_reason) for r in _rows(session)]
    assert reasons == [(one_id, "taken_over"), (one_id, "logout"), (two_id, "release")]
    assert all(r.ended_at is not None for r in _rows(session))


def test_expired_login_ends_the_sign_in(client, session, users, two_desks, monkeypatch):
    from onewindow.core import clock

    one_id = two_desks[0].id
    session.commit()
    login(client, users["specialist"])
    client.post("/queue/desk/select", data={"desk_id": one_id})
    moved = clock.now() + timedelta(hours=1)
    monkeypatch.setattr(clock, "now", lambda: moved)
    client.get("/queue/desk")
    [row] = _rows(session)
    assert row.end_reason == "expired"
    # It ended when the user was last active, not when the expiry was noticed.
    assert row.ended_at - row.started_at < timedelta(minutes=1)


def test_concurrent_sign_ins_keep_one_person_per_desk(app, session, two_desks):
    """Eight specialists take windows at once, again and again: never two at one window."""
    desk_ids = [d.id for d in two_desks]
    user_ids = [make_user(session).id for _ in range(8)]
    session.commit()
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(user_ids))

    def worker(n: int):
        try:
            with app.app_context():
                barrier.wait()
                for i in range(6):
                    desk = db.session.get(Desk, desk_ids[(n + i) % 2])
                    desks.sign_in(db.session, desk=desk, user_id=user_ids[n],
                                  now=T0 + timedelta(seconds=i))
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(user_ids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors
    rows = _rows(session)
    assert len(rows) == 8 * 6
    open_rows = [r for r in rows if r.ended_at is None]
    assert 1 <= len(open_rows) <= 2 and rows[-1] in open_rows  # the last one stands
    assert len({r.desk_id for r in open_rows}) == len(open_rows)
    assert len({r.user_id for r in open_rows}) == len(open_rows)
    assert all(r.end_reason in ("switch", "taken_over") for r in rows if r.ended_at)

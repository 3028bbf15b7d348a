"""The hall board and the kiosk's estimates against the database (hand-built queues)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from onewindow.queue import desks as desk_signins
from onewindow.queue import documents, queries, services
from onewindow.queue.models import Desk, VisitPurpose

from ..factories import make_user

T0 = datetime(2026, 11, 30, 10, 0)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def office(session):
    services.seed_queue(session)
    purposes = {p.letter: p for p in session.scalars(select(VisitPurpose))}
    desks = {d.number: d for d in session.scalars(select(Desk))}
    user, other = make_user(session), make_user(session)
    session.commit()
    return purposes, desks, user, other


def _issue(session, purpose, minutes, **kw):
    return services.issue_ticket(session, purpose_id=purpose.id, now=at(minutes), **kw)


def _call(session, desk, user, minutes):
    return services.call_next_ticket(session, desk=desk, user_id=user.id, now=at(minutes))


def test_no_show_finish_and_redirect_leave_the_board(session, office):
    purposes, desks, user, other = office
    a1, a2, a3 = (_issue(session, purposes["А"], m) for m in (0, 1, 2))
    _call(session, desks[1], user, 3)
    _call(session, desks[2], other, 4)
    rows = queries.board_calls(session, now=at(4))
    assert [(r.number, r.desk_number, r.newest) for r in rows] == [
        ("А-002", 2, True), ("А-001", 1, False)]
    # «Не явился» at window 2: the ticket leaves; А-001 is the newest open invitation now.
    services.mark_no_show(session, ticket_id=a2.id, desk=desks[2], user_id=other.id, now=at(5))
    rows = queries.board_calls(session, now=at(5))
    assert [(r.number, r.newest) for r in rows] == [("А-001", True)]
    # A redirect to window 3: the old window disappears; the call there shows window 3.
    services.redirect(session, ticket_id=a1.id, desk=desks[1], user_id=user.id, now=at(6),
                      to_desk_id=desks[3].id)
    assert queries.board_calls(session, now=at(6)) == []
    assert _call(session, desks[3], other, 7) is a1
    rows = queries.board_calls(session, now=at(7))
    assert [(r.number, r.desk_number, r.newest) for r in rows] == [("А-001", 3, True)]
    assert rows[0].speech == "Талон А один, окно три"
    # Finished: gone.
    services.finish(session, ticket_id=a1.id, desk=desks[3], user_id=other.id, now=at(9))
    assert _call(session, desks[1], user, 9) is a3
    assert [r.number for r in queries.board_calls(session, now=at(9))] == ["А-003"]


def test_only_the_newest_call_is_highlighted_and_a_recall_is_a_new_call(session, office):
    purposes, desks, user, other = office
    a1 = _issue(session, purposes["А"], 0)
    _issue(session, purposes["Б"], 0)
    _call(session, desks[1], user, 1)
    services.start_service(session, ticket_id=a1.id, desk=desks[1], user_id=user.id, now=at(2))
    b1 = _call(session, desks[2], other, 3)
    rows = queries.board_calls(session, now=at(3))
    assert [r.newest for r in rows] == [True, False]
    key = rows[0].call_key
    services.recall(session, ticket_id=b1.id, desk=desks[2], user_id=other.id, now=at(4))
    again = queries.board_calls(session, now=at(4))
    assert again[0].number == "Б-001" and again[0].call_key != key
    # Serving visitors are no longer being invited: nothing highlighted.
    services.start_service(session, ticket_id=b1.id, desk=desks[2], user_id=other.id, now=at(5))
    assert not any(r.newest for r in queries.board_calls(session, now=at(5)))


def test_board_shows_open_windows_and_waiting_per_purpose(session, office):
    purposes, desks, user, other = office
    for letter, minutes in (("А", 0), ("А", 1), ("Б", 2)):
        _issue(session, purposes[letter], minutes)
    state = queries.board_state(session, now=at(3))
    assert state.open_desks == []
    assert [(w.letter, w.waiting) for w in state.waiting] == [("А", 2), ("Б", 1), ("В", 0)]
    desk_signins.sign_in(session, desk=desks[3], user_id=user.id, now=at(3))
    desk_signins.sign_in(session, desk=desks[1], user_id=other.id, now=at(3))
    _call(session, desks[3], user, 4)
    state = queries.board_state(session, now=at(4))
    assert state.open_desks == [1, 3]
    assert [(w.letter, w.waiting) for w in state.waiting] == [("А", 1), ("Б", 1), ("В", 0)]
    # A desk page silent for longer than the heartbeat allows is not an open window.
    assert queries.board_state(session, now=at(20)).open_desks == []


def _estimate(session, ticket, minutes):
    return queries.ticket_estimate(session, ticket, now=at(minutes))


def test_kiosk_counts_everyone_the_same_windows_serve_first(session, office):
    """«Перед вами: 0» for А while a Б visitor waited for the same windows."""
    purposes, desks, user, _other = office
    desk_signins.sign_in(session, desk=desks[1], user_id=user.id, now=at(0))
    _issue(session, purposes["Б"], 0)
    vip = _issue(session, purposes["В"], 1, out_of_turn=True)
    mine = _issue(session, purposes["А"], 2)
    assert mine.ahead_at_issue == 2
    estimate = _estimate(session, mine, 2)
    assert estimate.ahead == 2
    # No service seen yet: window 1's pace is the mean standard of its purposes (15, 5, 10).
    assert estimate.wait_minutes == 20
    assert vip.ahead_at_issue == 0


def test_wait_comes_from_recent_service_times(session, office):
    purposes, desks, user, _other = office
    desk_signins.sign_in(session, desk=desks[1], user_id=user.id, now=at(0))
    for minute in (0, 1):
        t = _issue(session, purposes["А"], minute)
    for start in (2, 6):
        t = _call(session, desks[1], user, start)
        services.start_service(session, ticket_id=t.id, desk=desks[1], user_id=user.id,
                               now=at(start))
        services.finish(session, ticket_id=t.id, desk=desks[1], user_id=user.id,
                        now=at(start + 4))
    waiting = [_issue(session, purposes["А"], 11) for _ in range(3)]
    desk_signins.sign_in(session, desk=desks[1], user_id=user.id, now=at(11))  # page polled
    # Window 1 serves in 4 minutes lately: the third visitor in line waits 8 minutes.
    assert [_estimate(session, t, 11).wait_minutes for t in waiting] == [0, 4, 8]
    assert [_estimate(session, t, 11).ahead for t in waiting] == [0, 1, 2]


def test_no_open_window_is_said(session, office):
    purposes, desks, user, _other = office
    mine = _issue(session, purposes["А"], 0)
    data = documents.ticket_print_data(session, mine, now=at(0), office="ЦСЗН")
    assert data.wait_minutes is None
    assert "Сейчас нет открытых окон по этой цели визита" in data.outlook_lines()
    outlook = {o.purpose.letter: o for o in queries.kiosk_outlook(session, now=at(0))}
    assert outlook["А"].open_windows == 0
    desk_signins.sign_in(session, desk=desks[2], user_id=user.id, now=at(1))
    outlook = {o.purpose.letter: o for o in queries.kiosk_outlook(session, now=at(1))}
    assert (outlook["А"].open_windows, outlook["А"].waiting) == (1, 1)
    assert documents.ticket_print_data(session, mine, now=at(1), office="ЦСЗН"
                                       ).wait_minutes == 0


def test_booked_ticket_shows_its_slot_time_not_a_wait(session, office):
    """Checked in at 10:25 for 11:00 and told «ожидание около 4 мин»."""
    purposes, desks, user, _other = office
    a = purposes["А"]
    services.create_slots(session, purpose_id=a.id, day=T0.date(), start=time(11, 0),
                          end=time(11, 30), interval_minutes=30, capacity=1, today=T0.date())
    slot = queries.bookings_on(session, day=T0.date())[0]
    booking = services.book(session, slot_id=slot.id, citizen_name="Петров П.П.",
                            phone="+7 900 1", applicant_id=None, user_id=user.id, now=T0)
    desk_signins.sign_in(session, desk=desks[1], user_id=user.id, now=at(25))
    ticket = services.issue_booked_ticket(session, code=booking.code, now=at(25))
    data = documents.ticket_print_data(session, ticket, now=at(25), office="ЦСЗН")
    lines = data.outlook_lines()
    assert lines[0] == "Запись на 11:00"
    assert not any("мин" in line or "Перед вами" in line for line in lines)


def test_expected_booking_counts_for_a_walk_in_who_would_still_wait(session, office):
    purposes, desks, user, _other = office
    a = purposes["А"]
    services.create_slots(session, purpose_id=a.id, day=T0.date(), start=time(10, 20),
                          end=time(10, 30), interval_minutes=10, capacity=1, today=T0.date())
    slot = queries.bookings_on(session, day=T0.date())[0]
    services.book(session, slot_id=slot.id, citizen_name="Петров П.П.", phone="+7 900 1",
                  applicant_id=None, user_id=user.id, now=T0)
    desk_signins.sign_in(session, desk=desks[1], user_id=user.id, now=at(0))
    line = [_issue(session, a, 0) for _ in range(3)]  # 15 min each: called at +0, +15, +30
    # The 10:20 visitor (not here yet) is called at +30, before the third walk-in.
    assert [_estimate(session, t, 0).ahead for t in line] == [0, 1, 3]

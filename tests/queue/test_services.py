"""Ordering rules, numbering, desk actions, bookings and statistics of the queue."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from onewindow.core import clock
from onewindow.errors import Conflict, InvalidInput
from onewindow.queue import queries, services
from onewindow.queue.models import Desk, Ticket, VisitPurpose

from ..factories import make_applicant, make_application, make_user

T0 = datetime(2026, 11, 28, 9, 0)


@pytest.fixture
def office(session):
    services.seed_queue(session)
    purposes = {p.letter: p for p in session.scalars(select(VisitPurpose))}
    desks = {d.number: d for d in session.scalars(select(Desk))}
    user = make_user(session)
    session.commit()
    return purposes, desks, user


def _issue(session, purpose, minutes, **kw):
    return services.issue_ticket(session, purpose_id=purpose.id,
                                 now=T0 + timedelta(minutes=minutes), **kw)


def _call(session, desk, user, minutes):
    return services.call_next_ticket(session, desk=desk, user_id=user.id,
                                     now=T0 + timedelta(minutes=minutes))


def test_seed_is_idempotent(session):
    assert services.seed_queue(session) == 7
    assert services.seed_queue(session) == 0
    letters = [p.letter for p in queries.active_purposes(session)]
    assert letters == ["А", "Б", "В"]
    assert [d.number for d in queries.all_desks(session)] == [1, 2, 3, 4]


def test_numbers_per_letter_and_day(session, office):
    purposes, _desks, _user = office
    a1 = _issue(session, purposes["А"], 0)
    a2 = _issue(session, purposes["А"], 1)
    b1 = _issue(session, purposes["Б"], 2)
    assert [a1.number, a2.number, b1.number] == ["А-001", "А-002", "Б-001"]
    tomorrow = services.issue_ticket(session, purpose_id=purposes["А"].id,
                                     now=T0 + timedelta(days=1))
    assert tomorrow.number == "А-001"
    # Windows 1–4 serve every purpose: the Б visitor waits behind both А visitors.
    assert a2.ahead_at_issue == 1 and b1.ahead_at_issue == 2


def test_order_out_of_turn_then_due_bookings_then_walk_ins(session, office):
    purposes, desks, user = office
    a = purposes["А"]
    walk1 = _issue(session, a, 0)
    walk2 = _issue(session, a, 1)
    services.create_slots(session, purpose_id=a.id, day=T0.date(), start=time(9, 10),
                          end=time(9, 40), interval_minutes=20, capacity=1, today=T0.date())
    slots = queries.bookings_on(session, day=T0.date())
    early = services.book(session, slot_id=slots[1].id, citizen_name="Петров П.П.",
                          phone="+7 900 1", applicant_id=None, user_id=user.id, now=T0)
    due = services.book(session, slot_id=slots[0].id, citizen_name="Сидоров С.С.",
                        phone="+7 900 2", applicant_id=None, user_id=user.id, now=T0)
    booked_due = services.issue_booked_ticket(session, code=due.code,
                                              now=T0 + timedelta(minutes=5))
    booked_early = services.issue_booked_ticket(session, code=early.code,
                                                now=T0 + timedelta(minutes=6))
    vip = _issue(session, a, 7, out_of_turn=True)
    assert booked_due.priority == "booked" and booked_due.due_at == datetime(2026, 11, 28, 9, 10)
    desk = desks[1]
    # At 9:12 the 9:10 booking is due, the 9:30 one is not yet.
    order = []
    for minute in (12, 13, 14, 15, 16):
        ticket = _call(session, desk, user, minute)
        order.append(ticket)
        services.finish(session, ticket_id=ticket.id, desk=desk, user_id=user.id,
                        now=T0 + timedelta(minutes=minute, seconds=30))
    assert order == [vip, booked_due, walk1, walk2, booked_early]
    assert _call(session, desk, user, 20) is None


def test_booked_code_twice_returns_same_waiting_ticket(session, office):
    purposes, _desks, user = office
    services.create_slots(session, purpose_id=purposes["Б"].id, day=T0.date(),
                          start=time(10, 0), end=time(10, 30), interval_minutes=30,
                          capacity=1, today=T0.date())
    slot = queries.bookings_on(session, day=T0.date())[0]
    booking = services.book(session, slot_id=slot.id, citizen_name="Иванова А.П.",
                            phone="+7 900", applicant_id=None, user_id=user.id, now=T0)
    assert len(booking.code) == 6 and booking.code.isdigit()
    with pytest.raises(Conflict):
        services.book(session, slot_id=slot.id, citizen_name="Ещё один", phone="1",
                      applicant_id=None, user_id=user.id, now=T0)
    first = services.issue_booked_ticket(session, code=booking.code, now=T0)
    again = services.issue_booked_ticket(session, code=booking.code, now=T0)
    assert again is first and booking.status == "arrived"
    with pytest.raises(InvalidInput) as err:
        services.issue_booked_ticket(session, code="000000", now=T0)
    assert err.value.field == "code"
    with pytest.raises(InvalidInput):  # wrong day
        services.issue_booked_ticket(session, code=booking.code, now=T0 + timedelta(days=1))


def test_desk_serves_only_its_purposes_and_redirects(session, office):
    purposes, desks, user = office
    services.save_desk(session, desk=desks[2], number=2, purpose_ids=[purposes["Б"].id])
    a = _issue(session, purposes["А"], 0)
    assert _call(session, desks[2], user, 1) is None
    assert _call(session, desks[1], user, 1) is a
    with pytest.raises(Conflict):  # desk 1 still busy
        _call(session, desks[1], user, 2)
    later = _issue(session, purposes["Б"], 3)
    # Redirect to purpose Б: keeps its 9:00 place ahead of the 9:03 ticket.
    services.redirect(session, ticket_id=a.id, desk=desks[1], user_id=user.id,
                      now=T0 + timedelta(minutes=4), to_purpose_id=purposes["Б"].id)
    assert a.status == "waiting" and a.queued_at == T0
    assert [s.purpose.letter for s in a.services] == ["А", "Б"]
    assert _call(session, desks[2], user, 5) is a
    # Redirect to a particular desk: only that desk calls it.
    services.redirect(session, ticket_id=a.id, desk=desks[2], user_id=user.id,
                      now=T0 + timedelta(minutes=6), to_desk_id=desks[3].id)
    assert _call(session, desks[4], user, 7) is later
    assert _call(session, desks[3], user, 7) is a
    with pytest.raises(InvalidInput):
        services.redirect(session, ticket_id=a.id, desk=desks[3], user_id=user.id,
                          now=T0, to_desk_id=None, to_purpose_id=None)


def test_recall_park_no_show_and_board(session, office):
    purposes, desks, user = office
    t1 = _issue(session, purposes["В"], 0)
    t2 = _issue(session, purposes["В"], 1)
    desk = desks[1]
    assert _call(session, desk, user, 2) is t1
    services.recall(session, ticket_id=t1.id, desk=desk, user_id=user.id,
                    now=T0 + timedelta(minutes=3))
    assert t1.call_count == 2
    services.park(session, ticket_id=t1.id, desk=desk, user_id=user.id,
                  now=T0 + timedelta(minutes=4), comment="за паспортом")
    assert _call(session, desk, user, 5) is t2
    services.mark_no_show(session, ticket_id=t2.id, desk=desk, user_id=user.id,
                          now=T0 + timedelta(minutes=7))
    assert t2.status == "no_show"
    with pytest.raises(Conflict):
        services.finish(session, ticket_id=t2.id, desk=desk, user_id=user.id, now=T0)
    assert queries.parked_tickets(session, day=T0.date()) == [t1]
    services.call_parked(session, ticket_id=t1.id, desk=desks[2], user_id=user.id,
                         now=T0 + timedelta(minutes=20))
    services.start_service(session, ticket_id=t1.id, desk=desks[2], user_id=user.id,
                           now=T0 + timedelta(minutes=21))
    session.flush()
    board = queries.board_calls(session, now=T0 + timedelta(minutes=20, seconds=5))
    # В-002 did not come: it left the board; В-001 is served at window 2.
    assert [(r.number, r.desk_number) for r in board] == [("В-001", 2)]
    assert board[0].fresh and not board[0].newest
    assert not any("Иванова" in str(vars(r)) for r in board)


def test_finish_links_applications_registered_during_visit(session, office):
    purposes, desks, user = office
    t = _issue(session, purposes["А"], 0)
    _call(session, desks[1], user, 1)
    services.start_service(session, ticket_id=t.id, desk=desks[1], user_id=user.id,
                           now=T0 + timedelta(minutes=2))
    applicant = make_applicant(session)
    before = make_application(session, applicant=applicant, user=user, now=T0)
    first = make_application(session, applicant=applicant, user=user,
                             now=T0 + timedelta(minutes=5))
    second = make_application(session, applicant=applicant, user=user, service_code="GAZ",
                              now=T0 + timedelta(minutes=8))
    services.add_service(session, ticket_id=t.id, desk=desks[1],
                         purpose_id=purposes["Б"].id)
    services.finish(session, ticket_id=t.id, desk=desks[1], user_id=user.id,
                    now=T0 + timedelta(minutes=10))
    assert t.applications == [first, second]
    assert before not in t.applications
    assert t.applicant_id == applicant.id
    assert (t.issued_at, t.first_called_at, t.started_at, t.finished_at) == (
        T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2), T0 + timedelta(minutes=10))
    assert t.desk_id == desks[1].id and t.specialist_id == user.id


def test_live_stats(session, office):
    purposes, desks, user = office
    a, b = purposes["А"], purposes["Б"]
    # Three tickets served: waits 2, 4, 20 minutes; one no-show; two still waiting.
    for i, (issue, call, finish) in enumerate([(0, 2, 12), (1, 5, 9), (2, 22, 60)]):
        t = _issue(session, a, issue)
        assert _call(session, desks[1 + i % 2], user, call) is t
        if i == 2:
            services.add_service(session, ticket_id=t.id, desk=t.desk, purpose_id=b.id)
        services.finish(session, ticket_id=t.id, desk=t.desk, user_id=user.id,
                        now=T0 + timedelta(minutes=finish))
    gone = _issue(session, b, 61)
    _call(session, desks[3], user, 62)
    services.mark_no_show(session, ticket_id=gone.id, desk=desks[3], user_id=user.id,
                          now=T0 + timedelta(minutes=63))
    _issue(session, a, 63)
    _issue(session, b, 64)
    stats = queries.live_stats(session, now=T0 + timedelta(minutes=80))
    lines = {p.purpose.letter: p for p in stats.purposes}
    assert stats.waiting == 2
    assert lines["А"].waiting == 1 and lines["А"].longest_wait == 17.0
    assert lines["А"].longest_over  # 17 > 15 minutes
    assert lines["Б"].longest_wait == 16.0 and lines["Б"].longest_over
    assert lines["В"].waiting == 0 and lines["В"].longest_wait is None
    assert stats.total.served == 3 and stats.total.no_show == 1
    assert stats.total.avg_wait == pytest.approx((2 + 4 + 20 + 1) / 4, abs=0.1)
    assert stats.total.p90_wait == 20.0
    assert stats.total.waits_over == 1
    # Service: 10, 4 and 38 minutes; the last is split between А and Б.
    assert lines["А"].figures.services == [600, 240, 1140]
    assert lines["Б"].figures.served == 1 and lines["Б"].figures.no_show == 1
    assert stats.total.services_over == 1  # 38 > 15 + 5
    desk_lines = {d.desk.number: d for d in stats.desks}
    assert desk_lines[1].figures.served == 2 and desk_lines[3].figures.no_show == 1


def test_percentile():
    assert queries.percentile(list(range(1, 11)), 90) == 9
    assert queries.percentile([5.0], 90) == 5.0
    assert queries.percentile([], 90) is None


def test_purpose_and_desk_validation(session, office):
    purposes, desks, _user = office
    with pytest.raises(InvalidInput) as err:
        services.save_purpose(session, letter="A", name="Латиница")
    assert err.value.field == "letter"
    with pytest.raises(InvalidInput):
        services.save_purpose(session, letter="А", name="Дубль")
    p = services.save_purpose(session, letter="г", name="Субсидии ЖКУ", position=4,
                              wait_standard_minutes=20)
    assert p.letter == "Г"
    with pytest.raises(InvalidInput):
        services.save_desk(session, number=1, purpose_ids=[p.id])
    with pytest.raises(InvalidInput):
        services.save_desk(session, number=9, purpose_ids=[])
    assert services.save_desk(session, number=9, purpose_ids=[p.id]).purposes == [p]
    assert clock.today()  # the module's fixed clock never reads the real one above
    assert session.scalar(select(Ticket)) is None


class _MissesTheOther:
    """A session whose uniqueness look-up misses the row another user saves at that moment."""

    def __init__(self, session):
        self._session, self._missed = session, False

    def scalar(self, *args, **kwargs):
        if not self._missed:
            self._missed = True
            return None
        return self._session.scalar(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._session, name)


def test_letter_or_window_taken_at_the_same_moment_is_a_field_error(session, office):
    purposes, desks, _user = office
    with pytest.raises(InvalidInput) as err:
        services.save_purpose(_MissesTheOther(session), letter="А", name="Дубль")
    assert err.value.field == "letter"
    with pytest.raises(InvalidInput) as err:
        services.save_desk(_MissesTheOther(session), number=1,
                           purpose_ids=[purposes["А"].id])
    assert err.value.field == "number"
    # Only the savepoint was rolled back: the transaction goes on.
    assert session.scalar(select(VisitPurpose).where(VisitPurpose.letter == "А")).name \
        == "Подать документы"
    assert len(session.scalars(select(Desk).where(Desk.number == 1)).all()) == 1
    assert services.save_desk(session, number=9, purpose_ids=[purposes["А"].id]).number == 9


def test_application_registered_while_serving_joins_the_ticket_at_once(session, office):
    purposes, desks, user = office
    t = _issue(session, purposes["А"], 0)
    _call(session, desks[1], user, 1)
    during = make_application(session, user=user, now=T0 + timedelta(minutes=3))
    assert t.applications == [during] and t.applicant_id == during.applicant_id
    other_user = make_user(session)
    elsewhere = make_application(session, user=other_user, now=T0 + timedelta(minutes=4))
    assert elsewhere not in t.applications

"""Aggregations on a hand-built data set: exact figures, percentiles, the 15-minute share."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

import pytest

from onewindow.intake.services import cancel_application
from onewindow.queue.models import Desk, Ticket, VisitPurpose
from onewindow.reporting.periods import Period, parse_period, period_of
from onewindow.reports import queries

from ..factories import make_applicant, make_application
from .data import MONDAY, TUESDAY, at, make_queue_data


def test_periods():
    anchor = date(2026, 11, 18)
    assert period_of("week", anchor) == Period("week", date(2026, 11, 16), date(2026, 11, 22))
    assert period_of("month", anchor).end == date(2026, 11, 30)
    assert period_of("quarter", anchor) == Period("quarter", date(2026, 10, 1),
                                                  date(2026, 12, 31))
    assert period_of("year", anchor).start == date(2026, 1, 1)
    custom = parse_period({"period": "range", "from": "01.11.2026", "to": "05.11.2026"},
                          today=anchor)
    assert (custom.start, custom.end, custom.error) == (date(2026, 11, 1), date(2026, 11, 5),
                                                        None)
    bad = parse_period({"period": "range", "from": "05.11.2026", "to": "01.11.2026"},
                       today=anchor)
    assert bad.error and bad.kind == "month"
    assert parse_period({"period": "day", "date": "31.02.2026"}, today=anchor).error


def test_queue_figures_exact(session, users):
    make_queue_data(session, specialist_a=users["specialist"], specialist_b=users["chief"])
    f = queries.queue_figures(session, period=period_of("week", MONDAY), standard_minutes=15)
    t = f.total
    assert (t.visitors, t.served, t.no_show, t.out_of_turn, t.booked) == (8, 6, 1, 1, 1)
    # Waits (min): 5, 10, 15, 20, 10 (from the booked 10:30), 30, 2; one never called.
    assert t.called == 7
    assert t.avg_wait == pytest.approx(92 / 7)
    assert t.p90_wait == 30 and t.max_wait == 30
    assert t.within_share == pytest.approx(5 / 7)  # 15 minutes exactly is within
    assert t.served == 6  # services (min): 5, 8, 10, 10, 20, 30
    assert t.avg_service == pytest.approx(83 / 6)
    assert t.p90_service == 30 and t.max_service == 30
    desks = {line.name: line for line in f.by_desk}
    assert (desks["Окно 1"].visitors, desks["Окно 1"].served) == (4, 4)
    assert (desks["Окно 2"].visitors, desks["Окно 2"].served, desks["Окно 2"].no_show) == \
        (3, 2, 1)
    assert [(line.key, line.visitors) for line in f.by_hour] == [(9, 4), (10, 3), (11, 1)]
    monday, tuesday = f.by_day[0], f.by_day[1]
    assert (monday.visitors, tuesday.visitors) == (7, 1)
    assert all(line.visitors == 0 for line in f.by_day[2:])
    hours = f.hours
    assert f.heat[0][hours.index(9)] == 4 and f.heat[0][hours.index(10)] == 3
    assert f.heat[1][hours.index(11)] == 1 and sum(map(sum, f.heat)) == 8
    stricter = queries.queue_figures(session, period=period_of("week", MONDAY),
                                     standard_minutes=10)
    assert stricter.total.within_share == pytest.approx(4 / 7)


def test_working_time_exact(session, users):
    make_queue_data(session, specialist_a=users["specialist"], specialist_b=users["chief"])
    lines = {w.desk: w for w in queries.working_time(session, period=period_of("week", MONDAY))}
    one, two = lines["Окно 1"], lines["Окно 2"]
    # Desk 1, Monday 09:05–10:45 (100 min) and Tuesday 11:02–11:10 (8 min).
    assert one.days == 2 and one.at_desk == 108 * 60
    assert one.busy == (10 + 21 + 5 + 8) * 60 and one.serving == (10 + 20 + 5 + 8) * 60
    assert one.idle == 64 * 60 and one.served == 4
    assert one.per_hour == pytest.approx(4 / 1.8)
    # Desk 2, Monday 09:35–11:06 (91 min): two served and one no-show.
    assert (two.at_desk, two.busy, two.serving) == (91 * 60, 44 * 60, 40 * 60)
    assert (two.served, two.no_show, two.idle) == (2, 1, 47 * 60)


def _application(session, user, *, when, status="accepted", deadline, decided=None,
                 service_code="ESP"):
    app = make_application(session, user=user, now=when, service_code=service_code)
    app.deadline = deadline
    app.status = status
    app.decided_at = decided
    session.flush()
    return app


def test_intake_figures_exact(session, users):
    spec, chief = users["specialist"], users["chief"]
    _application(session, spec, when=datetime(2026, 11, 2, 10), status="granted",
                 deadline=date(2026, 11, 10), decided=datetime(2026, 11, 9, 15))
    _application(session, spec, when=datetime(2026, 11, 3, 10), status="refused",
                 deadline=date(2026, 11, 5), decided=datetime(2026, 11, 6, 12))
    _application(session, spec, when=datetime(2026, 11, 4, 10), deadline=date(2026, 11, 5))
    cancelled = _application(session, chief, when=datetime(2026, 11, 5, 10),
                             deadline=date(2026, 11, 20), service_code="ASP")
    cancel_application(session, cancelled, reason="ошибка", user_id=chief.id,
                       now=datetime(2026, 11, 5, 11))
    _application(session, spec, when=datetime(2026, 10, 30, 10), status="transferred",
                 deadline=date(2026, 12, 1))
    f = queries.intake_figures(session, period=period_of("week", MONDAY),
                               today=date(2026, 11, 20))
    t = f.total
    assert (t.registered, t.open, t.overdue, t.decided, t.on_time, t.late, t.cancelled) == \
        (4, 1, 1, 2, 1, 1, 1)
    assert t.on_time_share == 0.5
    services = {line.key: line for line in f.by_service}
    assert services["ESP"].registered == 3 and services["ASP"].cancelled == 1
    people = {line.key: line for line in f.by_specialist}
    assert people[spec.id].registered == 3 and people[chief.id].registered == 1
    assert dict(f.by_day)[date(2026, 11, 2)] == 1 and len(f.by_day) == 7
    assert (f.open_now, f.overdue_now) == (2, 1)


def test_proactive_is_set_based_and_skips_applied(session, users):
    from sqlalchemy import select

    from onewindow.catalog.models import BeneficiaryCategory, Service

    cats = {c.code: c for c in session.scalars(select(BeneficiaryCategory))}
    donor_chernobyl = make_applicant(session, surname="Донорова")
    donor_chernobyl.categories = [cats["honorary_donor"], cats["chernobyl"]]
    cancelled_only = make_applicant(session, surname="Чернобыльский", sex="M", name="Иван")
    cancelled_only.categories = [cats["chernobyl"]]
    make_applicant(session, surname="Безкатегорийная")
    session.flush()
    make_application(session, applicant=donor_chernobyl, user=users["specialist"],
                     service_code="RAD")
    gone = make_application(session, applicant=cancelled_only, user=users["specialist"],
                            service_code="RAD")
    cancel_application(session, gone, reason="ошибка", user_id=users["specialist"].id,
                       now=datetime(2026, 11, 27, 11))
    session.flush()

    def expected(applicant, applied):
        codes = {c.code for c in applicant.categories}
        return {s.code for s in session.scalars(select(Service).where(Service.active))
                if codes & {c.code for c in s.categories if c.active}} - applied

    first = {s.service.code for s in queries.suggested_services(
        session, applicant_id=donor_chernobyl.id)}
    assert "DONOR" in first and "RAD" not in first
    assert first == expected(donor_chernobyl, {"RAD"})
    second = {s.service.code for s in queries.suggested_services(
        session, applicant_id=cancelled_only.id)}
    assert "RAD" in second and second == expected(cancelled_only, set())
    counts = {s.code: n for s, n in queries.proactive_counts(session)}
    assert counts["RAD"] == 1 and counts["DONOR"] == 1
    rad = session.scalar(select(Service).where(Service.code == "RAD"))
    people = queries.proactive_candidates(session, service_id=rad.id)
    assert [c.applicant.surname for c in people] == ["Чернобыльский"]
    assert people[0].categories == [cats["chernobyl"].name]


def test_working_time_from_the_desk_sign_in_log(session, users):
    from onewindow.queue.models import DeskSession

    spec, chief = users["specialist"], users["chief"]
    _purpose, desks = make_queue_data(session, specialist_a=spec, specialist_b=chief)
    wednesday = TUESDAY + timedelta(days=1)

    def sign_in(user, desk, start, end, *, last_seen=None, reason="release"):
        session.add(DeskSession(desk_id=desks[desk].id, user_id=user.id, started_at=start,
                                last_seen_at=last_seen or end or start, ended_at=end,
                                end_reason=reason if end else None))

    sign_in(spec, 1, at(MONDAY, "09:00"), at(MONDAY, "12:00"))
    # Open, but its page went silent at 11:10: it ended then.
    sign_in(chief, 2, at(MONDAY, "09:30"), None, last_seen=at(MONDAY, "11:10"))
    # Across midnight: an hour on Tuesday and an hour on Wednesday, no visitors.
    sign_in(spec, 2, at(TUESDAY, "23:00"), at(wednesday, "01:00"), reason="logout")
    # Outside the week: not counted.
    sign_in(spec, 1, at(MONDAY - timedelta(days=3), "09:00"), at(MONDAY - timedelta(days=3),
                                                                  "17:00"))
    session.flush()
    now = datetime(2026, 11, 20, 12, 0)
    lines = {(w.specialist, w.desk): w for w in
             queries.working_time(session, period=period_of("week", MONDAY), now=now)}
    assert len(lines) == 3
    one = lines[(spec.full_name, "Окно 1")]
    # Monday from the log (180 min); Tuesday has no sign-in: estimated 11:02–11:10.
    assert (one.days, one.estimated_days, one.at_desk) == (2, 1, (180 + 8) * 60)
    assert one.busy == 44 * 60 and one.idle == (188 - 44) * 60
    idle_desk = lines[(spec.full_name, "Окно 2")]
    assert (idle_desk.days, idle_desk.at_desk, idle_desk.served) == (2, 120 * 60, 0)
    assert idle_desk.idle == 120 * 60 and idle_desk.per_hour == 0
    two = lines[(chief.full_name, "Окно 2")]
    assert (two.days, two.estimated_days, two.at_desk) == (1, 0, 100 * 60)
    assert (two.busy, two.idle, two.served) == (44 * 60, 56 * 60, 2)

    log = queries.desk_sign_ins(session, period=period_of("week", MONDAY), now=now)
    assert [(s.desk, s.seconds / 60, s.reason) for s in log] == [
        ("Окно 1", 180, "освободил окно"), ("Окно 2", 100, "связь прервана"),
        ("Окно 2", 120, "вышел из системы")]
    # Still open and live: it runs to now, and says so.
    sign_in(spec, 1, now - timedelta(minutes=30), None, last_seen=now - timedelta(minutes=1))
    session.flush()
    [live] = queries.desk_sign_ins(session, period=period_of("day", now.date()), now=now)
    assert (live.seconds, live.reason, live.open) == (30 * 60, "у окна сейчас", True)


def _nearest_rank_p90(values):
    """The ceil(0.9 n)-th smallest, as the report's notes define the 90 % column."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1] if ordered else None


def test_queue_figures_match_a_ticket_by_ticket_count(session, users):
    """Three weeks of random tickets (several desks and purposes, microsecond times, waits
    before a booked time, tickets never called, no-shows, a queue left over the standard)
    against the figures worked out ticket by ticket in plain Python."""
    rng = random.Random(23)
    purposes = [VisitPurpose(letter=letter, name=f"Цель {letter}", position=i)
                for i, letter in enumerate("АБВ", start=1)]
    desks = [Desk(number=n) for n in (1, 2, 5, 7)]
    session.add_all([*purposes, *desks])
    session.flush()
    start = date(2026, 10, 5)
    tickets, seqs = [], {}
    for _ in range(400):
        day = start + timedelta(days=rng.randrange(21))
        issued = datetime.combine(day, datetime.min.time()) + timedelta(
            hours=rng.randrange(7, 20), seconds=rng.randrange(3600),
            microseconds=rng.randrange(10**6))
        priority = rng.choice(["walk_in"] * 6 + ["out_of_turn", "booked"])
        due = issued + timedelta(minutes=rng.randrange(-20, 40)) if priority == "booked" else None
        status = rng.choice(["finished"] * 7 + ["no_show", "waiting", "cancelled"])
        called = None if status in ("waiting", "cancelled") else issued + timedelta(
            seconds=rng.randrange(0, 3000), microseconds=rng.randrange(10**6))
        started = called + timedelta(seconds=rng.randrange(0, 90)) if status == "finished" else None
        finished = started + timedelta(seconds=rng.randrange(60, 2400)) if started else None
        desk = rng.choice(desks) if called else None
        purpose = rng.choice(purposes)
        seqs[day] = seqs.get(day, 0) + 1
        tickets.append(Ticket(
            day=day, seq=seqs[day], number=f"{purpose.letter}-{seqs[day]:03d}",
            purpose_id=purpose.id, priority=priority, status=status, issued_at=issued,
            queued_at=issued, due_at=due, first_called_at=called, called_at=called,
            started_at=started, finished_at=finished, desk_id=desk.id if desk else None,
            specialist_id=users["specialist"].id if desk else None,
            call_count=1 if called else 0))
    session.add_all(tickets)
    session.flush()
    period = Period("range", start, start + timedelta(days=20))
    f = queries.queue_figures(session, period=period, standard_minutes=20)

    def expected(group):
        waits = [(t.first_called_at - max(t.queued_at, t.due_at or t.queued_at)).total_seconds()
                 for t in group if t.first_called_at]
        waits = [max(w, 0.0) for w in waits]
        services = [(t.finished_at - t.started_at).total_seconds() for t in group
                    if t.status == "finished"]
        def minutes(seconds):
            return None if seconds is None else seconds / 60

        return dict(
            visitors=len(group), served=len(services),
            no_show=sum(t.status == "no_show" for t in group),
            out_of_turn=sum(t.priority == "out_of_turn" for t in group),
            booked=sum(t.priority == "booked" for t in group), called=len(waits),
            within=sum(w <= 20 * 60 for w in waits),
            avg_wait=minutes(sum(waits) / len(waits) if waits else None),
            p90_wait=minutes(_nearest_rank_p90(waits)), max_wait=minutes(max(waits, default=None)),
            avg_service=minutes(sum(services) / len(services) if services else None),
            p90_service=minutes(_nearest_rank_p90(services)),
            max_service=minutes(max(services, default=None)))

    def check(line, group):
        want = expected(group)
        got = {k: getattr(line, k) for k in want}
        for k, v in want.items():
            if v is None or isinstance(v, int):
                assert got[k] == v, (line.name, k)
            else:  # SQLite's times are exact to the millisecond
                assert got[k] == pytest.approx(v, abs=1e-4), (line.name, k)

    check(f.total, tickets)
    assert len(f.by_day) == 21
    for line in f.by_day:
        check(line, [t for t in tickets if t.day == line.key])
    assert [line.key for line in f.by_hour] == sorted({t.issued_at.hour for t in tickets})
    for line in f.by_hour:
        check(line, [t for t in tickets if t.issued_at.hour == line.key])
    numbers = {d.id: d.number for d in desks}
    assert [line.key for line in f.by_desk] == sorted({numbers[t.desk_id] for t in tickets
                                                       if t.desk_id})
    for line in f.by_desk:
        check(line, [t for t in tickets if t.desk_id and numbers[t.desk_id] == line.key])
    letters = {p.id: p.letter for p in purposes}
    for line in f.by_purpose:
        check(line, [t for t in tickets if letters[t.purpose_id] == line.key])
    heat = {}
    for t in tickets:
        cell = (t.day.weekday(), t.issued_at.hour)
        heat[cell] = heat.get(cell, 0) + 1
    assert {(wd, h): n for wd, row in enumerate(f.heat) for h, n in zip(f.hours, row, strict=True)
            if n} == heat

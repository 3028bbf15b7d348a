"""Eight kiosks issue and eight desks call at once: no duplicates, none lost, order kept."""

from __future__ import annotations

import itertools
import threading
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select

from onewindow.extensions import db
from onewindow.queue import services
from onewindow.queue.estimates import order_key
from onewindow.queue.models import Desk, Ticket, TicketEvent, VisitPurpose

from ..factories import make_user

THREADS = 8
TICKETS_PER_KIOSK = 40
BASE = datetime(2026, 11, 28, 9, 0)


def _run(threads):
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"


def test_many_desks_call_concurrently(app, session):
    services.seed_queue(session)
    purposes = list(session.scalars(select(VisitPurpose).order_by(VisitPurpose.position)))
    all_ids = [p.id for p in purposes]
    for number in range(5, THREADS + 1):
        services.save_desk(session, number=number, purpose_ids=all_ids)
    specialists = [make_user(session) for _ in range(THREADS)]
    session.flush()
    desk_ids = list(session.scalars(select(Desk.id).order_by(Desk.number)))
    user_ids = [u.id for u in specialists]
    session.commit()  # and hold no transaction (on SQLite: no write lock) meanwhile
    assert len(desk_ids) == THREADS
    clock = itertools.count(1)
    errors: list[BaseException] = []

    def kiosk(k: int):
        try:
            with app.app_context():
                for i in range(TICKETS_PER_KIOSK):
                    services.issue_ticket(
                        db.session, purpose_id=all_ids[(k + i) % len(all_ids)],
                        out_of_turn=(i % 10 == 3),
                        now=BASE + timedelta(milliseconds=next(clock)))
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    _run([threading.Thread(target=kiosk, args=(k,)) for k in range(THREADS)])
    assert not errors, errors

    calls: dict[int, list[int]] = defaultdict(list)
    call_now = BASE + timedelta(hours=1)

    def desk_worker(n: int):
        try:
            with app.app_context():
                desk = db.session.get(Desk, desk_ids[n])
                while True:
                    now = call_now + timedelta(milliseconds=next(clock))
                    ticket = services.call_next_ticket(db.session, desk=desk,
                                                       user_id=user_ids[n], now=now)
                    if ticket is None:
                        db.session.commit()
                        break
                    ticket_id = ticket.id
                    db.session.commit()
                    calls[desk.id].append(ticket_id)
                    services.finish(db.session, ticket_id=ticket_id, desk=desk,
                                    user_id=user_ids[n], now=now + timedelta(microseconds=500))
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    _run([threading.Thread(target=desk_worker, args=(n,)) for n in range(THREADS)])
    assert not errors, errors

    session.expire_all()
    tickets = {t.id: t for t in session.scalars(select(Ticket))}
    total = THREADS * TICKETS_PER_KIOSK
    assert len(tickets) == total

    # Numbers: unique, and gapless per letter.
    assert len({t.number for t in tickets.values()}) == total
    per_letter = defaultdict(list)
    for t in tickets.values():
        per_letter[t.number.split("-")[0]].append(t.seq)
    for seqs in per_letter.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))

    # Calls: every ticket exactly once, none left waiting.
    called = [tid for ids in calls.values() for tid in ids]
    assert len(called) == total
    assert Counter(called).most_common(1)[0][1] == 1
    assert set(called) == set(tickets)
    assert all(t.status == "finished" for t in tickets.values())
    call_events = session.scalars(select(TicketEvent).where(TicketEvent.action == "called"))
    assert Counter(e.ticket_id for e in call_events).most_common(1)[0][1] == 1

    # Order: each desk called its tickets in queue order (out-of-turn first, then by issue).
    assert len([d for d in calls if calls[d]]) >= 2
    for ids in calls.values():
        keys = [order_key(tickets[i], call_now) for i in ids]
        assert keys == sorted(keys)

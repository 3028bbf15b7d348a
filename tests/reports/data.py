"""A hand-built queue and intake data set with figures worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

from onewindow.queue.models import Desk, Ticket, TicketService, VisitPurpose

MONDAY = date(2026, 11, 2)
TUESDAY = date(2026, 11, 3)


def at(day: date, hm: str) -> datetime:
    h, m = map(int, hm.split(":"))
    return datetime(day.year, day.month, day.day, h, m)


# (day, issued, due, first_called, started, finished, status, priority, desk, who)
TICKETS = [
    (MONDAY, "09:00", None, "09:05", "09:05", "09:15", "finished", "walk_in", 1, "a"),
    (MONDAY, "09:10", None, "09:20", "09:21", "09:41", "finished", "walk_in", 1, "a"),
    (MONDAY, "09:20", None, "09:35", "09:36", "09:46", "finished", "out_of_turn", 2, "b"),
    (MONDAY, "09:30", None, "09:50", None, "09:52", "no_show", "walk_in", 2, "b"),
    (MONDAY, "10:00", "10:30", "10:40", "10:40", "10:45", "finished", "booked", 1, "a"),
    (MONDAY, "10:05", None, "10:35", "10:36", "11:06", "finished", "walk_in", 2, "b"),
    (MONDAY, "10:10", None, None, None, None, "waiting", "walk_in", None, None),
    (TUESDAY, "11:00", None, "11:02", "11:02", "11:10", "finished", "walk_in", 1, "a"),
]


def make_queue_data(session, *, specialist_a, specialist_b):
    """Eight tickets over Monday and Tuesday at desks 1 and 2 (one purpose «А»)."""
    purpose = VisitPurpose(letter="А", name="Приём документов", position=1)
    desks = {1: Desk(number=1), 2: Desk(number=2)}
    session.add_all([purpose, *desks.values()])
    session.flush()
    people = {"a": specialist_a.id, "b": specialist_b.id}
    for seq, (day, issued, due, called, started, finished, status, priority, desk,
              who) in enumerate(TICKETS, start=1):
        ticket = Ticket(
            day=day, seq=seq, number=f"А-{seq:03d}", purpose_id=purpose.id, priority=priority,
            status=status, issued_at=at(day, issued), queued_at=at(day, issued),
            due_at=at(day, due) if due else None,
            first_called_at=at(day, called) if called else None,
            called_at=at(day, called) if called else None,
            started_at=at(day, started) if started else None,
            finished_at=at(day, finished) if finished else None,
            desk_id=desks[desk].id if desk else None,
            specialist_id=people[who] if who else None,
            call_count=1 if called else 0,
        )
        ticket.services = [TicketService(purpose_id=purpose.id, position=1)]
        session.add(ticket)
    session.flush()
    return purpose, desks

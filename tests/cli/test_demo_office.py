"""Demo data looks like a working office: awaited answers mostly come in time."""

from __future__ import annotations

from sqlalchemy import func, select

from onewindow.core import clock
from onewindow.demo import make_demo
from onewindow.registry import queries
from onewindow.registry.models import Request


def test_demo_interagency_requests_are_mostly_answered(session):
    make_demo(session, applicants=40, applications=120, random_seed=3)
    session.flush()

    def count(*where):
        return session.scalar(select(func.count()).select_from(Request).where(
            Request.direction == "out", *where))

    total = count()
    assert total > 50
    received = count(Request.status == "received")
    overdue = count(Request.status == "sent", Request.due_date < clock.today())
    # Most answered; a realistic few late ones still awaited — not almost all of them.
    assert received > total * 0.6, (received, total)
    assert 0 < overdue < total * 0.15, (overdue, total)
    answered_late = count(Request.status == "received", Request.answer_date > Request.due_date)
    assert answered_late < received * 0.2
    board = queries.deadline_board(session, today=clock.today(), user_id=None)
    assert board.group("awaiting").overdue == overdue

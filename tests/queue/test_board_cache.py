"""The hall board kept per process: an unchanged board is one read; every change shows."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from onewindow.core import clock
from onewindow.queue import board as hall_board
from onewindow.queue import desks, queries, services
from onewindow.queue.models import BoardVersion, Desk, Ticket, VisitPurpose

from ..factories import make_applicant

HX = {"HX-Request": "true"}


@contextlib.contextmanager
def statements(engine):
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _stamp(session) -> int:
    session.rollback()
    return session.scalar(select(BoardVersion.version)) or 0


def _hall(session, users):
    services.seed_queue(session)
    purpose = session.scalar(select(VisitPurpose).where(VisitPurpose.letter == "А"))
    desk = session.scalar(select(Desk).where(Desk.number == 1))
    desks.sign_in(session, desk=desk, user_id=users["specialist"].id, now=clock.now())
    for _ in range(2):
        services.issue_ticket(session, purpose_id=purpose.id, now=clock.now())
    services.call_next_ticket(session, desk=desk, user_id=users["specialist"].id,
                              now=clock.now())
    session.commit()
    return purpose, desk


def test_an_unchanged_board_is_one_read_and_a_call_shows_at_the_next_poll(
        app, client, session, users):
    _purpose, desk = _hall(session, users)
    first = client.get("/board/calls", headers=HX)
    etag = first.headers["ETag"]
    assert 'data-number="А-001"' in first.get_data(as_text=True)
    with statements(session.get_bind()) as seen:
        same = client.get("/board/calls", headers={**HX, "If-None-Match": etag})
    assert same.status_code == 304
    board_reads = [s for s in seen if "queue_" in s]
    assert len(board_reads) == 1 and "queue_board_version" in board_reads[0], seen

    services.finish(session, ticket_id=session.scalar(
        select(Ticket.id).where(Ticket.number == "А-001")), desk=desk,
        user_id=users["specialist"].id, now=clock.now())
    services.call_next_ticket(session, desk=desk, user_id=users["specialist"].id,
                              now=clock.now())
    session.commit()
    moved = client.get("/board/calls", headers={**HX, "If-None-Match": etag})
    assert moved.status_code == 200 and 'data-number="А-002"' in moved.get_data(as_text=True)
    assert 'data-number="А-001"' not in moved.get_data(as_text=True)


def test_what_changes_the_stamp(session, users):
    purpose, desk = _hall(session, users)
    before = _stamp(session)
    assert before != 0
    # A ticket taken (waiting count on the board): new stamp.
    services.issue_ticket(session, purpose_id=purpose.id, now=clock.now())
    session.commit()
    issued = _stamp(session)
    assert issued != before
    # A rolled-back change: the same stamp.
    services.issue_ticket(session, purpose_id=purpose.id, now=clock.now())
    session.rollback()
    assert _stamp(session) == issued
    # A heartbeat of a live window is not news; a window left is.
    row = desks.current(session, user_id=users["specialist"].id, now=clock.now())
    desks.heartbeat(session, desk_session_id=row.id, now=clock.now() + timedelta(minutes=1))
    session.commit()
    assert _stamp(session) == issued
    desks.sign_out(session, user_id=users["specialist"].id, now=clock.now())
    session.commit()
    assert _stamp(session) != issued
    # Something the board does not show about a ticket (its visitor): not news.
    left = _stamp(session)
    ticket = session.scalar(select(Ticket).where(Ticket.number == "А-002"))
    ticket.applicant = make_applicant(session)
    session.commit()
    assert _stamp(session) == left
    assert desk.id  # the window itself is untouched


def test_a_kept_board_still_turns_by_time(app, session, users, monkeypatch):
    _hall(session, users)
    now = clock.now()
    with app.app_context():
        board = hall_board.current(session, now=now)
        assert board.state.rows[0].fresh and board.state.open_desks == [1]
        assert hall_board.current(session, now=now + timedelta(seconds=1)) is board
        # The call's highlight goes out after 10 s without any commit.
        later = hall_board.current(session, now=now + timedelta(seconds=11))
        assert later is not board and not later.state.rows[0].fresh
        assert later.etag != board.etag
        # A window whose page went silent leaves the board by time alone.
        silent = hall_board.current(session, now=now + timedelta(minutes=4))
        assert silent.state.open_desks == []
        # Tomorrow's board is tomorrow's queue.
        assert hall_board.current(session, now=now + timedelta(days=1)).state.rows == []


def test_a_call_committed_while_the_board_is_read_gives_one_moments_board(
        app, session, users, monkeypatch):
    """The waiting count and the calls come from one moment (CI saw «А-001» called and
    still counted as waiting on PostgreSQL, whose statements each see the latest commit)."""
    _purpose, desk = _hall(session, users)
    services.finish(session, ticket_id=session.scalar(
        select(Ticket.id).where(Ticket.number == "А-001")), desk=desk,
        user_id=users["specialist"].id, now=clock.now())
    session.commit()
    desk_id, user_id = desk.id, users["specialist"].id
    original = queries.board_calls
    calls = []

    def a_desk_calls_meanwhile(reader, **kwargs):
        if not calls:  # between the waiting count and the calls: another desk commits
            with Session(session.get_bind()) as other:
                called = services.call_next_ticket(
                    other, desk=other.get(Desk, desk_id), user_id=user_id, now=clock.now())
                calls.append(called.number)
                other.commit()
        return original(reader, **kwargs)

    monkeypatch.setattr(queries, "board_calls", a_desk_calls_meanwhile)
    with app.app_context():
        reader = Session(session.get_bind())
        try:
            board = hall_board.current(reader, now=clock.now())
        finally:
            reader.close()
    waiting = {w.letter: w.waiting for w in board.state.waiting}
    shown = [row.number for row in board.state.rows]
    assert calls == ["А-002"]
    assert (shown, waiting["А"]) in ((["А-002"], 0), ([], 1)), (shown, waiting)

"""The hall board's state, kept per process while nothing it shows has changed.

Every hall board polls ``/board/calls`` each second (a region is 40+ boards per office):
building the board takes three queries, so an unchanged board used to cost as much as a
changed one. Now a commit that touches a ticket, a window, a sign-in at a window or a visit
purpose puts a new random stamp on one row (``queue_board_version``, one upsert at the commit, so
the row is held only while committing), and a poll reads that stamp: the same stamp, the
same day and no call turning «not fresh» since → the board built before is still the
board, and its ETag answers 304 at the cost of one primary-key read. The stamp is random,
not a count, so two databases (or a database made anew) never show a worker the same one
for different boards; no stamp yet → nothing is kept.

The state is also rebuilt at least every :data:`MAX_AGE` (a window whose page went silent
leaves the board by time alone, not by a commit).
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..database import upsert_insert
from .models import DESK_STALE_AFTER, BoardVersion, Desk, DeskSession, Ticket, VisitPurpose
from .queries import FRESH_SECONDS, BoardState, board_state

MAX_AGE = timedelta(seconds=5)
READ_TRIES = 3
CHANGED_KEY = "onewindow_board_changed"
# What the board shows of a ticket: a change elsewhere (a linked application) is not news.
TICKET_FIELDS = ("status", "called_at", "call_count", "desk_id", "number", "day", "purpose_id")


@dataclass(frozen=True)
class Board:
    """The board as answered: its state, its ETag, until when it holds without a commit."""

    state: BoardState
    etag: str
    stamp: int
    built_at: datetime
    valid_until: datetime


_lock = threading.Lock()
_cached: dict[str, Board] = {}  # database URL → its board


def _touches_board(obj, *, created: bool) -> bool:
    if isinstance(obj, (Desk, VisitPurpose)):
        return True
    if isinstance(obj, Ticket):
        state = inspect(obj)
        return created or any(state.attrs[f].history.has_changes() for f in TICKET_FIELDS)
    if isinstance(obj, DeskSession):
        if created:
            return True
        state = inspect(obj)
        if state.attrs.ended_at.history.has_changes() or state.attrs.desk_id.history.has_changes():
            return True
        # A heartbeat keeps a live window on the board; one after a silence brings it back.
        seen = state.attrs.last_seen_at.history
        return bool(seen.deleted and seen.added and seen.deleted[0] is not None
                    and seen.added[0] - seen.deleted[0] >= DESK_STALE_AFTER)
    return False


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _flush_context) -> None:
    if session.info.get(CHANGED_KEY):
        return
    if (any(_touches_board(o, created=True) for o in session.new)
            or any(_touches_board(o, created=False) for o in session.dirty)
            or any(isinstance(o, (Ticket, Desk, DeskSession, VisitPurpose))
                   for o in session.deleted)):
        session.info[CHANGED_KEY] = True


@event.listens_for(Session, "before_commit")
def _bump(session: Session) -> None:
    session.flush()  # the commit would flush next; its changes decide the stamp
    if session.info.pop(CHANGED_KEY, False):
        bump(session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(CHANGED_KEY, None)


def bump(session: Session) -> None:
    """Tell every board poller that the board changed (one upsert of one row)."""
    stamp = secrets.randbits(62) or 1
    session.connection().execute(
        upsert_insert(session, BoardVersion.__table__).values(id=1, version=stamp)
        .on_conflict_do_update(index_elements=["id"], set_={"version": stamp}))


STAMP_SQL = f"SELECT version FROM {BoardVersion.__tablename__} WHERE id = 1"


def stamp(session: Session) -> int:
    """The board's stamp now (0 before the first change: then nothing is kept).

    Plain SQL on the session's connection: the ORM's statement handling was a third of
    an unchanged poll.
    """
    return session.connection().exec_driver_sql(STAMP_SQL).scalar() or 0


def _etag(state: BoardState) -> str:
    return hashlib.sha1(repr(dataclasses.astuple(state)).encode(),
                        usedforsecurity=False).hexdigest()[:20]


def consistent_state(session: Session, *, now: datetime,
                     seen: int | None = None) -> tuple[BoardState, int]:
    """The board read as of one moment, and the stamp it was read under.

    The board is several statements; under PostgreSQL's READ COMMITTED each sees the
    commits made before it started, so a call committed between them gave a board with
    the call shown and its ticket still counted as waiting. Every such commit puts a new
    stamp, so a state read between two equal stamps is one moment's state; otherwise it
    is read again. Stamp 0 (still changing after a few tries, or no stamp yet) → the
    caller does not keep it.
    """
    before = stamp(session) if seen is None else seen
    for _ in range(READ_TRIES):
        state = board_state(session, now=now)
        after = stamp(session)
        if after == before:
            return state, after
        before = after
    return state, 0


def current(session: Session, *, now: datetime) -> Board:
    """The board as it stands: the one built before while it holds, else a new one."""
    key = str(session.get_bind().url)
    seen = stamp(session)
    board = _cached.get(key)
    if (seen and board is not None and board.stamp == seen
            and board.built_at.date() == now.date() and board.built_at <= now < board.valid_until):
        return board
    state, seen = consistent_state(session, now=now, seen=seen)
    until = now + MAX_AGE
    for row in state.rows:
        if row.fresh:  # the highlight goes out by time alone
            until = min(until, row.at + timedelta(seconds=FRESH_SECONDS, microseconds=1))
    board = Board(state, _etag(state), seen, now, until)
    with _lock:
        _cached[key] = board
    return board



"""Desk sign-ins: who works at which window, from when to when (the working-time log).

A specialist takes a window on the desk page and leaves it with «Сменить окно», by
taking another window, by logging out or when the login session expires. A desk page
that went silent (the browser was closed) ends at its last heartbeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from .models import DESK_STALE_AFTER, Desk, DeskSession

#: The desk page polls every 5 s and writes a heartbeat at most once a minute.
HEARTBEAT_EVERY = timedelta(minutes=1)


@dataclass
class SignIn:
    """The result of taking a window: the new sign-in and whom it replaced, if anybody."""

    desk_session: DeskSession
    taken_from: str | None = None


def _open(session: Session, *, user_id: int | None = None, desk_id: int | None = None,
          lock: bool = False) -> list[DeskSession]:
    query = select(DeskSession).where(DeskSession.ended_at.is_(None))
    if user_id is not None:
        query = query.where(DeskSession.user_id == user_id)
    if desk_id is not None:
        query = query.where(DeskSession.desk_id == desk_id)
    if lock:
        query = query.with_for_update()
    return list(session.scalars(query))


def _lock_desks(session: Session, desk_ids) -> None:
    """Sign-ins at a desk change only under its row lock, taken in id order (no deadlock)."""
    for desk_id in sorted(set(desk_ids)):
        session.execute(select(Desk.id).where(Desk.id == desk_id).with_for_update())


def _close(desk_session: DeskSession, *, now: datetime, reason: str) -> None:
    """End the sign-in now, or at its last heartbeat when its page already went silent."""
    desk_session.ended_at = desk_session.end_at(now)
    desk_session.end_reason = reason if desk_session.ended_at == now else "lost"


def current(session: Session, *, user_id: int, now: datetime) -> DeskSession | None:
    """The user's live sign-in (read only: a silent one counts as over)."""
    for row in _open(session, user_id=user_id):
        if row.is_live(now) and row.desk.active:
            return row
    return None


def occupants(session: Session, *, now: datetime) -> dict[int, str]:
    """Desk id → short name of the specialist signed in there now."""
    rows = session.scalars(select(DeskSession).where(
        DeskSession.ended_at.is_(None), DeskSession.last_seen_at >= now - DESK_STALE_AFTER))
    return {r.desk_id: r.user.short_name for r in rows}


def sign_in(session: Session, *, desk: Desk, user_id: int, now: datetime) -> SignIn:
    """Take the window: the user's other sign-in ends, so does another user's at this desk."""
    if not desk.active:
        raise InvalidInput("Окно закрыто администратором — выберите другое", field="desk_id")
    # Two specialists taking one window queue up on its row (and on the one they leave).
    _lock_desks(session, [desk.id, *(r.desk_id for r in _open(session, user_id=user_id))])
    taken_from = None
    for row in _open(session, user_id=user_id, lock=True):
        if row.desk_id == desk.id and row.is_live(now):
            row.last_seen_at = now
            return SignIn(row)  # already here (another tab): nothing changes
        _close(row, now=now, reason="switch")
    for row in _open(session, desk_id=desk.id, lock=True):
        live = row.is_live(now)
        _close(row, now=now, reason="taken_over")
        if live:
            taken_from = row.user.short_name
    session.flush()  # the partial unique indexes see the old rows closed first
    row = DeskSession(desk_id=desk.id, user_id=user_id, started_at=now, last_seen_at=now)
    session.add(row)
    session.flush()
    return SignIn(row, taken_from)


def sign_out(session: Session, *, user_id: int, now: datetime, reason: str = "release",
             at: datetime | None = None) -> int:
    """End the user's open sign-ins (``at``: when the user was last active, for expiry)."""
    _lock_desks(session, [r.desk_id for r in _open(session, user_id=user_id)])
    rows = _open(session, user_id=user_id, lock=True)
    for row in rows:
        if at is not None:
            row.ended_at = max(row.started_at, min(at, row.end_at(now)))
            row.end_reason = reason
        else:
            _close(row, now=now, reason=reason)
    session.flush()
    return len(rows)


def needs_heartbeat(desk_session: DeskSession, now: datetime) -> bool:
    return now - desk_session.last_seen_at >= HEARTBEAT_EVERY


def heartbeat(session: Session, *, desk_session_id: int, now: datetime) -> None:
    """Mark the sign-in as seen now (the desk page is open)."""
    row = session.get(DeskSession, desk_session_id, with_for_update=True)
    if row is not None and row.ended_at is None:
        row.last_seen_at = max(row.last_seen_at, now)
        session.flush()

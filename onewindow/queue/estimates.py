"""Who goes before whom, and how long a visitor will wait: pure functions, no database.

The estimate plays the hall forward: each open window, when its current visit is expected
to end, calls the first ticket it may serve in calling order (the same order as the desk's
«Вызвать следующего»); a booked visitor joins the line at the slot time, out-of-turn ones
go first. The visitor's call time is when a window picks their ticket; the people ahead
are those the windows serving the visitor's purpose call before them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

PRIORITY_OUT_OF_TURN = "out_of_turn"
PRIORITY_BOOKED = "booked"


class Queued(Protocol):
    """What the order needs of a ticket (a Ticket, or a booking not yet checked in)."""

    id: int | None
    purpose_id: int
    priority: str
    queued_at: datetime
    due_at: datetime | None
    target_desk_id: int | None


def rank_of(ticket: Queued, now: datetime) -> int:
    """0 out-of-turn, 1 booked and due, 2 walk-in, 3 booked but early."""
    if ticket.priority == PRIORITY_OUT_OF_TURN:
        return 0
    if ticket.priority == PRIORITY_BOOKED:
        return 1 if ticket.due_at is None or ticket.due_at <= now else 3
    return 2


def order_key(ticket: Queued, now: datetime) -> tuple:
    """The desk's calling order (services._order_by in SQL), for Python lists."""
    sort_time = ticket.due_at if ticket.priority == PRIORITY_BOOKED and ticket.due_at \
        else ticket.queued_at
    return (rank_of(ticket, now), sort_time, ticket.queued_at, ticket.id or 0)


@dataclass(frozen=True)
class Expected:
    """A booked visitor who has not checked in yet: in the line from the slot time."""

    id: int  # negative: never a ticket's id
    purpose_id: int
    queued_at: datetime
    due_at: datetime
    priority: str = PRIORITY_BOOKED
    target_desk_id: int | None = None
    arrives: bool = True


@dataclass(frozen=True)
class Window:
    """An open window: what it serves, when it is free, how long its visits take lately."""

    id: int
    purpose_ids: frozenset[int]
    free_at: datetime
    service: timedelta


@dataclass(frozen=True)
class Estimate:
    ahead: int
    #: Minutes until the call; None when no open window serves the ticket.
    wait_minutes: int | None
    call_at: datetime | None
    open_windows: int


def serves(window_id: int, purpose_ids, ticket: Queued) -> bool:
    """A redirect to a window binds the ticket to it; otherwise the purpose decides."""
    if ticket.target_desk_id is not None:
        return ticket.target_desk_id == window_id
    return ticket.purpose_id in purpose_ids


def _present(ticket: Queued, at: datetime) -> bool:
    return not isinstance(ticket, Expected) or ticket.due_at <= at


def count_ahead(ticket: Queued, others, *, desks: dict[int, frozenset[int]],
                now: datetime) -> int:
    """Waiting tickets any of ``desks`` (id → purposes) serving ``ticket`` calls before it."""
    mine = [(d, p) for d, p in desks.items() if serves(d, p, ticket)]
    key = order_key(ticket, now)
    return sum(1 for t in others if t is not ticket and _present(t, now)
               and order_key(t, now) < key and any(serves(d, p, t) for d, p in mine))


def estimate(ticket: Queued, others, *, windows: list[Window], now: datetime,
             desks: dict[int, frozenset[int]] | None = None) -> Estimate:
    """Play the hall forward until a window calls ``ticket``.

    ``others``: the other waiting tickets and expected bookings; ``windows``: the open
    windows; ``desks``: every working window (id → purposes), for the people ahead when
    none of those serving the ticket is open.
    """
    mine = {w.id for w in windows if serves(w.id, w.purpose_ids, ticket)}
    if not mine:
        ahead = count_ahead(ticket, others, desks=desks or {}, now=now)
        return Estimate(ahead=ahead, wait_minutes=None, call_at=None, open_windows=0)
    pool = [t for t in others if t is not ticket and t.id != ticket.id] + [ticket]
    free = {w.id: max(now, w.free_at) for w in windows}
    live = list(windows)
    ahead = 0
    while True:
        window = min(live, key=lambda w: (free[w.id], w.id))
        at = free[window.id]
        candidates = [t for t in pool if serves(window.id, window.purpose_ids, t)]
        present = [t for t in candidates if _present(t, at)]
        if not present:
            later = [t.due_at for t in candidates]
            if later:
                free[window.id] = min(later)
            else:
                live.remove(window)  # never one of ``mine``: the ticket is always there
            continue
        best = min(present, key=lambda t: order_key(t, at))
        if best is ticket:
            minutes = math.ceil((at - now).total_seconds() / 60)
            return Estimate(ahead=ahead, wait_minutes=max(0, minutes), call_at=at,
                            open_windows=len(mine))
        pool.remove(best)
        if window.id in mine:
            ahead += 1
        free[window.id] = at + window.service

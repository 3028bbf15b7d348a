"""Reads for the queue's pages: the board, the desk's line, the chief's live panel."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..core.speech import call_announcement
from ..errors import NotFound
from . import estimates
from .models import (
    ACTIVE_STATUSES,
    DESK_STALE_AFTER,
    Booking,
    BookingSlot,
    Desk,
    DeskSession,
    Kiosk,
    Ticket,
    VisitPurpose,
)

BOARD_ROWS = 8
FRESH_SECONDS = 10


def active_purposes(session: Session) -> list[VisitPurpose]:
    return list(session.scalars(select(VisitPurpose).where(VisitPurpose.active)
                                .order_by(VisitPurpose.position, VisitPurpose.letter)))


def all_purposes(session: Session) -> list[VisitPurpose]:
    return list(session.scalars(select(VisitPurpose)
                                .order_by(VisitPurpose.position, VisitPurpose.letter)))


def all_desks(session: Session, *, only_active: bool = False) -> list[Desk]:
    query = select(Desk).order_by(Desk.number)
    if only_active:
        query = query.where(Desk.active)
    return list(session.scalars(query))


def all_kiosks(session: Session) -> list[Kiosk]:
    return list(session.scalars(select(Kiosk).order_by(Kiosk.id)))


def get_or_404(session: Session, model, object_id: int, message: str):
    found = session.get(model, object_id)
    if found is None:
        raise NotFound(message)
    return found


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    return get_or_404(session, Ticket, ticket_id, "Талон не найден")


def parked_tickets(session: Session, *, day: date) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.day == day,
                                                     Ticket.status == "parked")
                                .order_by(Ticket.queued_at, Ticket.id)))


def served_at_desk(session: Session, *, desk: Desk, day: date, limit: int = 10) -> list[Ticket]:
    return list(session.scalars(
        select(Ticket).where(Ticket.day == day, Ticket.desk_id == desk.id,
                             Ticket.status.in_(("finished", "no_show")))
        .order_by(Ticket.finished_at.desc()).limit(limit)
    ))


@dataclass
class BoardRow:
    number: str
    desk_number: int
    at: datetime
    newest: bool
    fresh: bool
    #: Changes with every call of the ticket (F3 too): the board announces each new key.
    call_key: str
    speech: str


@dataclass
class BoardWaiting:
    letter: str
    name: str
    waiting: int


@dataclass
class BoardState:
    rows: list[BoardRow]
    open_desks: list[int]  # window numbers with a specialist at them now
    waiting: list[BoardWaiting]


def board_calls(session: Session, *, now: datetime, limit: int = BOARD_ROWS) -> list[BoardRow]:
    """Tickets now called to or served at a window, newest call first (no personal data).

    A ticket leaves the board when it is finished, marked «не явился», parked or
    redirected (a redirected one comes back with its new window when called there). Only
    the newest call still waiting for its visitor is highlighted.
    """
    found = session.execute(
        select(Ticket.id, Ticket.number, Ticket.status, Ticket.called_at, Ticket.call_count,
               Desk.number)
        .join(Desk, Desk.id == Ticket.desk_id)
        .where(Ticket.day == now.date(), Ticket.status.in_(ACTIVE_STATUSES))
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(limit)
    ).all()
    rows: list[BoardRow] = []
    for ticket_id, number, status, at, call_count, desk_number in found:
        rows.append(BoardRow(
            number=number, desk_number=desk_number, at=at,
            newest=not rows and status == "called",
            fresh=(now - at).total_seconds() <= FRESH_SECONDS,
            call_key=f"{ticket_id}-{call_count}",
            speech=call_announcement(number, desk_number),
        ))
    return rows


def _open_desks():
    """Working windows with a specialist signed in and their desk page heard from."""
    return (select(Desk.id, Desk.number).join(DeskSession, DeskSession.desk_id == Desk.id)
            .where(Desk.active, DeskSession.ended_at.is_(None)))


def open_desk_ids(session: Session, *, now: datetime) -> set[int]:
    return set(session.scalars(_open_desks().with_only_columns(Desk.id).where(
        DeskSession.last_seen_at >= now - DESK_STALE_AFTER)))


def board_state(session: Session, *, now: datetime) -> BoardState:
    """The whole board: current calls, open windows, how many wait per purpose."""
    numbers = sorted(set(session.scalars(_open_desks().with_only_columns(Desk.number).where(
        DeskSession.last_seen_at >= now - DESK_STALE_AFTER))))
    counts = dict(session.execute(
        select(Ticket.purpose_id, func.count(Ticket.id))
        .where(Ticket.day == now.date(), Ticket.status == "waiting")
        .group_by(Ticket.purpose_id)
    ).all())
    waiting = [BoardWaiting(p.letter, p.name, counts.get(p.id, 0))
               for p in active_purposes(session)]
    return BoardState(rows=board_calls(session, now=now), open_desks=numbers, waiting=waiting)


# --- estimates for the kiosk and the ticket -------------------------------------------

RECENT_SERVICES = 5  # a window's pace: the mean of its last five visits today


@dataclass
class Hall:
    """The queue as the estimator sees it: who waits, who is expected, which windows work."""

    now: datetime
    waiting: list
    desks: dict[int, frozenset[int]]  # every working window: id → purposes it serves
    windows: list[estimates.Window]  # the open ones


def _recent_services(session: Session, *, day: date) -> dict[int | None, timedelta]:
    """Desk id → mean of its last visits today; None → the mean over all windows."""
    done = session.execute(
        select(Ticket.desk_id, Ticket.started_at, Ticket.finished_at)
        .where(Ticket.day == day, Ticket.status == "finished", Ticket.started_at.is_not(None))
        .order_by(Ticket.finished_at.desc()).limit(50)
    ).all()
    per_desk: dict[int | None, list[timedelta]] = {}
    for desk_id, started, finished in done:
        span = max(timedelta(0), finished - started)
        for key in (desk_id, None):
            if len(per_desk.setdefault(key, [])) < RECENT_SERVICES * (2 if key is None else 1):
                per_desk[key].append(span)
    return {k: sum(v, timedelta(0)) / len(v) for k, v in per_desk.items() if v}


def hall(session: Session, *, now: datetime) -> Hall:
    """Load what :func:`estimates.estimate` needs for today's queue."""
    day = now.date()
    working = all_desks(session, only_active=True)
    served = {d.id: frozenset(p.id for p in d.purposes if p.active) for d in working}
    open_ids = open_desk_ids(session, now=now)
    pace = _recent_services(session, day=day)
    current = {t.desk_id: t for t in session.scalars(
        select(Ticket).where(Ticket.day == day, Ticket.status.in_(ACTIVE_STATUSES)))}
    windows = []
    for desk in working:
        if desk.id not in open_ids:
            continue
        standards = [p.service_standard_minutes for p in desk.purposes if p.active] or [15]
        service = pace.get(desk.id) or pace.get(None) \
            or timedelta(minutes=sum(standards) / len(standards))
        busy = current.get(desk.id)
        free_at = now
        if busy is not None:
            free_at = max(now, (busy.started_at or busy.called_at) + service)
        windows.append(estimates.Window(desk.id, served[desk.id], free_at, service))
    waiting = list(session.scalars(
        select(Ticket).where(Ticket.day == day, Ticket.status == "waiting")))
    expected = session.execute(
        select(Booking.id, BookingSlot.purpose_id, BookingSlot.start)
        .join(BookingSlot, BookingSlot.id == Booking.slot_id)
        .where(Booking.day == day, Booking.status == "booked", BookingSlot.start > now.time())
    ).all()
    for booking_id, purpose_id, start in expected:
        at = datetime.combine(day, start)
        waiting.append(estimates.Expected(id=-booking_id, purpose_id=purpose_id,
                                          queued_at=at, due_at=at))
    return Hall(now=now, waiting=waiting, desks=served, windows=windows)


def ticket_estimate(session: Session, ticket: Ticket, *, now: datetime,
                    hall_now: Hall | None = None) -> estimates.Estimate:
    """People ahead of a waiting ticket and its expected wait (nobody ahead once called)."""
    if ticket.status != "waiting":
        return estimates.Estimate(ahead=0, wait_minutes=0, call_at=now, open_windows=1)
    state = hall_now or hall(session, now=now)
    return estimates.estimate(ticket, state.waiting, windows=state.windows, now=now,
                              desks=state.desks)


@dataclass
class PurposeOutlook:
    """What the kiosk tells before the ticket is taken: windows open, people waiting."""

    purpose: VisitPurpose
    open_windows: int
    waiting: int


def kiosk_outlook(session: Session, *, now: datetime) -> list[PurposeOutlook]:
    state = hall(session, now=now)
    result = []
    for purpose in active_purposes(session):
        desk_ids = {d for d, served in state.desks.items() if purpose.id in served}
        result.append(PurposeOutlook(
            purpose=purpose,
            open_windows=sum(1 for w in state.windows if w.id in desk_ids),
            waiting=sum(1 for t in state.waiting if isinstance(t, Ticket) and any(
                estimates.serves(d, state.desks[d], t) for d in desk_ids)),
        ))
    return result


def bookings_on(session: Session, *, day: date) -> list[BookingSlot]:
    return list(session.scalars(
        select(BookingSlot).where(BookingSlot.day == day)
        .options(selectinload(BookingSlot.bookings), selectinload(BookingSlot.purpose))
        .order_by(BookingSlot.start, BookingSlot.purpose_id)
    ))


def get_booking(session: Session, booking_id: int) -> Booking:
    return get_or_404(session, Booking, booking_id, "Запись не найдена")


# --- statistics -------------------------------------------------------------------------

def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def average(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p90 of 10 values is the 9th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Figures:
    """Wait and service figures of a group of tickets (seconds)."""

    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)
    served: int = 0
    no_show: int = 0
    waits_over: int = 0
    services_over: int = 0

    @property
    def avg_wait(self):
        return minutes(average(self.waits))

    @property
    def p90_wait(self):
        return minutes(percentile(self.waits, 90))

    @property
    def avg_service(self):
        return minutes(average(self.services))

    @property
    def p90_service(self):
        return minutes(percentile(self.services, 90))


@dataclass
class PurposeLine:
    purpose: VisitPurpose
    waiting: int = 0
    longest_wait: float | None = None  # minutes
    longest_over: bool = False
    figures: Figures = field(default_factory=Figures)


@dataclass
class DeskLine:
    desk: Desk
    current: Ticket | None = None
    current_minutes: float | None = None
    current_over: bool = False
    figures: Figures = field(default_factory=Figures)


@dataclass
class LiveStats:
    now: datetime
    purposes: list[PurposeLine]
    desks: list[DeskLine]
    total: Figures
    waiting: int
    longest_wait: float | None
    longest_over: bool
    waiting_tickets: list[Ticket]


def live_stats(session: Session, *, now: datetime) -> LiveStats:
    """Today's queue at a glance: who waits how long, how fast each desk serves."""
    tickets = list(session.scalars(
        select(Ticket).where(Ticket.day == now.date())
        .options(selectinload(Ticket.services), selectinload(Ticket.purpose))
    ))
    purposes = {p.id: PurposeLine(p) for p in all_purposes(session)}
    desks = {d.id: DeskLine(d) for d in all_desks(session)}
    total = Figures()
    waiting_tickets = []
    for t in tickets:
        line = purposes[t.purpose_id]
        if t.status in ("waiting", "parked"):
            if t.status == "parked" or (t.due_at is not None and t.due_at > now):
                continue  # not queueing yet (stepped away, or came early for a booking)
            waited = (now - t.wait_from).total_seconds() / 60
            over = waited > t.wait_standard_minutes
            waiting_tickets.append(t)
            line.waiting += 1
            if line.longest_wait is None or waited > line.longest_wait:
                line.longest_wait = round(waited, 1)
                line.longest_over = over
            continue
        if t.first_called_at is not None:
            wait = max(0.0, (t.first_called_at - t.wait_from).total_seconds())
            over = wait > t.wait_standard_minutes * 60
            for fig in (line.figures, total):
                fig.waits.append(wait)
                fig.waits_over += over
            if t.desk_id in desks:
                desks[t.desk_id].figures.waits.append(wait)
        desk_line = desks.get(t.desk_id)
        if t.status == "no_show":
            for fig in (line.figures, total) + ((desk_line.figures,) if desk_line else ()):
                fig.no_show += 1
        elif t.status == "finished" and t.started_at is not None:
            duration = max(0.0, (t.finished_at - t.started_at).total_seconds())
            services = t.services or []
            standard = sum(s.purpose.service_standard_minutes for s in services) \
                or t.purpose.service_standard_minutes
            over = duration > standard * 60
            # One visit, several services: the served time is split between them.
            share = duration / max(1, len(services))
            for s in services:
                fig = purposes[s.purpose_id].figures
                fig.services.append(share)
                fig.served += 1
                fig.services_over += over
            total.services.append(duration)
            total.served += 1
            total.services_over += over
            if desk_line:
                desk_line.figures.services.append(duration)
                desk_line.figures.served += 1
                desk_line.figures.services_over += over
        elif t.status in ACTIVE_STATUSES and desk_line:
            desk_line.current = t
            since = t.started_at or t.called_at
            desk_line.current_minutes = round((now - since).total_seconds() / 60, 1)
            standard = sum(s.purpose.service_standard_minutes for s in t.services) \
                or t.purpose.service_standard_minutes
            desk_line.current_over = desk_line.current_minutes > standard
    longest = [p for p in purposes.values() if p.longest_wait is not None]
    top = max(longest, key=lambda p: p.longest_wait, default=None)
    return LiveStats(
        now=now, purposes=list(purposes.values()), desks=list(desks.values()), total=total,
        waiting=sum(p.waiting for p in purposes.values()),
        longest_wait=top.longest_wait if top else None,
        longest_over=top.longest_over if top else False,
        waiting_tickets=sorted(waiting_tickets, key=lambda t: t.wait_from),
    )

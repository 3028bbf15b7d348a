"""Reads for the queue's pages: the board, the desk's line, the chief's live panel."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..errors import NotFound
from .models import (
    ACTIVE_STATUSES,
    Booking,
    BookingSlot,
    Desk,
    Kiosk,
    Ticket,
    TicketEvent,
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


def board_calls(session: Session, *, now: datetime, limit: int = BOARD_ROWS) -> list[BoardRow]:
    """The last calls of the day, newest first, one row per ticket (no personal data)."""
    start = datetime.combine(now.date(), datetime.min.time())
    events = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.at, Ticket.number, Desk.number)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Desk, Desk.id == TicketEvent.desk_id)
        .where(TicketEvent.action.in_(("called", "recalled")), TicketEvent.at >= start)
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .limit(limit * 4)
    ).all()
    rows: list[BoardRow] = []
    seen: set[int] = set()
    for ticket_id, at, number, desk_number in events:
        if ticket_id in seen:
            continue
        seen.add(ticket_id)
        rows.append(BoardRow(number=number, desk_number=desk_number, at=at, newest=not rows,
                             fresh=(now - at).total_seconds() <= FRESH_SECONDS))
        if len(rows) == limit:
            break
    return rows


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

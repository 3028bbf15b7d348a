"""The electronic queue: visit purposes, desks, kiosks, tickets, pre-booked visits."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

desk_purposes = Table(
    "queue_desk_purposes",
    db.metadata,
    Column("desk_id", ForeignKey("queue_desks.id", ondelete="CASCADE"), primary_key=True),
    Column("purpose_id", ForeignKey("queue_purposes.id"), primary_key=True),
)

ticket_applications = Table(
    "queue_ticket_applications",
    db.metadata,
    Column("ticket_id", ForeignKey("queue_tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("application_id", ForeignKey("applications.id"), primary_key=True),
)

# Who goes first: out-of-turn, then pre-booked visitors whose time has come, then walk-ins.
PRIORITY_OUT_OF_TURN = "out_of_turn"
PRIORITY_BOOKED = "booked"
PRIORITY_WALK_IN = "walk_in"
PRIORITY_NAMES = {
    PRIORITY_OUT_OF_TURN: "вне очереди",
    PRIORITY_BOOKED: "по записи",
    PRIORITY_WALK_IN: "в порядке очереди",
}

STATUS_NAMES = {
    "waiting": "ожидает",
    "called": "вызван",
    "serving": "обслуживается",
    "parked": "отложен",
    "no_show": "не явился",
    "finished": "обслужен",
    "cancelled": "снят",
}
ACTIVE_STATUSES = ("called", "serving")


class VisitPurpose(db.Model):
    """A kiosk button (цель визита) with its letter and time standards."""

    __tablename__ = "queue_purposes"
    __table_args__ = (
        CheckConstraint("wait_standard_minutes > 0", name="wait_standard_positive"),
        CheckConstraint("booked_wait_standard_minutes > 0", name="booked_standard_positive"),
        CheckConstraint("service_standard_minutes > 0", name="service_standard_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter: Mapped[str] = mapped_column(String(2), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    wait_standard_minutes: Mapped[int] = mapped_column(default=15)
    booked_wait_standard_minutes: Mapped[int] = mapped_column(default=5)
    service_standard_minutes: Mapped[int] = mapped_column(default=15)

    def __str__(self) -> str:
        return f"{self.letter} — {self.name}"


class Desk(db.Model):
    """A window (окно) with its number and the purposes it serves."""

    __tablename__ = "queue_desks"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)

    purposes: Mapped[list[VisitPurpose]] = relationship(
        secondary=desk_purposes, order_by="VisitPurpose.position"
    )

    @property
    def title(self) -> str:
        return f"Окно {self.number}" + (f" — {self.name}" if self.name else "")


class Kiosk(db.Model):
    """A touch-screen terminal in the hall, bound by the token an admin issued to it."""

    __tablename__ = "queue_kiosks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class BookingSlot(db.Model):
    """A time slot of a purpose on a day, for ``capacity`` pre-booked visitors."""

    __tablename__ = "queue_booking_slots"
    __table_args__ = (
        UniqueConstraint("purpose_id", "day", "start", name="uq_queue_booking_slots_purpose_time"),
        CheckConstraint("capacity >= 0", name="capacity_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose_id: Mapped[int] = mapped_column(ForeignKey("queue_purposes.id"))
    day: Mapped[date] = mapped_column(index=True)
    start: Mapped[time]
    capacity: Mapped[int] = mapped_column(default=1)

    purpose: Mapped[VisitPurpose] = relationship()
    bookings: Mapped[list[Booking]] = relationship(back_populates="slot",
                                                   order_by="Booking.id")

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, self.start)

    @property
    def taken(self) -> int:
        return sum(1 for b in self.bookings if b.status != "cancelled")

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


class Booking(db.Model):
    """A pre-booked visit (предварительная запись); the code is typed at the kiosk."""

    __tablename__ = "queue_bookings"
    __table_args__ = (
        UniqueConstraint("day", "code", name="uq_queue_bookings_day_code"),
        CheckConstraint("status IN ('booked', 'arrived', 'cancelled')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("queue_booking_slots.id"), index=True)
    day: Mapped[date]
    code: Mapped[str] = mapped_column(String(12))
    citizen_name: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicants.id"))
    status: Mapped[str] = mapped_column(String(12), default="booked")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    slot: Mapped[BookingSlot] = relationship(back_populates="bookings")
    applicant = relationship("Applicant")
    created_by = relationship("User")

    @property
    def status_name(self) -> str:
        return {"booked": "записан", "arrived": "пришёл, талон выдан",
                "cancelled": "отменена"}[self.status]


class Ticket(db.Model):
    """A visitor's ticket (талон): from the kiosk to the desk and out."""

    __tablename__ = "queue_tickets"
    __table_args__ = (
        UniqueConstraint("day", "number", name="uq_queue_tickets_day_number"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATUS_NAMES) + ")", name="status_known"
        ),
        CheckConstraint(
            "priority IN (" + ", ".join(f"'{s}'" for s in PRIORITY_NAMES) + ")",
            name="priority_known",
        ),
        # The hot query: waiting tickets of a day, by purpose.
        Index("ix_queue_tickets_day_status_purpose", "day", "status", "purpose_id"),
        Index("ix_queue_tickets_day_called_at", "day", "called_at"),
        # A desk's current ticket (every desk action asks) and a specialist's current visit
        # (every registration asks): without them, a scan of the year's tickets.
        Index("ix_queue_tickets_desk_id_status", "desk_id", "status"),
        Index("ix_queue_tickets_specialist_id_status", "specialist_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(12))
    # The queue the ticket currently waits in (a redirect changes it; the number stays).
    purpose_id: Mapped[int] = mapped_column(ForeignKey("queue_purposes.id"))
    priority: Mapped[str] = mapped_column(String(12), default=PRIORITY_WALK_IN)
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    issued_at: Mapped[datetime]
    # The place in line: the issue time, kept through redirects.
    queued_at: Mapped[datetime]
    # A pre-booked visitor's slot time: called ahead of walk-ins from then on.
    due_at: Mapped[datetime | None]
    # A redirect to a particular desk: only that desk calls the ticket.
    target_desk_id: Mapped[int | None] = mapped_column(ForeignKey("queue_desks.id"))
    called_at: Mapped[datetime | None]
    first_called_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("queue_desks.id"))
    specialist_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    call_count: Mapped[int] = mapped_column(default=0)
    ahead_at_issue: Mapped[int] = mapped_column(default=0)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("queue_kiosks.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("queue_bookings.id"))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicants.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    purpose: Mapped[VisitPurpose] = relationship(foreign_keys=[purpose_id])
    desk: Mapped[Desk | None] = relationship(foreign_keys=[desk_id])
    target_desk: Mapped[Desk | None] = relationship(foreign_keys=[target_desk_id])
    specialist = relationship("User")
    booking: Mapped[Booking | None] = relationship()
    applicant = relationship("Applicant")
    services: Mapped[list[TicketService]] = relationship(
        back_populates="ticket", order_by="TicketService.position",
        cascade="all, delete-orphan",
    )
    applications = relationship("Application", secondary=ticket_applications,
                                order_by="Application.id")
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan",
    )

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def priority_name(self) -> str:
        return PRIORITY_NAMES[self.priority]

    @property
    def wait_from(self) -> datetime:
        """When the wait started counting: the issue time, or the booked time if later."""
        if self.due_at is not None and self.due_at > self.queued_at:
            return self.due_at
        return self.queued_at

    @property
    def wait_standard_minutes(self) -> int:
        if self.priority == PRIORITY_BOOKED:
            return self.purpose.booked_wait_standard_minutes
        return self.purpose.wait_standard_minutes


class TicketService(db.Model):
    """One purpose of the visit (a ticket may carry several; served time is split)."""

    __tablename__ = "queue_ticket_services"
    __table_args__ = (
        UniqueConstraint("ticket_id", "purpose_id", name="uq_queue_ticket_services_purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("queue_tickets.id", ondelete="CASCADE"),
                                           index=True)
    purpose_id: Mapped[int] = mapped_column(ForeignKey("queue_purposes.id"))
    position: Mapped[int] = mapped_column(default=1)

    ticket: Mapped[Ticket] = relationship(back_populates="services")
    purpose: Mapped[VisitPurpose] = relationship()


class TicketEvent(db.Model):
    """What happened to a ticket, when, at which desk, by whom (calls feed the board)."""

    __tablename__ = "queue_ticket_events"
    __table_args__ = (Index("ix_queue_ticket_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("queue_tickets.id", ondelete="CASCADE"),
                                           index=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(20))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("queue_desks.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    desk: Mapped[Desk | None] = relationship()


#: A sign-in whose desk page has been silent this long is over: it ended at its last
#: heartbeat (the page polls every 5 s and writes a heartbeat at most once a minute).
DESK_STALE_AFTER = timedelta(minutes=3)

DESK_END_REASONS = {
    "release": "освободил окно",
    "switch": "перешёл к другому окну",
    "taken_over": "окно занял другой специалист",
    "logout": "вышел из системы",
    "expired": "сеанс истёк",
    "lost": "связь прервана",
}


class DeskSession(db.Model):
    """A specialist signed in at a desk: from taking the window to leaving it.

    ``last_seen_at`` is the desk page's heartbeat; a sign-in whose page went silent ends
    at its last heartbeat. At most one open sign-in per desk and per specialist.
    """

    __tablename__ = "queue_desk_sessions"
    __table_args__ = (
        Index("ix_queue_desk_sessions_started_at", "started_at"),
        Index("uq_queue_desk_sessions_open_desk", "desk_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
        Index("uq_queue_desk_sessions_open_user", "user_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(ForeignKey("queue_desks.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(16))

    desk: Mapped[Desk] = relationship()
    user = relationship("User")

    def is_live(self, now: datetime) -> bool:
        """Open, and its desk page still heard from."""
        return self.ended_at is None and now - self.last_seen_at <= DESK_STALE_AFTER

    def end_at(self, now: datetime) -> datetime:
        """When this sign-in ended (or ends as of ``now``): a silent page ends at its heartbeat."""
        if self.ended_at is not None:
            return self.ended_at
        return now if self.is_live(now) else self.last_seen_at


class BoardVersion(db.Model):
    """A number that grows whenever something the hall board shows changes.

    Bumped once per commit that touched a ticket, a window or a purpose
    (:mod:`onewindow.queue.board`); a board poll reads this one row to know whether the
    board it answered a moment ago still stands.
    """

    __tablename__ = "queue_board_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)

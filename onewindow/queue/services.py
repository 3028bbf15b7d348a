"""The queue's domain verbs: issue a ticket, call the next one, serve, book a visit.

Concurrency: two desks pressing «Вызвать следующего» at once must never get the same
ticket and must not skip one. On PostgreSQL the next ticket is taken with
SELECT … FOR UPDATE SKIP LOCKED (a second desk passes over the row the first one holds);
on SQLite every write transaction begins IMMEDIATE (onewindow.database), so callers
queue up and each sees the previous caller's commit. Ticket numbers come from
onewindow.numbering (a locked counter row per letter and day): gapless, never repeated.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..applicants.models import Applicant
from ..database import add_to_collection
from ..errors import Conflict, InvalidInput, NotFound
from ..intake.models import Application
from ..numbering import next_value
from ..security import audit
from ..security.models import AuditEntry
from . import queries
from .models import (
    ACTIVE_STATUSES,
    PRIORITY_BOOKED,
    PRIORITY_OUT_OF_TURN,
    PRIORITY_WALK_IN,
    Booking,
    BookingSlot,
    Desk,
    Kiosk,
    Ticket,
    TicketEvent,
    TicketService,
    VisitPurpose,
)

DEFAULT_PURPOSES = [
    ("А", "Подать документы", 15),
    ("Б", "Получить результат / справку", 5),
    ("В", "Консультация", 10),
]
DEFAULT_DESKS = 4
LETTERS = "АБВГДЕЖИКЛМНПРСТУФХЦЧШЭЮЯ"
MAX_SLOTS_PER_DAY = 200


# --- set-up ---------------------------------------------------------------------------

def seed_queue(session: Session) -> int:
    """Create the default purposes and desks 1–4 serving all of them (idempotent)."""
    added = 0
    purposes = {p.letter: p for p in session.scalars(select(VisitPurpose))}
    for position, (letter, name, service_minutes) in enumerate(DEFAULT_PURPOSES, start=1):
        if letter not in purposes:
            purposes[letter] = VisitPurpose(letter=letter, name=name, position=position,
                                            service_standard_minutes=service_minutes)
            session.add(purposes[letter])
            added += 1
    session.flush()
    if session.scalar(select(func.count(Desk.id))) == 0:
        for number in range(1, DEFAULT_DESKS + 1):
            session.add(Desk(number=number, name="",
                             purposes=sorted(purposes.values(), key=lambda p: p.position)))
            added += 1
    session.flush()
    return added


def save_purpose(session: Session, *, purpose: VisitPurpose | None = None, letter: str,
                 name: str, active: bool = True, position: int = 0,
                 wait_standard_minutes: int = 15, booked_wait_standard_minutes: int = 5,
                 service_standard_minutes: int = 15) -> VisitPurpose:
    """Create or change a visit purpose; its letter is unique (numbers are per letter)."""
    letter = (letter or "").strip().upper()
    name = " ".join((name or "").split())
    if len(letter) != 1 or letter not in LETTERS:
        raise InvalidInput("Буква — одна заглавная русская буква (А, Б, В…)", field="letter")
    if not name:
        raise InvalidInput("Укажите название цели визита", field="name")
    for field, value in (("wait_standard_minutes", wait_standard_minutes),
                         ("booked_wait_standard_minutes", booked_wait_standard_minutes),
                         ("service_standard_minutes", service_standard_minutes)):
        if not isinstance(value, int) or not 1 <= value <= 480:
            raise InvalidInput("Норматив — от 1 до 480 минут", field=field)
    other = session.scalar(select(VisitPurpose).where(VisitPurpose.letter == letter))
    if other is not None and other is not purpose:
        raise InvalidInput(f"Буква «{letter}» уже занята: {other.name}", field="letter")
    try:
        # The letter taken by another user at the same moment: its insert fails alone.
        with session.begin_nested():
            if purpose is None:
                purpose = VisitPurpose()
                session.add(purpose)
            purpose.letter, purpose.name = letter, name
            purpose.active, purpose.position = active, position
            purpose.wait_standard_minutes = wait_standard_minutes
            purpose.booked_wait_standard_minutes = booked_wait_standard_minutes
            purpose.service_standard_minutes = service_standard_minutes
            session.flush()
    except IntegrityError as exc:
        raise InvalidInput("Буква уже занята", field="letter") from exc
    return purpose


def save_desk(session: Session, *, desk: Desk | None = None, number: int, name: str = "",
              purpose_ids: list[int], active: bool = True) -> Desk:
    """Create or change a desk (window number and the purposes it serves)."""
    if not isinstance(number, int) or not 1 <= number <= 99:
        raise InvalidInput("Номер окна — от 1 до 99", field="number")
    other = session.scalar(select(Desk).where(Desk.number == number))
    if other is not None and other is not desk:
        raise InvalidInput(f"Окно {number} уже есть", field="number")
    purposes = list(session.scalars(select(VisitPurpose).where(VisitPurpose.id.in_(purpose_ids))))
    if not purposes:
        raise InvalidInput("Отметьте хотя бы одну цель визита", field="purpose_ids")
    try:
        # The number taken by another user at the same moment: its insert fails alone.
        with session.begin_nested():
            if desk is None:
                desk = Desk()
                session.add(desk)
            desk.number, desk.name, desk.active = number, " ".join((name or "").split()), active
            desk.purposes = purposes
            session.flush()
    except IntegrityError as exc:
        raise InvalidInput(f"Окно {number} уже есть", field="number") from exc
    return desk


def issue_kiosk(session: Session, *, name: str, user_id: int | None, now: datetime) -> Kiosk:
    """Register a kiosk device and give it a secret token for its activation URL."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("Укажите название терминала", field="name")
    kiosk = Kiosk(name=name, token=secrets.token_urlsafe(24), created_at=now,
                  created_by_id=user_id)
    session.add(kiosk)
    session.flush()
    return kiosk


def revoke_kiosk(session: Session, kiosk: Kiosk, *, now: datetime) -> Kiosk:
    if kiosk.revoked_at is None:
        kiosk.revoked_at = now
        session.flush()
    return kiosk


def kiosk_by_token(session: Session, token: str | None) -> Kiosk | None:
    """The active kiosk of this token, or None (an unknown or revoked device)."""
    if not token:
        return None
    kiosk = session.scalar(select(Kiosk).where(Kiosk.token == token))
    return kiosk if kiosk is not None and kiosk.active else None


# --- ordering -------------------------------------------------------------------------

def _order_by(now: datetime) -> list:
    # estimates.order_key is the same order in Python (kept in step by the tests).
    rank = case(
        (Ticket.priority == PRIORITY_OUT_OF_TURN, 0),
        ((Ticket.priority == PRIORITY_BOOKED) & (Ticket.due_at.is_(None) | (Ticket.due_at <= now)),
         1),
        (Ticket.priority == PRIORITY_BOOKED, 3),
        else_=2,
    )
    sort_time = case(
        ((Ticket.priority == PRIORITY_BOOKED) & Ticket.due_at.is_not(None), Ticket.due_at),
        else_=Ticket.queued_at,
    )
    return [rank, sort_time, Ticket.queued_at, Ticket.id]


def _eligible(desk: Desk, day: date):
    purpose_ids = [p.id for p in desk.purposes if p.active] or [-1]
    return (
        (Ticket.day == day)
        & (Ticket.status == "waiting")
        & ((Ticket.target_desk_id == desk.id)
           | (Ticket.target_desk_id.is_(None) & Ticket.purpose_id.in_(purpose_ids)))
    )


def waiting_for_desk(session: Session, *, desk: Desk, now: datetime) -> list[Ticket]:
    """The desk's waiting line in calling order."""
    return list(session.scalars(
        select(Ticket).where(_eligible(desk, now.date())).order_by(*_order_by(now))
    ))


# --- kiosk ----------------------------------------------------------------------------

def _event(ticket: Ticket, action: str, now: datetime, *, desk: Desk | None = None,
           user_id: int | None = None, comment: str | None = None) -> None:
    add_to_collection(ticket, "events", TicketEvent(
        at=now, action=action, desk_id=desk.id if desk else None, user_id=user_id,
        comment=comment))


def issue_ticket(session: Session, *, purpose_id: int, now: datetime, out_of_turn: bool = False,
                 kiosk: Kiosk | None = None, booking: Booking | None = None) -> Ticket:
    """Give the visitor the next number of the purpose's letter today (А-017)."""
    purpose = session.get(VisitPurpose, purpose_id) if purpose_id else None
    if purpose is None or not purpose.active:
        raise InvalidInput("Выберите цель визита", field="purpose_id")
    day = now.date()
    seq = next_value(session, journal=f"ticket:{purpose.letter}", period=day.isoformat())
    priority = PRIORITY_WALK_IN
    if out_of_turn:
        priority = PRIORITY_OUT_OF_TURN
    elif booking is not None:
        priority = PRIORITY_BOOKED
    ticket = Ticket(
        day=day, seq=seq, number=f"{purpose.letter}-{seq:03d}", purpose=purpose,
        priority=priority, status="waiting", issued_at=now, queued_at=now,
        due_at=booking.slot.starts_at if booking is not None else None,
        kiosk_id=kiosk.id if kiosk else None, booking_id=booking.id if booking else None,
        applicant_id=booking.applicant_id if booking else None,
    )
    ticket.services = [TicketService(purpose=purpose, position=1)]
    _event(ticket, "issued", now)
    session.add(ticket)
    session.flush()
    ticket.ahead_at_issue = queries.ticket_estimate(session, ticket, now=now).ahead
    if kiosk is not None:
        kiosk.last_seen_at = now
    session.flush()
    return ticket


def issue_booked_ticket(session: Session, *, code: str, now: datetime,
                        kiosk: Kiosk | None = None) -> Ticket:
    """Turn today's booking code into a ticket called at the booked time (once)."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not code:
        raise InvalidInput("Введите код записи", field="code")
    booking = session.scalar(
        select(Booking).where(Booking.code == code, Booking.day == now.date())
        .with_for_update()
    )
    if booking is None:
        raise InvalidInput("Запись с таким кодом на сегодня не найдена", field="code")
    if booking.status == "cancelled":
        raise InvalidInput("Эта запись отменена. Возьмите талон в общую очередь", field="code")
    if booking.status == "arrived":
        ticket = session.scalar(select(Ticket).where(Ticket.booking_id == booking.id))
        if ticket is not None and ticket.status == "waiting":
            return ticket  # the visitor lost the first printout
        raise InvalidInput("По этой записи талон уже выдан", field="code")
    ticket = issue_ticket(session, purpose_id=booking.slot.purpose_id, now=now, kiosk=kiosk,
                          booking=booking)
    booking.status = "arrived"
    session.flush()
    return ticket


# --- kiosk rate limits ------------------------------------------------------------------

KIOSK_WINDOW = timedelta(minutes=1)
KIOSK_BUSY = ("Терминал принял слишком много запросов подряд. Подождите минуту и попробуйте "
              "снова, а если нужна помощь — обратитесь к администратору зала.")


def _kiosk_events(session: Session, *, kiosk: Kiosk, action: str, since: datetime) -> int:
    return session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "kiosk", AuditEntry.object_id == str(kiosk.id),
        AuditEntry.action == action, AuditEntry.at >= since)) or 0


def _kiosk_audit(session: Session, *, kiosk: Kiosk, action: str, now: datetime, result: str,
                 remote_addr: str | None, details: str | None = None) -> None:
    audit.record(session, action=action, now=now, username=f"kiosk:{kiosk.id}",
                 remote_addr=remote_addr, object_type="kiosk", object_id=str(kiosk.id),
                 result=result, details=details)


def kiosk_refusal(session: Session, *, kiosk: Kiosk, now: datetime, booking: bool,
                  tickets_per_minute: int, codes_per_minute: int,
                  remote_addr: str | None = None) -> str | None:
    """Why the kiosk must wait before its next request (None: go on).

    A device may take ``tickets_per_minute`` tickets and try ``codes_per_minute`` wrong
    booking codes a minute (a 6-digit code space must not be walked through). The first
    refusal of a minute is recorded in the audit (a lockout); the caller commits it.
    """
    since = now - KIOSK_WINDOW
    tickets = session.scalar(select(func.count(Ticket.id)).where(
        Ticket.kiosk_id == kiosk.id, Ticket.issued_at >= since)) or 0
    over = tickets >= tickets_per_minute
    reason = f"талонов за минуту: {tickets}"
    if booking and not over:
        failures = _kiosk_events(session, kiosk=kiosk, action="kiosk_code_failed", since=since)
        over, reason = failures >= codes_per_minute, f"неверных кодов за минуту: {failures}"
    if not over:
        return None
    if not _kiosk_events(session, kiosk=kiosk, action="kiosk_locked", since=since):
        _kiosk_audit(session, kiosk=kiosk, action="kiosk_locked", now=now, result="throttled",
                     remote_addr=remote_addr, details=reason)
    return KIOSK_BUSY


def record_code_failure(session: Session, *, kiosk: Kiosk, now: datetime,
                        remote_addr: str | None = None) -> None:
    """Count a booking code the kiosk could not turn into a ticket (the caller commits)."""
    _kiosk_audit(session, kiosk=kiosk, action="kiosk_code_failed", now=now, result="failed",
                 remote_addr=remote_addr)


# --- desk -----------------------------------------------------------------------------

def _lock_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.scalar(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if ticket is None:
        raise NotFound("Талон не найден")
    return ticket


def _call(ticket: Ticket, *, desk: Desk, user_id: int, now: datetime, action: str) -> Ticket:
    ticket.status = "called"
    ticket.desk_id = desk.id
    ticket.specialist_id = user_id
    ticket.called_at = now
    if ticket.first_called_at is None:
        ticket.first_called_at = now
    ticket.call_count += 1
    ticket.target_desk_id = None
    _event(ticket, action, now, desk=desk, user_id=user_id)
    return ticket


def current_ticket(session: Session, *, desk: Desk) -> Ticket | None:
    """The ticket now called to or served at the desk."""
    return session.scalar(
        select(Ticket).where(Ticket.desk_id == desk.id, Ticket.status.in_(ACTIVE_STATUSES))
        .order_by(Ticket.called_at.desc()).limit(1)
    )


def call_next_ticket(session: Session, *, desk: Desk, user_id: int,
                     now: datetime) -> Ticket | None:
    """Call the next waiting ticket to ``desk``: out-of-turn, due bookings, walk-ins.

    Returns None when nobody waits. A desk still busy with a ticket must finish it first.
    """
    if not desk.active:
        raise Conflict(f"{desk.title} закрыто")
    # A double click at one desk: the second call waits here and then finds the desk busy.
    session.execute(select(Desk.id).where(Desk.id == desk.id).with_for_update())
    busy = current_ticket(session, desk=desk)
    if busy is not None:
        raise Conflict(f"Сначала завершите талон {busy.number}")
    query = (
        select(Ticket).where(_eligible(desk, now.date())).order_by(*_order_by(now)).limit(1)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Ticket)
    ticket = session.scalar(query)
    if ticket is None:
        return None
    _call(ticket, desk=desk, user_id=user_id, now=now, action="called")
    session.flush()
    return ticket


def call_parked(session: Session, *, ticket_id: int, desk: Desk, user_id: int,
                now: datetime) -> Ticket:
    """Call back a parked visitor who has returned."""
    busy = current_ticket(session, desk=desk)
    if busy is not None:
        raise Conflict(f"Сначала завершите талон {busy.number}")
    ticket = _lock_ticket(session, ticket_id)
    if ticket.status != "parked":
        raise Conflict(f"Талон {ticket.number} не отложен ({ticket.status_name})")
    _call(ticket, desk=desk, user_id=user_id, now=now, action="called")
    session.flush()
    return ticket


def _own(session: Session, ticket_id: int, desk: Desk, statuses: tuple[str, ...]) -> Ticket:
    ticket = _lock_ticket(session, ticket_id)
    if ticket.desk_id != desk.id or ticket.status not in statuses:
        raise Conflict(f"Талон {ticket.number} сейчас не у {desk.title.lower()} "
                       f"({ticket.status_name})")
    return ticket


def recall(session: Session, *, ticket_id: int, desk: Desk, user_id: int,
           now: datetime) -> Ticket:
    """Call the same ticket again (it shows on the board as the newest call)."""
    ticket = _own(session, ticket_id, desk, ("called",))
    ticket.call_count += 1
    ticket.called_at = now
    _event(ticket, "recalled", now, desk=desk, user_id=user_id)
    session.flush()
    return ticket


def start_service(session: Session, *, ticket_id: int, desk: Desk, user_id: int,
                  now: datetime) -> Ticket:
    """The visitor has come to the desk: service starts."""
    ticket = _own(session, ticket_id, desk, ("called", "serving"))
    if ticket.status == "called":
        ticket.status = "serving"
        ticket.started_at = now
        ticket.specialist_id = user_id
        _event(ticket, "started", now, desk=desk, user_id=user_id)
        session.flush()
    return ticket


def mark_no_show(session: Session, *, ticket_id: int, desk: Desk, user_id: int,
                 now: datetime) -> Ticket:
    """«Не явился»: the called visitor did not come."""
    ticket = _own(session, ticket_id, desk, ("called",))
    ticket.status = "no_show"
    ticket.finished_at = now
    _event(ticket, "no_show", now, desk=desk, user_id=user_id)
    session.flush()
    return ticket


def park(session: Session, *, ticket_id: int, desk: Desk, user_id: int, now: datetime,
         comment: str | None = None) -> Ticket:
    """«Отложить»: the visitor steps away (fetches a document) and is called back later."""
    ticket = _own(session, ticket_id, desk, ACTIVE_STATUSES)
    ticket.status = "parked"
    _event(ticket, "parked", now, desk=desk, user_id=user_id,
           comment=(comment or "").strip() or None)
    session.flush()
    return ticket


def redirect(session: Session, *, ticket_id: int, desk: Desk, user_id: int, now: datetime,
             to_desk_id: int | None = None, to_purpose_id: int | None = None) -> Ticket:
    """«Перенаправить» to another desk or purpose; the ticket keeps its place in line."""
    ticket = _own(session, ticket_id, desk, ACTIVE_STATUSES)
    if bool(to_desk_id) == bool(to_purpose_id):
        raise InvalidInput("Выберите окно или цель визита", field="to")
    if to_desk_id:
        target = session.get(Desk, to_desk_id)
        if target is None or not target.active or target.id == desk.id:
            raise InvalidInput("Выберите другое работающее окно", field="to")
        ticket.target_desk_id = target.id
        comment = f"в {target.title.lower()}"
    else:
        purpose = session.get(VisitPurpose, to_purpose_id)
        if purpose is None or not purpose.active:
            raise InvalidInput("Выберите цель визита", field="to")
        ticket.purpose_id = purpose.id
        ticket.target_desk_id = None
        _add_service(ticket, purpose)
        comment = f"цель «{purpose.name}»"
    ticket.status = "waiting"
    ticket.desk_id = None
    _event(ticket, "redirected", now, desk=desk, user_id=user_id, comment=comment)
    session.flush()
    return ticket


def _add_service(ticket: Ticket, purpose: VisitPurpose) -> None:
    if all(s.purpose_id != purpose.id for s in ticket.services):
        ticket.services.append(TicketService(purpose=purpose, position=len(ticket.services) + 1))


def add_service(session: Session, *, ticket_id: int, desk: Desk, purpose_id: int) -> Ticket:
    """One visit, several services: count another purpose for this visit."""
    ticket = _own(session, ticket_id, desk, ACTIVE_STATUSES)
    purpose = session.get(VisitPurpose, purpose_id) if purpose_id else None
    if purpose is None:
        raise InvalidInput("Выберите цель визита", field="purpose_id")
    _add_service(ticket, purpose)
    session.flush()
    return ticket


def link_application(session: Session, ticket: Ticket, application, *,
                     flush: bool = True) -> Ticket:
    """Link an application registered during the visit (and its applicant) to the ticket."""
    if application not in ticket.applications:
        ticket.applications.append(application)
    if ticket.applicant_id is None:
        ticket.applicant_id = application.applicant_id or application.applicant.id
    if flush:
        session.flush()
    return ticket


def link_visit_applications(session: Session, ticket: Ticket, *, now: datetime) -> list:
    """Link every application the ticket's specialist registered since the call."""
    if ticket.specialist_id is None or ticket.called_at is None:
        return []
    since = ticket.started_at or ticket.called_at
    found = list(session.scalars(select(Application).where(
        Application.registered_by_id == ticket.specialist_id,
        Application.registered_at >= since.replace(microsecond=0),
        Application.registered_at <= now,
        Application.status != "cancelled",
    )))
    for application in found:
        link_application(session, ticket, application)
    return found


def finish(session: Session, *, ticket_id: int, desk: Desk, user_id: int,
           now: datetime) -> Ticket:
    """«Завершить»: the visit is over; applications registered meanwhile are linked."""
    ticket = _own(session, ticket_id, desk, ACTIVE_STATUSES)
    if ticket.started_at is None:
        ticket.started_at = ticket.called_at
    ticket.status = "finished"
    ticket.finished_at = now
    ticket.specialist_id = user_id
    link_visit_applications(session, ticket, now=now)
    _event(ticket, "finished", now, desk=desk, user_id=user_id)
    session.flush()
    return ticket


# --- pre-booked visits ----------------------------------------------------------------

def create_slots(session: Session, *, purpose_id: int, day: date, start: time, end: time,
                 interval_minutes: int, capacity: int, today: date) -> list[BookingSlot]:
    """Open booking slots from ``start`` to ``end`` every ``interval_minutes`` (existing kept)."""
    purpose = session.get(VisitPurpose, purpose_id) if purpose_id else None
    if purpose is None:
        raise InvalidInput("Выберите цель визита", field="purpose_id")
    if day < today:
        raise InvalidInput("Дата уже прошла", field="day")
    if not 5 <= interval_minutes <= 240:
        raise InvalidInput("Интервал — от 5 до 240 минут", field="interval_minutes")
    if not 1 <= capacity <= 20:
        raise InvalidInput("Мест в окне записи — от 1 до 20", field="capacity")
    if end <= start:
        raise InvalidInput("Конец позже начала", field="end")
    existing = {s.start: s for s in session.scalars(
        select(BookingSlot).where(BookingSlot.purpose_id == purpose.id, BookingSlot.day == day))}
    made = []
    at = datetime.combine(day, start)
    while at.time() < end and at.date() == day:
        if len(existing) + len(made) >= MAX_SLOTS_PER_DAY:
            break
        if at.time() not in existing:
            slot = BookingSlot(purpose=purpose, day=day, start=at.time(), capacity=capacity)
            session.add(slot)
            made.append(slot)
        at += timedelta(minutes=interval_minutes)
    session.flush()
    return made


def _new_code(session: Session, day: date) -> str:
    for _ in range(50):
        code = f"{secrets.randbelow(900_000) + 100_000}"
        if session.scalar(select(Booking.id).where(Booking.day == day,
                                                   Booking.code == code)) is None:
            return code
    raise Conflict("Не удалось выдать код записи, повторите")


def book(session: Session, *, slot_id: int, citizen_name: str, phone: str | None,
         applicant_id: int | None, user_id: int, now: datetime) -> Booking:
    """Book a citizen into a slot with free capacity; returns the booking with its code."""
    slot = session.scalar(select(BookingSlot).where(BookingSlot.id == slot_id)
                          .with_for_update().execution_options(populate_existing=True)) \
        if slot_id else None
    if slot is None:
        raise InvalidInput("Выберите время записи", field="slot_id")
    if slot.starts_at < now:
        raise InvalidInput("Это время уже прошло", field="slot_id")
    applicant = session.get(Applicant, applicant_id) if applicant_id else None
    citizen_name = " ".join((citizen_name or "").split())
    if applicant is not None and not citizen_name:
        citizen_name = applicant.short_name
    if not citizen_name:
        raise InvalidInput("Укажите, кого записываете (ФИО)", field="citizen_name")
    phone = (phone or "").strip() or None
    if applicant is None and not phone:
        raise InvalidInput("Укажите телефон для связи", field="phone")
    if slot.free <= 0:
        raise Conflict("На это время мест нет, выберите другое")
    booking = Booking(slot=slot, day=slot.day, code=_new_code(session, slot.day),
                      citizen_name=citizen_name[:300], phone=phone, applicant=applicant,
                      status="booked", created_at=now, created_by_id=user_id)
    session.add(booking)
    session.flush()
    return booking


def cancel_booking(session: Session, booking: Booking, *, reason: str, now: datetime) -> Booking:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Укажите причину отмены", field="reason")
    if booking.status != "booked":
        raise Conflict("Запись уже использована или отменена")
    booking.status = "cancelled"
    booking.cancelled_at = now
    booking.cancel_reason = reason
    session.flush()
    return booking

"""The queue's pages: kiosk and board (public), desk, bookings, live panel, settings."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, current_app, flash, request, url_for
from flask_login import current_user

from ..auth.roles import CHIEF, DIRECTOR, INTAKE_ROLES, MANAGEMENT_ROLES
from ..core import clock
from ..core.text import parse_date_ru
from ..errors import DomainError, InvalidInput, NotFound
from ..extensions import db
from ..forms_common import choices, parse_id
from ..intake.queries import find_by_number
from ..printing.qr import qr_tag
from ..web import (
    allow,
    audited_view,
    bind_device,
    form_action,
    hand_out,
    pdf_response,
    public,
    rating_url,
    redirect_to,
    render,
    render_conditional,
    renew_device,
    write_at_edge,
)
from . import board as hall_board
from . import desks, documents, queries, services
from .forms import BookingForm, CancelBookingForm, DeskForm, KioskForm, PurposeForm, SlotsForm
from .models import Desk, Kiosk, VisitPurpose

bp = Blueprint("queue", __name__)

KIOSK_COOKIE = "onewindow_kiosk"
SETTINGS_ROLES = (CHIEF,)



# --- kiosk (no login; the device is bound by its token) -------------------------------

@bp.get("/kiosk/activate/<token>")
@public
def kiosk_activate(token: str):
    """Bind this browser to the kiosk (a long-lived cookie) and open the kiosk page."""
    kiosk = services.kiosk_by_token(db.session, token)
    if kiosk is None:
        raise NotFound("Ключ терминала не найден или отозван")
    response = redirect_to(url_for("queue.kiosk"))
    return bind_device(response, KIOSK_COOKIE, token)


def _kiosk() -> Kiosk:
    kiosk = services.kiosk_by_token(db.session, request.cookies.get(KIOSK_COOKIE))
    if kiosk is None:
        raise DomainError("Терминал не активирован. Администратор выдаёт ссылку активации "
                          "в разделе «Очередь → Настройки».")
    renew_device(KIOSK_COOKIE, kiosk.token)
    return kiosk


def _kiosk_page(kiosk, *, out_of_turn=False, error=None, code="", status=200):
    return render("queue/kiosk.html", kiosk=kiosk,
                  outlook=queries.kiosk_outlook(db.session, now=clock.now()),
                  out_of_turn=out_of_turn, error=error, code=code), status


@bp.get("/kiosk")
@public
def kiosk():
    return _kiosk_page(_kiosk(), out_of_turn=request.args.get("out_of_turn") == "1")


def _kiosk_refusal(kiosk, *, booking: bool):
    config = current_app.config
    return services.kiosk_refusal(
        db.session, kiosk=kiosk, now=clock.now(), booking=booking,
        tickets_per_minute=config["KIOSK_TICKETS_PER_MINUTE"],
        codes_per_minute=config["KIOSK_CODE_ATTEMPTS_PER_MINUTE"],
        remote_addr=request.remote_addr)


@bp.post("/kiosk/tickets")
@public
def kiosk_issue():
    kiosk = _kiosk()
    if refusal := _kiosk_refusal(kiosk, booking=False):
        return _kiosk_page(kiosk, error=refusal, status=429)
    with form_action() as outcome:
        ticket = services.issue_ticket(
            db.session, purpose_id=request.form.get("purpose_id", type=int) or 0,
            out_of_turn=request.form.get("out_of_turn") == "1", now=clock.now(), kiosk=kiosk)
    if not outcome.ok:
        return _kiosk_page(kiosk, error=outcome.message, status=422)
    return _issued(ticket)


@bp.post("/kiosk/booking")
@public
def kiosk_booking():
    kiosk = _kiosk()
    code = (request.form.get("code") or "").strip()[:20]
    if refusal := _kiosk_refusal(kiosk, booking=True):
        return _kiosk_page(kiosk, error=refusal, code=code, status=429)
    with form_action() as outcome:
        ticket = services.issue_booked_ticket(db.session, code=code, now=clock.now(), kiosk=kiosk)
    if not outcome.ok:
        # Returned, not raised: the request edge commits the count of wrong codes.
        services.record_code_failure(db.session, kiosk=kiosk, now=clock.now(),
                                     remote_addr=request.remote_addr)
        return _kiosk_page(kiosk, error=outcome.message, code=code, status=422)
    return _issued(ticket)


def _issued(ticket):
    if request.form.get("format") == "pdf":
        return kiosk_ticket_pdf(ticket.id)
    return redirect_to(url_for("queue.kiosk_ticket", ticket_id=ticket.id))


def _kiosk_ticket(ticket_id: int):
    kiosk = _kiosk()
    ticket = queries.get_ticket(db.session, ticket_id)
    if ticket.kiosk_id != kiosk.id or ticket.day != clock.today():
        raise NotFound("Талон не найден")
    return ticket


@bp.get("/kiosk/tickets/<int:ticket_id>")
@public
def kiosk_ticket(ticket_id: int):
    ticket = _kiosk_ticket(ticket_id)
    data = documents.ticket_print_data(db.session, ticket, now=clock.now(),
                                       office=current_app.config["INSTITUTION_SHORT_NAME"])
    return render("queue/kiosk_ticket.html", ticket=ticket, data=data)


def _ticket_document(ticket):
    width = 58 if request.args.get("width") == "58" else 80
    data = documents.ticket_print_data(db.session, ticket, now=clock.now(),
                                       office=current_app.config["INSTITUTION_SHORT_NAME"])
    data.rating_url = rating_url(ticket=ticket)
    return data, width


@bp.get("/kiosk/tickets/<int:ticket_id>.pdf")
@public
def kiosk_ticket_pdf(ticket_id: int):
    """The ticket for the receipt printer (?width=58 for narrow paper)."""
    ticket = _kiosk_ticket(ticket_id)
    data, width = _ticket_document(ticket)
    return pdf_response(documents.ticket_pdf(data, width_mm=width),
                        f"talon-{ticket.number}.pdf", kind="ticket", object_type="ticket",
                        object_id=ticket.id)


# The print document is framed by the kiosk's ticket page (same origin only).
PRINT_DOCUMENT_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
                      "font-src 'self'; frame-ancestors 'self'")


@bp.get("/kiosk/tickets/<int:ticket_id>/print")
@public
def kiosk_ticket_print(ticket_id: int):
    """The ticket as a page for the receipt printer: the kiosk page prints it itself.

    Chromium in kiosk mode with --kiosk-printing sends it to the default printer without a
    dialog. The print journal keeps the same ticket as PDF, as if it had been opened.
    """
    ticket = _kiosk_ticket(ticket_id)
    data, width = _ticket_document(ticket)
    pdf_url = url_for("queue.kiosk_ticket_pdf", ticket_id=ticket.id,
                      **({"width": 58} if width == 58 else {}))
    hand_out(documents.ticket_pdf(data, width_mm=width), f"talon-{ticket.number}.pdf",
             kind="ticket", object_type="ticket", object_id=ticket.id, url=pdf_url)
    response = render("queue/ticket_print.html", data=data, width=width,
                      qr=qr_tag(data.rating_url, size_mm=22) if data.rating_url else None)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = PRINT_DOCUMENT_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


# --- hall display board (no login, no personal data) ----------------------------------

@bp.get("/board")
@public
def board():
    return render("queue/board.html", "queue/_board_calls.html",
                  board=hall_board.current(db.session, now=clock.now()).state,
                  poll_ms=max(20, current_app.config["QUEUE_BOARD_POLL_MS"]))


@bp.get("/board/calls")
@public
def board_calls():
    # Polled every second by every hall board: an unchanged board answers 304 unrendered,
    # after one read of the board's stamp (onewindow.queue.board).
    board = hall_board.current(db.session, now=clock.now())
    return render_conditional(board.etag, "queue/_board_calls.html", board=board.state)


# --- desk -----------------------------------------------------------------------------

@bp.get("/queue/")
@allow(*INTAKE_ROLES, *MANAGEMENT_ROLES)
def index():
    return render("queue/index.html")


def _desk(*, heartbeat: bool = False) -> Desk | None:
    """The window the user is signed in at (``heartbeat``: the desk page is open, say so)."""
    now = clock.now()
    signed_in = desks.current(db.session, user_id=current_user.id, now=now)
    if signed_in is None:
        return None
    if heartbeat and desks.needs_heartbeat(signed_in, now):
        # The desk page is open: marked seen (at most once a minute) at the request's edge.
        row_id = signed_in.id
        write_at_edge(lambda session: desks.heartbeat(session, desk_session_id=row_id,
                                                      now=now))
    return signed_in.desk


def _desk_context(desk: Desk) -> dict:
    now = clock.now()
    line = services.waiting_for_desk(db.session, desk=desk, now=now)
    return {
        "desk": desk, "now": now, "current": services.current_ticket(db.session, desk=desk),
        "line": line, "parked": queries.parked_tickets(db.session, day=now.date()),
        "served": queries.served_at_desk(db.session, desk=desk, day=now.date()),
        "desks": queries.all_desks(db.session, only_active=True),
        "purposes": queries.active_purposes(db.session),
    }


def _desk_page(*, error=None, status=200, heartbeat=False):
    desk = _desk(heartbeat=heartbeat)
    if desk is None:
        return render("queue/desk_choose.html", desks=queries.all_desks(db.session,
                                                                         only_active=True),
                      occupants=desks.occupants(db.session, now=clock.now()),
                      error=error), status
    return render("queue/desk.html", "queue/_desk_work.html", error=error,
                  **_desk_context(desk)), status


@bp.get("/queue/desk")
@allow(*INTAKE_ROLES)
def desk():
    return _desk_page(heartbeat=True)


@bp.get("/queue/desk/line")
@allow(*INTAKE_ROLES)
def desk_line():
    desk = _desk(heartbeat=True)
    if desk is None:
        return render("queue/_desk_line.html", desk=None, line=[], parked=[], now=None)
    return render("queue/_desk_line.html", **_desk_context(desk))


@bp.post("/queue/desk/select")
@allow(*INTAKE_ROLES)
def desk_select():
    desk = db.session.get(Desk, request.form.get("desk_id", type=int) or 0)
    if desk is None or not desk.active:
        return _desk_page(error="Выберите окно", status=422)
    signed_in = desks.sign_in(db.session, desk=desk, user_id=current_user.id, now=clock.now())
    if signed_in.taken_from:
        flash(f"{desk.title}: работа у окна специалиста {signed_in.taken_from} завершена")
    return redirect_to(url_for("queue.desk"))


@bp.post("/queue/desk/release")
@allow(*INTAKE_ROLES)
def desk_release():
    desk = _desk()
    if desk is not None and services.current_ticket(db.session, desk=desk) is not None:
        return _desk_page(error="Сначала завершите текущий талон", status=409)
    desks.sign_out(db.session, user_id=current_user.id, now=clock.now())
    return redirect_to(url_for("queue.desk"))


def _desk_action(action):
    desk = _desk()
    if desk is None:
        return _desk_page(error="Выберите окно", status=422)
    with form_action() as outcome:
        message = action(desk)
    if not outcome.ok:
        return _desk_page(error=outcome.message, status=outcome.error.status_code)
    if message:
        flash(message)
    return redirect_to(url_for("queue.desk"))


@bp.post("/queue/desk/next")
@allow(*INTAKE_ROLES)
def desk_next():
    def action(desk):
        ticket = services.call_next_ticket(db.session, desk=desk, user_id=current_user.id,
                                           now=clock.now())
        return f"Вызван талон {ticket.number}" if ticket else "Очередь пуста"
    return _desk_action(action)


DESK_VERBS = {
    "recall": (services.recall, "Талон {n} вызван повторно"),
    "start": (services.start_service, "Начат приём по талону {n}"),
    "no-show": (services.mark_no_show, "Талон {n}: не явился"),
    "finish": (services.finish, "Талон {n} обслужен"),
    "call": (services.call_parked, "Вызван отложенный талон {n}"),
}


@bp.post("/queue/desk/tickets/<int:ticket_id>/<verb>")
@allow(*INTAKE_ROLES)
def desk_ticket_action(ticket_id: int, verb: str):
    form = request.form

    def action(desk):
        now = clock.now()
        common = {"ticket_id": ticket_id, "desk": desk, "now": now}
        if verb in DESK_VERBS:
            func, message = DESK_VERBS[verb]
            ticket = func(db.session, user_id=current_user.id, **common)
            return message.format(n=ticket.number)
        if verb == "park":
            ticket = services.park(db.session, user_id=current_user.id,
                                   comment=form.get("comment"), **common)
            return f"Талон {ticket.number} отложен"
        if verb == "redirect":
            target = form.get("to") or ""
            kind, _, raw = target.partition(":")
            value = parse_id(raw)
            ticket = services.redirect(
                db.session, user_id=current_user.id,
                to_desk_id=value if kind == "desk" else None,
                to_purpose_id=value if kind == "purpose" else None, **common)
            return f"Талон {ticket.number} перенаправлен"
        if verb == "add-service":
            services.add_service(db.session, ticket_id=ticket_id, desk=desk,
                                 purpose_id=form.get("purpose_id", type=int) or 0)
            return "Цель визита добавлена"
        if verb == "link":
            return _link_application(desk, ticket_id, form.get("number") or "")
        raise NotFound("Действие не найдено")
    return _desk_action(action)


def _link_application(desk, ticket_id, number):
    ticket = services._own(db.session, ticket_id, desk, ("called", "serving"))
    application = find_by_number(db.session, number.strip()) if number.strip() else None
    if application is None:
        raise InvalidInput("Заявление с таким номером не найдено", field="number")
    services.link_application(db.session, ticket, application)
    return f"Заявление {application.number} связано с талоном {ticket.number}"


# --- chief's live panel ---------------------------------------------------------------

@bp.get("/queue/panel")
@allow(CHIEF, DIRECTOR)
def panel():
    stats = queries.live_stats(db.session, now=clock.now())
    return render("queue/panel.html", "queue/_panel.html", stats=stats)


# --- pre-booked visits ----------------------------------------------------------------

def _day_arg() -> date:
    raw = request.values.get("day") or ""
    try:
        return parse_date_ru(raw) if raw else clock.today()
    except ValueError:
        return clock.today()


def _bookings_page(*, day=None, slots_form=None, booking_form=None, error=None, status=200):
    day = day or _day_arg()
    purposes = queries.active_purposes(db.session)
    slots_form = slots_form or SlotsForm(formdata=None, day=day)
    slots_form.purpose_id.choices = choices((p.id, str(p)) for p in purposes)
    return render("queue/bookings.html", day=day, slots=queries.bookings_on(db.session, day=day),
                  slots_form=slots_form, booking_form=booking_form or BookingForm(formdata=None),
                  cancel_form=CancelBookingForm(formdata=None), error=error,
                  now=clock.now(), applicant_id=request.args.get("applicant_id", type=int)), status


@bp.get("/queue/bookings")
@allow(*INTAKE_ROLES)
def bookings():
    return _bookings_page()


def _parse_time(raw: str, field: str):
    try:
        return datetime.strptime((raw or "").strip(), "%H:%M").time()
    except ValueError as exc:
        raise InvalidInput("Время — чч:мм, например 09:30", field=field) from exc


@bp.post("/queue/bookings/slots")
@allow(*INTAKE_ROLES)
def create_slots():
    form = SlotsForm()
    form.purpose_id.choices = choices((p.id, str(p)) for p in queries.active_purposes(db.session))
    if form.validate():
        with form_action(form) as outcome:
            made = services.create_slots(
                db.session, purpose_id=form.purpose_id.data, day=form.day.data,
                start=_parse_time(form.start.data, "start"), end=_parse_time(form.end.data, "end"),
                interval_minutes=form.interval_minutes.data, capacity=form.capacity.data,
                today=clock.today())
        if outcome.ok:
            flash(f"Открыто интервалов записи: {len(made)}")
            return redirect_to(url_for("queue.bookings", day=form.day.data.strftime("%d.%m.%Y")))
        if outcome.message:
            form.form_errors.append(outcome.message)
    return _bookings_page(day=form.day.data, slots_form=form, status=422)


@bp.post("/queue/bookings")
@allow(*INTAKE_ROLES)
def create_booking():
    form = BookingForm()
    if form.validate():
        with form_action() as outcome:
            booking = services.book(
                db.session, slot_id=parse_id(form.slot_id.data) or 0,
                citizen_name=form.citizen_name.data, phone=form.phone.data,
                applicant_id=parse_id(form.applicant_id.data), user_id=current_user.id,
                now=clock.now())
        if outcome.ok:
            return redirect_to(url_for("queue.show_booking", booking_id=booking.id))
        return _bookings_page(booking_form=form, error=outcome.message,
                              status=outcome.error.status_code)
    return _bookings_page(booking_form=form, status=422)


@bp.get("/queue/bookings/<int:booking_id>")
@allow(*INTAKE_ROLES)
@audited_view("booking", "booking_id")
def show_booking(booking_id: int):
    return render("queue/booking.html", booking=queries.get_booking(db.session, booking_id),
                  cancel_form=CancelBookingForm(formdata=None))


@bp.post("/queue/bookings/<int:booking_id>/cancel")
@allow(*INTAKE_ROLES)
def cancel_booking(booking_id: int):
    booking = queries.get_booking(db.session, booking_id)
    form = CancelBookingForm()
    if form.validate():
        with form_action(form, field="reason") as outcome:
            services.cancel_booking(db.session, booking, reason=form.reason.data, now=clock.now())
        if outcome.ok:
            return redirect_to(url_for("queue.show_booking", booking_id=booking.id))
    return render("queue/booking.html", booking=booking, cancel_form=form), 422


# --- settings: purposes, desks, kiosks ------------------------------------------------

def _settings_page(*, purpose_form=None, desk_form=None, kiosk_form=None, status=200,
                   edit_purpose=None, edit_desk=None):
    purposes = queries.all_purposes(db.session)
    desk_form = desk_form or DeskForm(formdata=None, obj=edit_desk)
    desk_form.purpose_ids.choices = choices((p.id, str(p)) for p in purposes)
    if edit_desk is not None and not desk_form.purpose_ids.data:
        desk_form.purpose_ids.data = [p.id for p in edit_desk.purposes]
    return render("queue/settings.html", purposes=purposes, desks=queries.all_desks(db.session),
                  kiosks=queries.all_kiosks(db.session),
                  purpose_form=purpose_form or PurposeForm(formdata=None, obj=edit_purpose),
                  desk_form=desk_form, kiosk_form=kiosk_form or KioskForm(formdata=None),
                  edit_purpose=edit_purpose, edit_desk=edit_desk), status


@bp.get("/queue/settings")
@allow(*SETTINGS_ROLES)
def settings():
    edit_purpose = db.session.get(VisitPurpose, request.args.get("purpose", type=int) or 0)
    edit_desk = db.session.get(Desk, request.args.get("desk", type=int) or 0)
    return _settings_page(edit_purpose=edit_purpose, edit_desk=edit_desk)


@bp.post("/queue/settings/purposes", defaults={"purpose_id": None})
@bp.post("/queue/settings/purposes/<int:purpose_id>")
@allow(*SETTINGS_ROLES)
def save_purpose(purpose_id):
    purpose = queries.get_or_404(db.session, VisitPurpose, purpose_id, "Цель не найдена") \
        if purpose_id else None
    form = PurposeForm()
    if form.validate():
        with form_action(form) as outcome:
            services.save_purpose(
                db.session, purpose=purpose, letter=form.letter.data, name=form.name.data,
                active=form.active.data, position=form.position.data or 0,
                wait_standard_minutes=form.wait_standard_minutes.data,
                booked_wait_standard_minutes=form.booked_wait_standard_minutes.data,
                service_standard_minutes=form.service_standard_minutes.data)
        if outcome.ok:
            return redirect_to(url_for("queue.settings"))
        if outcome.message:
            form.form_errors.append(outcome.message)
    return _settings_page(purpose_form=form, edit_purpose=purpose, status=422)


@bp.post("/queue/settings/desks", defaults={"desk_id": None})
@bp.post("/queue/settings/desks/<int:desk_id>")
@allow(*SETTINGS_ROLES)
def save_desk(desk_id):
    desk = queries.get_or_404(db.session, Desk, desk_id, "Окно не найдено") if desk_id else None
    form = DeskForm()
    form.purpose_ids.choices = choices((p.id, str(p)) for p in queries.all_purposes(db.session))
    if form.validate():
        with form_action(form) as outcome:
            services.save_desk(db.session, desk=desk, number=form.number.data,
                               name=form.name.data or "", purpose_ids=form.purpose_ids.data or [],
                               active=form.active.data)
        if outcome.ok:
            return redirect_to(url_for("queue.settings"))
        if outcome.message:
            form.form_errors.append(outcome.message)
    return _settings_page(desk_form=form, edit_desk=desk, status=422)


@bp.post("/queue/settings/kiosks")
@allow(*SETTINGS_ROLES)
def create_kiosk():
    form = KioskForm()
    if form.validate():
        services.issue_kiosk(db.session, name=form.name.data, user_id=current_user.id,
                             now=clock.now())
        return redirect_to(url_for("queue.settings"))
    return _settings_page(kiosk_form=form, status=422)


@bp.post("/queue/settings/kiosks/<int:kiosk_id>/revoke")
@allow(*SETTINGS_ROLES)
def revoke_kiosk(kiosk_id: int):
    kiosk = queries.get_or_404(db.session, Kiosk, kiosk_id, "Терминал не найден")
    services.revoke_kiosk(db.session, kiosk, now=clock.now())
    return redirect_to(url_for("queue.settings"))

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..applicants.queries import get_applicant
from ..auth.models import User
from ..auth.roles import CHIEF, INTAKE_ROLES, MANAGEMENT_ROLES, SPECIALIST
from ..catalog.models import Service
from ..catalog.queries import find_service
from ..core import clock
from ..core.text import plural_ru
from ..errors import DomainError, InvalidInput
from ..extensions import db
from ..forms_common import choices, parse_id
from ..printsetup.requests import receipt_copies
from ..security.sessions import audit_change, sees_full_pd
from ..web import (
    allow,
    audited_view,
    form_action,
    has_role,
    pdf_response,
    place_error,
    rating_url,
    record_read,
    redirect_to,
    render,
)
from . import documents, queries, services
from .forms import (
    EXTRA_ROWS,
    ApplicationForm,
    CancelForm,
    RegisterFilterForm,
    StatusForm,
    parse_document_lines,
)
from .models import STATUS_FLOW, STATUS_NAMES

bp = Blueprint("intake", __name__, url_prefix="/applications")
# The list page shows the first overdue applications; the whole list is paged (?view=overdue).
OVERDUE_ROWS = 20


def _picker_services():
    """The service picker's list: this specialist's most used services of the year first."""
    return queries.services_by_use(db.session, user_id=current_user.id,
                                   since=clock.now() - timedelta(days=365))


def _selected_service(code: str | None) -> Service | None:
    service = find_service(db.session, code) if code else None
    return service if service is not None and service.active else None


def _form_page(form, *, applicant, service, lines, status=200, error=None,
               fragment="intake/_form.html"):
    return render("intake/new.html", fragment, form=form, applicant=applicant,
                  service=service, lines=lines, extra_rows=EXTRA_ROWS,
                  error=error, picker_services=_picker_services()), status


@bp.get("/")
@allow(*INTAKE_ROLES, *MANAGEMENT_ROLES)
@audited_view("applications")
def list_applications():
    number = (request.args.get("number") or "").strip()
    if number:
        found = queries.find_by_number(db.session, number)
        if found is not None:
            return redirect_to(url_for("intake.show_application", application_id=found.id))
    view = request.args.get("view")
    if view in queries.LIST_TITLES:
        # A home-page list in full (?mine=1: the user's own applications).
        mine = request.args.get("mine") == "1"
        listed = queries.application_page(
            db.session, view, today=clock.today(), user_id=current_user.id if mine else None,
            page=request.args.get("page", 1, type=int))
        return render("intake/list.html", view=view, title=queries.LIST_TITLES[view],
                      mine=mine, listed=listed, number=number)
    apps = queries.recent_for_user(db.session, user_id=current_user.id)
    overdue = queries.application_list(db.session, "overdue", today=clock.today(),
                                       limit=OVERDUE_ROWS)
    return render("intake/list.html", applications=apps, overdue=overdue, number=number,
                  view=None)


@bp.get("/new")
@allow(*INTAKE_ROLES)
def new_application():
    """The intake form; with an htmx request only the service's checklist."""
    form = ApplicationForm(formdata=None)
    form.ensure_key()
    applicant_id = request.args.get("applicant_id", type=int)
    applicant = get_applicant(db.session, applicant_id) if applicant_id else None
    if applicant is not None:
        record_read("view", object_type="applicant", object_id=applicant.id)
    form.applicant_id.data = applicant.id if applicant else ""
    service = _selected_service(request.args.get("service"))
    form.service.data = service.code if service else ""
    lines = services.checklist_lines(service) if service else []
    return _form_page(form, applicant=applicant, service=service, lines=lines,
                      fragment="intake/_checklist.html")


@bp.post("/")
@allow(*INTAKE_ROLES)
def create_application():
    form = ApplicationForm()
    service = _selected_service(form.service.data)
    lines, line_errors = parse_document_lines(request.form, service)
    applicant = _applicant_or_none(form.applicant_id.data)
    valid = form.validate()
    if valid and not line_errors:
        # The same form submitted twice returns the first application (the service).
        with form_action() as outcome:
            application = services.register_application(
                db.session, applicant_id=applicant.id if applicant else 0,
                service_code=form.service.data, documents=lines, user_id=current_user.id,
                now=clock.now(),
                idempotency_key=form.idempotency_key.data,
                representative_name=form.representative_name.data,
                representative_document=form.representative_document.data,
                notes=form.notes.data,
            )
        if outcome.ok:
            return redirect_to(url_for("intake.show_application",
                                       application_id=application.id, registered=1))
        return _form_error(form, outcome.error, applicant, service, lines)
    error = "; ".join(line_errors) if line_errors else None
    return _form_page(form, applicant=applicant, service=service, lines=lines, status=422,
                      error=error)


def _applicant_or_none(raw):
    try:
        return get_applicant(db.session, parse_id(raw) or 0)
    except DomainError:
        return None


def _form_error(form, exc: DomainError, applicant, service, lines):
    """The refused registration's message next to its field, or on top of the form."""
    if exc.field == "idempotency_key":  # a hidden field: the message goes on top
        error = exc.message
    else:
        error = place_error(form, exc)
    return _form_page(form, applicant=applicant, service=service, lines=lines, status=422,
                      error=error)


@bp.get("/<int:application_id>")
@allow(*INTAKE_ROLES, *MANAGEMENT_ROLES)
@audited_view("application", "application_id")
def show_application(application_id: int):
    application = services.get_application(db.session, application_id)
    return _show_page(application, just_registered=request.args.get("registered") == "1")


def _show_page(application, *, status_form=None, cancel_form=None, status=200,
               just_registered=False):
    """The application's page; after a refused action it comes back with the message."""
    return render(
        "intake/show.html", application=application,
        next_statuses=[(s, STATUS_NAMES[s]) for s in STATUS_FLOW[application.status]],
        status_form=status_form or StatusForm(), cancel_form=cancel_form or CancelForm(),
        just_registered=just_registered), status


@bp.post("/<int:application_id>/status")
@allow(*INTAKE_ROLES, *MANAGEMENT_ROLES)
def change_status(application_id: int):
    application = services.get_application(db.session, application_id)
    form = StatusForm()
    if form.validate():
        with form_action(form, field="comment") as outcome:
            services.change_status(db.session, application, to=form.to.data,
                                   user_id=current_user.id, now=clock.now(),
                                   comment=form.comment.data)
        if outcome.ok:
            return redirect_to(url_for("intake.show_application", application_id=application.id))
    return _show_page(application, status_form=form, status=422)


@bp.post("/<int:application_id>/cancel")
@allow(*INTAKE_ROLES, *MANAGEMENT_ROLES)
def cancel(application_id: int):
    application = services.get_application(db.session, application_id)
    form = CancelForm()
    if form.validate():
        with form_action(form, field="reason") as outcome:
            services.cancel_application(db.session, application, reason=form.reason.data,
                                        user_id=current_user.id, now=clock.now())
        if outcome.ok:
            return redirect_to(url_for("intake.show_application", application_id=application.id))
    return _show_page(application, cancel_form=form, status=422)


@bp.get("/<int:application_id>/receipt.pdf")
@allow(*INTAKE_ROLES, *MANAGEMENT_ROLES)
def receipt_pdf(application_id: int):
    application = services.get_application(db.session, application_id,
                                           options=services.FOR_DOCUMENTS)
    copies = receipt_copies()  # ?copies=1|2, else the user's print setup
    pdf = documents.receipt_pdf(application, copies=copies, config=current_app.config,
                                feedback_url=rating_url(application=application),
                                masked=not sees_full_pd())
    filename = f"raspiska-{application.number}.pdf"
    return pdf_response(pdf, filename, kind="receipt", object_type="application", object_id=application_id)  # noqa: E501


def _register_filter():
    form = RegisterFilterForm(request.args)
    specialists = list(db.session.scalars(
        select(User).where(User.role.in_((SPECIALIST, "chief"))).order_by(User.full_name)))
    form.user_id.choices = choices((u.id, u.full_name) for u in specialists)
    form.validate()
    day = form.day.data or clock.today()
    user_id = form.user_id.data if request.args.get("user_id") else current_user.id
    if form.errors:
        raise InvalidInput("; ".join(e for errs in form.errors.values() for e in errs))
    return form, day, db.session.get(User, user_id) or current_user


def _may_mark(user) -> bool:
    """One's own day, or anyone's for the chief (who hands the sector's work over)."""
    return user.id == current_user.id or has_role(CHIEF)


def _applications_word(n: int) -> str:
    return f"{n} {plural_ru(n, ('заявление', 'заявления', 'заявлений'))}"


@bp.get("/register")
@allow(*INTAKE_ROLES, *MANAGEMENT_ROLES)
def transfer_register():
    """The day's transfer register (реестр передачи заявлений в отдел)."""
    form, day, user = _register_filter()
    form.day.data, form.user_id.data = day, user.id
    apps = queries.accepted_on(db.session, user_id=user.id, day=day)
    register_id = f"{day.isoformat()}/{user.id}"
    response = render("intake/register.html", form=form, day=day, user=user,
                      applications=apps,
                      to_transfer=len(services.to_transfer(db.session, user_id=user.id,
                                                           day=day)),
                      applications_word=_applications_word, may_mark=_may_mark(user))
    record_read("view", object_type="register", object_id=register_id)
    return response


@bp.get("/register.pdf")
@allow(*INTAKE_ROLES, *MANAGEMENT_ROLES)
def transfer_register_pdf():
    _form, day, user = _register_filter()
    apps = [a for a in queries.accepted_on(db.session, user_id=user.id, day=day)
            if a.status != "cancelled"]
    pdf = documents.transfer_register_pdf(apps, day=day, user=user, config=current_app.config)
    filename = f"reestr-{day.isoformat()}-{user.username}.pdf"
    return pdf_response(pdf, filename, kind="transfer_register", object_type="register", object_id=f"{day.isoformat()}/{user.id}")  # noqa: E501


@bp.post("/register/transfer")
@allow(*INTAKE_ROLES, *MANAGEMENT_ROLES)
def transfer_register_mark():
    _form, day, user = _register_filter()
    back = url_for("intake.transfer_register", day=day.isoformat(), user_id=user.id)
    expected = request.form.get("expected", "")
    try:
        if not _may_mark(user):
            raise InvalidInput("Отметить передачу за день другого специалиста может только "
                               "главный специалист: ничего не отмечено.")
        if not (expected.isascii() and expected.isdigit() and len(expected) <= 6):
            raise InvalidInput("Количество не подтверждено: ничего не отмечено.")
        moved = services.transfer_day(db.session, user_id=user.id, day=day,
                                      now=clock.now(), acting_user_id=current_user.id,
                                      expected=int(expected))
    except DomainError as exc:  # raised before anything is written
        flash(exc.message)
        return redirect_to(back)
    audit_change("update", object_type="register", object_id=f"{day.isoformat()}/{user.id}",
                 details=f"передано в отдел: {len(moved)}")
    flash(f"Передано в отдел заявлений: {len(moved)}")
    return redirect_to(back)

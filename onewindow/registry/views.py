"""Deadline registries: the "Сроки" page, requests, appeals, notices, assignments,
acknowledgements and handovers."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..applicants.queries import search_applicants
from ..auth.roles import CHIEF, DEADLINE_ROLES, DIRECTOR, INTAKE_ROLES, MANAGEMENT_ROLES
from ..core import clock
from ..errors import NotFound
from ..events import template_hook
from ..extensions import db
from ..forms_common import choices, parse_id
from ..intake.services import get_application
from ..web import (
    after_commit,
    allow,
    audited_view,
    form_action,
    has_role,
    pdf_response,
    redirect_to,
    render,
)
from . import documents, handover, holdings, notices, queries, services
from .config import REQUEST_TYPES, types_for
from .forms import (
    AckDocumentForm,
    AcknowledgeForm,
    AckVersionForm,
    AnswerForm,
    AppealForm,
    AssignmentForm,
    BulkReceivedForm,
    CancelForm,
    ControlForm,
    CorrespondentForm,
    ExtendForm,
    ForwardForm,
    HandoverForm,
    IncomingRequestForm,
    NoticeForm,
    OutgoingRequestForm,
    PauseForm,
    ReceivedForm,
    ResultForm,
    ResumeForm,
)
from .models import Appeal, DecisionNotice, Request

bp = Blueprint("registry", __name__, url_prefix="/registry")

STAFF = (*INTAKE_ROLES, *MANAGEMENT_ROLES)
OFFICE_WIDE = (CHIEF, DIRECTOR)



def _office_wide() -> bool:
    return has_role(*OFFICE_WIDE)


def _staff_choices(empty: str | None = "— не назначен —"):
    rows = [(u.id, u.full_name) for u in queries.staff(db.session)]
    return choices(([("", empty)] if empty is not None else []) + rows)


@template_hook.connect_via("nav-deadlines")
def _nav_deadlines(_name, **_kwargs):
    """The header's «Сроки» link: what this person must act on today (their own overdue
    and due-today items; the chief's office-wide view is on the page, not in the badge)."""
    if not has_role(*DEADLINE_ROLES):
        return None
    urgent = queries.urgent_count(db.session, today=clock.today(), user_id=current_user.id)
    return render_template("registry/_nav_deadlines.html", urgent=urgent)


# -------------------------------------------------------------------------- Сроки

def _board_filter() -> dict:
    """The board's filter from the query string, as it goes back into its links."""
    args = request.args
    wide = _office_wide()
    return {"kind": args.get("kind") if args.get("kind") in queries.BOARD_GROUPS else None,
            "when": args.get("when") if args.get("when") in queries.BOARD_WHEN else None,
            "status": args.get("status") if args.get("status") in queries.BOARD_STATUS else None,
            "user_id": args.get("user_id", type=int) if wide else None,
            "mine": "1" if wide and args.get("mine") == "1" else None,
            "order": "desc" if args.get("order") == "desc" else None}


def _deadlines_page(*, status: int = 200, received_form=None, error=None):
    filters = _board_filter()
    page = request.args.get("page", 1, type=int)
    office = _office_wide() and not filters["mine"] and not filters["user_id"]
    holder = filters["user_id"] or (None if office else current_user.id)
    board = queries.deadline_board(db.session, today=clock.today(), user_id=holder,
                                   kind=filters["kind"], when=filters["when"] or "soon",
                                   status=filters["status"], page=page,
                                   descending=filters["order"] == "desc")
    people = {u.id: u for u in queries.staff(db.session)}
    received_form = received_form or BulkReceivedForm(formdata=None, on=clock.today())
    response = render("registry/deadlines.html", "registry/_board.html", board=board,
                      office=office, people=people, filters=filters,
                      args={k: v for k, v in filters.items() if v},
                      kinds=queries.BOARD_GROUPS, whens=queries.BOARD_WHEN,
                      statuses=queries.BOARD_STATUS,
                      received_form=received_form, error=error,
                      pending_acks=queries.pending_acks(db.session, user_id=current_user.id))
    return response, status


@bp.get("/deadlines")
@allow()
@audited_view("deadlines")
def deadlines():
    return _deadlines_page()


@bp.post("/deadlines/received")
@allow(*STAFF)
def answers_received():
    """Mark the ticked outgoing requests answered, all at once (one date)."""
    form = BulkReceivedForm()
    error = None
    if form.validate():
        with form_action(form, field="on") as outcome:
            services.record_answers_received(
                db.session, request.form.getlist("ids", type=int), on=form.on.data,
                user_id=current_user.id, now=clock.now())
        if outcome.ok:
            return redirect_to(url_for("registry.deadlines", **_board_filter()))
        error = outcome.message
    return _deadlines_page(status=422, received_form=form, error=error)


# -------------------------------------------------------------------------- запросы

@bp.get("/requests")
@allow(*STAFF)
def list_requests():
    direction = "out" if request.args.get("direction") == "out" else "in"
    status = request.args.get("status")
    listed = queries.list_requests(db.session, direction=direction, status=status,
                                   page=request.args.get("page", 1, type=int))
    return render("registry/requests.html", listed=listed, direction=direction,
                  status=status, today=clock.today(), types=REQUEST_TYPES)


def _request_form(direction: str, form=None):
    form = form or (IncomingRequestForm() if direction == "in" else OutgoingRequestForm())
    form.type_code.choices = choices([("", "— вид запроса —")] + [
        (t.code, f"{t.name} ({t.term.label if t.term else 'срок по запросу'})")
        for t in types_for(direction)])
    form.correspondent_id.choices = choices([("", "— выберите из справочника —")] + [
        (c.id, f"{c.name} ({c.kind_name})") for c in queries.correspondents(db.session)])
    if direction == "in":
        form.assigned_to_id.choices = _staff_choices()
    return form


@bp.get("/requests/new")
@allow(*STAFF)
def new_request():
    direction = "out" if request.args.get("direction") == "out" else "in"
    form = _request_form(direction, IncomingRequestForm(formdata=None) if direction == "in"
                         else OutgoingRequestForm(formdata=None))
    if direction == "in":
        form.received_on.data = clock.today()
        form.assigned_to_id.data = current_user.id
    applicant_id = request.args.get("applicant_id", type=int)
    form.applicant_ids.data = [applicant_id] if applicant_id else []
    return _request_new_page(form, direction)


def _request_new_page(form, direction: str, error=None):
    chosen = queries.applicants_by_ids(db.session, form.applicant_ids.data or [])
    return render("registry/request_new.html", form=form, direction=direction, error=error,
                  chosen_applicants=chosen)


@bp.get("/applicant-lookup")
@allow(*STAFF)
def applicant_lookup():
    """Applicants found by СНИЛС or ФИО, as options to add to a request (htmx)."""
    pick = request.args.get("pick", type=int)
    if pick:
        chosen = queries.applicants_by_ids(db.session, [pick])
        return render_template("registry/_applicant_chosen.html", applicants=chosen)
    q = request.args.get("applicant_q", "")
    return render_template("registry/_applicant_options.html",
                           applicants=search_applicants(db.session, q, limit=10), q=q)


@bp.get("/document-lookup")
@allow(*STAFF)
def document_lookup():
    """Documents whose number starts with what is typed, as the link field's options (htmx)."""
    found = queries.documents_by_number(db.session, request.args.get("link", ""))
    return render_template("registry/_document_options.html", documents=found)


@bp.post("/requests")
@allow(*STAFF)
def create_request():
    direction = "out" if request.form.get("direction") == "out" else "in"
    form = _request_form(direction)
    error = None
    if form.validate():
        with form_action(form) as outcome:
            if direction == "in":
                req = services.register_incoming_request(
                    db.session, type_code=form.type_code.data,
                    correspondent_id=form.correspondent_id.data, channel=form.channel.data,
                    received_on=form.received_on.data, subject=form.subject.data,
                    user_id=current_user.id, now=clock.now(), their_number=form.their_number.data,
                    their_date=form.their_date.data, stated_due=form.stated_due.data,
                    applicant_ids=form.applicant_ids.data or [],
                    persons_text=form.persons_text.data, attachments=form.attachments.data,
                    assigned_to_id=form.assigned_to_id.data)
            else:
                req = services.register_outgoing_request(
                    db.session, type_code=form.type_code.data,
                    correspondent_id=form.correspondent_id.data, channel=form.channel.data,
                    subject=form.subject.data, user_id=current_user.id, now=clock.now(),
                    applicant_ids=form.applicant_ids.data or [],
                    persons_text=form.persons_text.data, expected_on=form.expected_on.data)
        if outcome.ok:
            return redirect_to(url_for("registry.show_request", request_id=req.id))
        error = outcome.message
    return _request_new_page(form, direction, error), 422


def _request_page(req: Request, *, status=200, error=None, **forms):
    defaults = {
        "answer_form": AnswerForm(formdata=None, text=services.answer_template(
            req, institution=current_app.config["INSTITUTION_SHORT_NAME"])
            if req.direction == "in" and not req.answer_text else req.answer_text),
        "forward_form": ForwardForm(formdata=None), "pause_form": PauseForm(formdata=None),
        "resume_form": ResumeForm(formdata=None), "received_form": ReceivedForm(formdata=None),
        "cancel_form": CancelForm(formdata=None),
    }
    defaults.update(forms)
    return render("registry/request.html", req=req, error=error,
                  history=holdings.history(db.session, kind="request", item_id=req.id),
                  rtype=REQUEST_TYPES.get(req.type_code), today=clock.today(), **defaults), status


@bp.get("/requests/<int:request_id>")
@allow(*STAFF)
@audited_view("registry_request", "request_id")
def show_request(request_id: int):
    return _request_page(services.get_request(db.session, request_id))


def _object_action(load, page, show_url, form_cls, form_name: str, action):
    """Validate a form and run ``action`` on the loaded object; or re-show with errors."""
    obj = load()
    form = form_cls()
    error = None
    if form.validate():
        with form_action(form) as outcome:
            action(obj, form)
        if outcome.ok:
            return redirect_to(show_url)
        error = outcome.message
    return page(obj, status=422, error=error, **{form_name: form})


def _request_action(request_id: int, form_cls, form_name: str, action):
    return _object_action(
        lambda: services.get_request(db.session, request_id), _request_page,
        url_for("registry.show_request", request_id=request_id), form_cls, form_name, action)


@bp.post("/requests/<int:request_id>/take")
@allow(*STAFF)
def take_request(request_id: int):
    req = services.get_request(db.session, request_id)
    services.take_request(db.session, req, user_id=current_user.id, now=clock.now())
    return redirect_to(url_for("registry.show_request", request_id=req.id))


@bp.post("/requests/<int:request_id>/answer")
@allow(*STAFF)
def answer_request(request_id: int):
    return _request_action(request_id, AnswerForm, "answer_form", lambda req, f: (
        services.answer_request(db.session, req, text=f.text.data, signed_by=f.signed_by.data,
                                user_id=current_user.id, now=clock.now())))


@bp.post("/requests/<int:request_id>/forward")
@allow(*STAFF)
def forward_request(request_id: int):
    return _request_action(request_id, ForwardForm, "forward_form", lambda req, f: (
        services.forward_request(db.session, req, to=f.to.data, user_id=current_user.id,
                                 now=clock.now())))


@bp.post("/requests/<int:request_id>/pause")
@allow(*STAFF)
def pause_request(request_id: int):
    return _request_action(request_id, PauseForm, "pause_form", lambda req, f: (
        services.pause_request(db.session, req, reason=f.reason.data, on=f.on.data,
                               user_id=current_user.id)))


@bp.post("/requests/<int:request_id>/resume")
@allow(*STAFF)
def resume_request(request_id: int):
    return _request_action(request_id, ResumeForm, "resume_form", lambda req, f: (
        services.resume_request(db.session, req, on=f.on.data, user_id=current_user.id)))


@bp.post("/requests/<int:request_id>/received")
@allow(*STAFF)
def answer_received(request_id: int):
    return _request_action(request_id, ReceivedForm, "received_form", lambda req, f: (
        services.record_answer_received(db.session, req, number=f.number.data, on=f.on.data,
                                        text=f.text.data, user_id=current_user.id,
                                        now=clock.now())))


@bp.post("/requests/<int:request_id>/cancel")
@allow(*STAFF)
def cancel_request(request_id: int):
    return _request_action(request_id, CancelForm, "cancel_form", lambda req, f: (
        services.cancel_request(db.session, req, reason=f.reason.data, user_id=current_user.id,
                                now=clock.now())))


@bp.get("/requests/<int:request_id>/letter.pdf")
@allow(*STAFF)
def request_letter(request_id: int):
    req = services.get_request(db.session, request_id)
    if req.direction == "out":
        pdf = documents.outgoing_request_pdf(req, config=current_app.config)
        return pdf_response(pdf, f"zapros-{req.number}.pdf", kind="registry_request", object_type="registry_request", object_id=req.id)  # noqa: E501
    if req.status not in ("answered", "forwarded"):
        raise NotFound("Ответ на запрос ещё не подготовлен")
    pdf = documents.request_answer_pdf(req, config=current_app.config,
                                       executor=req.assigned_to)
    return pdf_response(pdf, f"otvet-{req.answer_number}.pdf", kind="registry_answer", object_type="registry_request", object_id=req.id)  # noqa: E501


@bp.get("/correspondents")
@allow(*STAFF)
def correspondents():
    return render("registry/correspondents.html", form=CorrespondentForm(formdata=None),
                  rows=queries.correspondents(db.session))


@bp.post("/correspondents")
@allow(*STAFF)
def add_correspondent():
    form = CorrespondentForm()
    if form.validate():
        with form_action(form, field="name") as outcome:
            services.add_correspondent(db.session, name=form.name.data, kind=form.kind.data,
                                       address=form.address.data, email=form.email.data)
        if outcome.ok:
            return redirect_to(url_for("registry.correspondents"))
    return render("registry/correspondents.html", form=form,
                  rows=queries.correspondents(db.session)), 422


# ------------------------------------------------------------------------ appeals

@bp.get("/appeals")
@allow(*STAFF)
def list_appeals():
    open_only = request.args.get("open") == "1"
    listed = queries.list_appeals(db.session, open_only=open_only,
                                  page=request.args.get("page", 1, type=int))
    return render("registry/appeals.html", listed=listed, open_only=open_only,
                  today=clock.today())


def _appeal_form(form=None):
    form = form or AppealForm()
    form.assigned_to_id.choices = _staff_choices()
    form.responsible_id.choices = _staff_choices()
    return form


@bp.get("/appeals/new")
@allow(*STAFF)
def new_appeal():
    form = _appeal_form(AppealForm(formdata=None))
    form.received_on.data = clock.today()
    form.assigned_to_id.data = current_user.id
    return render("registry/appeal_new.html", form=form, error=None)


@bp.post("/appeals")
@allow(*STAFF)
def create_appeal():
    form = _appeal_form()
    error = None
    if form.validate():
        with form_action(form) as outcome:
            appeal = services.register_appeal(
                db.session, received_on=form.received_on.data, channel=form.channel.data,
                kind=form.kind.data, subject=form.subject.data, text=form.text.data,
                user_id=current_user.id, now=clock.now(), anonymous=form.anonymous.data,
                surname=form.surname.data, name=form.name.data,
                patronymic=form.patronymic.data, sex=form.sex.data or None,
                address=form.address.data, email=form.email.data,
                applicant_id=parse_id(form.applicant_id.data),
                assigned_to_id=form.assigned_to_id.data,
                responsible_id=form.responsible_id.data,
                parent_number=form.parent_number.data or None,
                confirm_late=form.confirm_late.data)
        if outcome.ok:
            return redirect_to(url_for("registry.show_appeal", appeal_id=appeal.id))
        error = outcome.message
    return render("registry/appeal_new.html", form=form, error=error), 422


def _appeal_page(appeal: Appeal, *, status=200, error=None, **forms):
    defaults = {"answer_form": AnswerForm(formdata=None), "extend_form": ExtendForm(formdata=None),
                "forward_form": ForwardForm(formdata=None),
                "cancel_form": CancelForm(formdata=None)}
    defaults.update(forms)
    return render("registry/appeal.html", appeal=appeal, error=error,
                  chain=queries.repeated_chain(db.session, appeal), today=clock.today(),
                  history=holdings.history(db.session, kind="appeal", item_id=appeal.id),
                  **defaults), status


@bp.get("/appeals/<int:appeal_id>")
@allow(*STAFF)
@audited_view("appeal", "appeal_id")
def show_appeal(appeal_id: int):
    return _appeal_page(services.get_appeal(db.session, appeal_id))


def _appeal_action(appeal_id: int, form_cls, form_name: str, action):
    return _object_action(
        lambda: services.get_appeal(db.session, appeal_id), _appeal_page,
        url_for("registry.show_appeal", appeal_id=appeal_id), form_cls, form_name, action)


@bp.post("/appeals/<int:appeal_id>/take")
@allow(*STAFF)
def take_appeal(appeal_id: int):
    appeal = services.get_appeal(db.session, appeal_id)
    services.take_appeal(db.session, appeal, user_id=current_user.id, now=clock.now())
    return redirect_to(url_for("registry.show_appeal", appeal_id=appeal.id))


@bp.post("/appeals/<int:appeal_id>/answer")
@allow(*STAFF)
def answer_appeal(appeal_id: int):
    return _appeal_action(appeal_id, AnswerForm, "answer_form", lambda a, f: (
        services.answer_appeal(db.session, a, text=f.text.data, signed_by=f.signed_by.data,
                               user_id=current_user.id, now=clock.now(),
                               complaint_result=f.complaint_result.data or None)))


@bp.post("/appeals/<int:appeal_id>/extend")
@allow(*MANAGEMENT_ROLES)
def extend_appeal(appeal_id: int):
    return _appeal_action(appeal_id, ExtendForm, "extend_form", lambda a, f: (
        services.extend_appeal(db.session, a, days=f.days.data, reason=f.reason.data,
                               user_id=current_user.id, now=clock.now())))


@bp.post("/appeals/<int:appeal_id>/forward")
@allow(*STAFF)
def forward_appeal(appeal_id: int):
    return _appeal_action(appeal_id, ForwardForm, "forward_form", lambda a, f: (
        services.forward_appeal(db.session, a, to=f.to.data, user_id=current_user.id,
                                now=clock.now())))


@bp.post("/appeals/<int:appeal_id>/cancel")
@allow(*MANAGEMENT_ROLES)
def cancel_appeal(appeal_id: int):
    return _appeal_action(appeal_id, CancelForm, "cancel_form", lambda a, f: (
        services.cancel_appeal(db.session, a, reason=f.reason.data, user_id=current_user.id,
                               now=clock.now())))


@bp.get("/appeals/<int:appeal_id>/<any(answer, extension, forward):kind>.pdf")
@allow(*STAFF)
def appeal_letter(appeal_id: int, kind: str):
    appeal = services.get_appeal(db.session, appeal_id)
    ready = {"answer": appeal.status == "answered", "extension": appeal.extended,
             "forward": appeal.status == "forwarded"}[kind]
    if appeal.anonymous or not ready:
        raise NotFound("Письмо по этому обращению не формируется")
    pdf = documents.appeal_letter_pdf(appeal, kind=kind, config=current_app.config)
    return pdf_response(pdf, f"{kind}-{appeal.number}.pdf", kind="appeal_letter", object_type="appeal", object_id=appeal.id)  # noqa: E501


# ------------------------------------------------- applications: answers and notices

@bp.get("/applications/<int:application_id>")
@allow(*STAFF)
@audited_view("application", "application_id")
def application_registry(application_id: int):
    application = get_application(db.session, application_id)
    return _application_page(application)


def _application_page(application, *, form=None, status=200, error=None):
    form = form or NoticeForm(formdata=None, email=application.applicant.email)
    return render(
        "registry/application.html", application=application, form=form, error=error,
        requests=queries.application_requests(db.session, application.id),
        waiting=queries.awaited_answers(db.session, application.id),
        notices=list(db.session.scalars(select(DecisionNotice).where(
            DecisionNotice.application_id == application.id))),
        history=holdings.history(db.session, kind="application", item_id=application.id),
        holder_id=holdings.current_holder_id(db.session, kind="application",
                                             item_id=application.id),
        people={u.id: u for u in queries.staff(db.session)}, today=clock.today()), status


@bp.post("/applications/<int:application_id>/interagency")
@allow(*STAFF)
def send_interagency(application_id: int):
    application = get_application(db.session, application_id)
    created = services.create_interagency_requests(db.session, application, current_user.id,
                                                   clock.now())
    flash(f"Направлено межведомственных запросов: {len(created)}")
    return redirect_to(url_for("registry.application_registry", application_id=application_id))


@bp.post("/applications/<int:application_id>/notice")
@allow(*STAFF)
def create_notice(application_id: int):
    application = get_application(db.session, application_id)
    form = NoticeForm()
    error = None
    if form.validate():
        with form_action(form) as outcome:
            notice = notices.record_decision_notice(
                db.session, application, user_id=current_user.id, now=clock.now(),
                email_consent=form.email_consent.data, email=form.email.data)
        if outcome.ok:
            if notice.status == "pending":
                _send(notice)
            return redirect_to(url_for("registry.application_registry",
                                       application_id=application_id))
        error = outcome.message
    return _application_page(application, form=form, status=422, error=error)


def _send(notice) -> None:
    """Send one notice by e-mail once the request is committed: the SMTP exchange holds no
    database lock, and its result (success or failure) is recorded right after."""
    notices.check_sendable(notice)
    config, notice_id = current_app.config, notice.id

    def send():
        sending = db.session.get(DecisionNotice, notice_id)
        ok, detail = notices.send_email(
            sending, settings=notices.smtp_settings(config),
            pdf=documents.decision_notice_pdf(sending, config=config),
            institution=config["INSTITUTION_NAME"])
        flash("Уведомление отправлено по e-mail" if ok
              else "Не удалось отправить уведомление: " + detail)
        return lambda session: notices.record_attempt(
            session, session.get(DecisionNotice, notice_id), ok=ok, detail=detail,
            now=clock.now())

    after_commit(send)


@bp.get("/notices")
@allow(*STAFF)
@audited_view("notices")
def list_notices():
    return render("registry/notices.html", listed=queries.list_notices(
        db.session, page=request.args.get("page", 1, type=int)))


@bp.post("/notices/<int:notice_id>/send")
@allow(*STAFF)
def send_notice(notice_id: int):
    notice = db.session.get(DecisionNotice, notice_id)
    if notice is None:
        raise NotFound("Уведомление не найдено")
    _send(notice)
    return redirect_to(request.form.get("next") or url_for("registry.list_notices"))


@bp.get("/notices/<int:notice_id>.pdf")
@allow(*STAFF)
def notice_pdf(notice_id: int):
    notice = db.session.get(DecisionNotice, notice_id)
    if notice is None:
        raise NotFound("Уведомление не найдено")
    return pdf_response(documents.decision_notice_pdf(notice, config=current_app.config),
                        f"uvedomlenie-{notice.number}.pdf", kind="decision_notice", object_type="notice", object_id=notice.id)  # noqa: E501


# -------------------------------------------------------------------- assignments

def _assignment_form(form=None):
    form = form or AssignmentForm()
    form.assignee_id.choices = _staff_choices("— выберите исполнителя —")
    return form


@bp.get("/assignments")
@allow()
def list_assignments():
    form = _assignment_form(AssignmentForm(formdata=None)) if has_role(*MANAGEMENT_ROLES) \
        else None
    listed = queries.list_assignments(db.session, user_id=None if _office_wide()
                                      else current_user.id,
                                      page=request.args.get("page", 1, type=int))
    return render("registry/assignments.html", listed=listed, form=form, today=clock.today())


@bp.post("/assignments")
@allow(*MANAGEMENT_ROLES)
def create_assignment():
    form = _assignment_form()
    if form.validate():
        with form_action(form, field="text") as outcome:
            row = services.create_assignment(
                db.session, text=form.text.data, due_date=form.due_date.data,
                assignee_id=form.assignee_id.data, author_id=current_user.id, now=clock.now(),
                link=form.link.data, on_control=form.on_control.data)
        if outcome.ok:
            return redirect_to(url_for("registry.show_assignment", assignment_id=row.id))
    listed = queries.list_assignments(db.session, user_id=None)
    return render("registry/assignments.html", listed=listed, form=form,
                  today=clock.today()), 422


def _link_url(link: str | None) -> str | None:
    if not link or ":" not in link:
        return None
    kind, item_id = link.split(":", 1)
    endpoint = {"application": ("intake.show_application", "application_id"),
                "request": ("registry.show_request", "request_id"),
                "appeal": ("registry.show_appeal", "appeal_id")}.get(kind)
    return url_for(endpoint[0], **{endpoint[1]: int(item_id)}) if endpoint else None


@bp.get("/assignments/<int:assignment_id>")
@allow()
def show_assignment(assignment_id: int, result_form=None, control_form=None, status=200):
    row = services.get_assignment(db.session, assignment_id)
    return render("registry/assignment.html", row=row, link_url=_link_url(row.link),
                  link_label=queries.link_label(db.session, row.link),
                  result_form=result_form or ResultForm(formdata=None),
                  control_form=control_form or ControlForm(formdata=None),
                  history=holdings.history(db.session, kind="assignment", item_id=row.id),
                  today=clock.today()), status


@bp.post("/assignments/<int:assignment_id>/done")
@allow()
def complete_assignment(assignment_id: int):
    row = services.get_assignment(db.session, assignment_id)
    form = ResultForm()
    if row.assignee_id != current_user.id and not has_role(*MANAGEMENT_ROLES):
        raise NotFound("Поручение не найдено")
    if form.validate():
        with form_action(form) as outcome:
            services.complete_assignment(db.session, row, result=form.result.data,
                                         user_id=current_user.id, now=clock.now())
        if outcome.ok:
            return redirect_to(url_for("registry.show_assignment", assignment_id=row.id))
        if outcome.message:  # "already closed": the card shows no result form to carry it
            flash(outcome.message)
    return show_assignment(assignment_id, result_form=form, status=422)


@bp.post("/assignments/<int:assignment_id>/close")
@allow(*MANAGEMENT_ROLES)
def close_assignment(assignment_id: int):
    row = services.get_assignment(db.session, assignment_id)
    form = ControlForm()
    form.validate()
    services.close_assignment(db.session, row, mark=form.mark.data, user_id=current_user.id,
                              now=clock.now())
    return redirect_to(url_for("registry.show_assignment", assignment_id=row.id))


# -------------------------------------------------------------- acknowledgements

def _ack_form(form=None):
    form = form or AckDocumentForm()
    form.addressee_ids.choices = _staff_choices(None)
    return form


@bp.get("/acks")
@allow()
def list_acks():
    form = _ack_form(AckDocumentForm(formdata=None)) if has_role(*MANAGEMENT_ROLES) else None
    return render("registry/acks.html", docs=queries.list_ack_documents(db.session), form=form,
                  pending={d.id for d in queries.pending_acks(db.session,
                                                              user_id=current_user.id)})


@bp.post("/acks")
@allow(*MANAGEMENT_ROLES)
def publish_ack():
    form = _ack_form()
    if form.validate():
        with form_action(form, field="title") as outcome:
            doc = services.publish_ack_document(
                db.session, title=form.title.data, kind=form.kind.data, text=form.text.data,
                addressee_ids=form.addressee_ids.data, user_id=current_user.id, now=clock.now())
        if outcome.ok:
            return redirect_to(url_for("registry.show_ack", document_id=doc.id))
    return render("registry/acks.html", docs=queries.list_ack_documents(db.session), form=form,
                  pending=set()), 422


@bp.get("/acks/<int:document_id>")
@allow()
def show_ack(document_id: int, version_form=None, status=200, error=None):
    doc = services.get_ack_document(db.session, document_id)
    version_no = request.args.get("version", type=int)
    shown = next((v for v in doc.versions if v.number == version_no), doc.current)
    mine = next((a for a in doc.current.acknowledgements if a.user_id == current_user.id), None)
    return render("registry/ack.html", doc=doc, shown=shown, log=queries.ack_log(doc),
                  mine=mine, is_addressee=current_user.id in {u.id for u in doc.addressees},
                  ack_form=AcknowledgeForm(formdata=None, version_id=doc.current.id),
                  version_form=version_form or AckVersionForm(formdata=None,
                                                              text=doc.current.text),
                  error=error), status


@bp.post("/acks/<int:document_id>/acknowledge")
@allow()
def acknowledge(document_id: int):
    doc = services.get_ack_document(db.session, document_id)
    form = AcknowledgeForm()
    with form_action() as outcome:  # the message is shown on top, whatever field it names
        services.acknowledge(db.session, doc, user_id=current_user.id,
                             version_id=parse_id(form.version_id.data) or 0, now=clock.now())
    if not outcome.ok:
        return show_ack(document_id, status=409, error=outcome.message)
    return redirect_to(url_for("registry.show_ack", document_id=doc.id))


@bp.post("/acks/<int:document_id>/versions")
@allow(*MANAGEMENT_ROLES)
def publish_ack_version(document_id: int):
    doc = services.get_ack_document(db.session, document_id)
    form = AckVersionForm()
    if form.validate():
        with form_action(form, field="text") as outcome:
            services.publish_ack_version(db.session, doc, text=form.text.data,
                                         change_note=form.change_note.data, now=clock.now())
        if outcome.ok:
            return redirect_to(url_for("registry.show_ack", document_id=doc.id))
    return show_ack(document_id, version_form=form, status=422)


# ---------------------------------------------------------------------- handovers

def _handover_form(form=None):
    form = form or HandoverForm()
    form.leaver_id.choices = _staff_choices("— кто передаёт —")
    form.receiver_id.choices = _staff_choices("— кто принимает —")
    return form


@bp.get("/handovers")
@allow(*MANAGEMENT_ROLES)
def list_handovers():
    return render("registry/handovers.html", listed=queries.list_handovers(
        db.session, page=request.args.get("page", 1, type=int)))


@bp.get("/handovers/new")
@allow(*MANAGEMENT_ROLES)
def new_handover():
    form = _handover_form(HandoverForm(formdata=None))
    leaver_id = request.args.get("leaver_id", type=int)
    form.leaver_id.data = leaver_id
    form.starts_on.data = clock.today()
    items = handover.held_items(db.session, leaver_id) if leaver_id else []
    return render("registry/handover_new.html", "registry/_held_items.html", form=form,
                  items=items, chosen=None, leaver_id=leaver_id, error=None)


@bp.post("/handovers")
@allow(*MANAGEMENT_ROLES)
def create_handover():
    form = _handover_form()
    error = None
    keys = request.form.getlist("items")
    if form.validate():
        with form_action(form) as outcome:
            row = handover.create_handover(
                db.session, leaver_id=form.leaver_id.data, receiver_id=form.receiver_id.data,
                reason=form.reason.data, starts_on=form.starts_on.data,
                ends_on=form.ends_on.data, user_id=current_user.id, now=clock.now(),
                keys=None if form.scope.data == "all" else keys,
                approved_by_id=current_user.id if has_role(CHIEF) else None)
        if outcome.ok:
            return redirect_to(url_for("registry.show_handover", handover_id=row.id))
        error = outcome.message
    items = handover.held_items(db.session, form.leaver_id.data) if form.leaver_id.data else []
    return render("registry/handover_new.html", form=form, items=items, chosen=set(keys),
                  leaver_id=form.leaver_id.data, error=error), 422


@bp.get("/handovers/<int:handover_id>")
@allow(*MANAGEMENT_ROLES)
@audited_view("handover", "handover_id")
def show_handover(handover_id: int):
    row = handover.get_handover(db.session, handover_id)
    return render("registry/handover.html", row=row, today=clock.today(), error=None)


@bp.post("/handovers/<int:handover_id>/apply")
@allow(*MANAGEMENT_ROLES)
def apply_handover(handover_id: int):
    """A planned handover takes effect now (on or after its date)."""
    row = handover.get_handover(db.session, handover_id)
    with form_action() as outcome:
        handover.apply_handover(db.session, row, now=clock.now())
    if outcome.ok:
        flash(f"Дела переданы: {len(row.items)}")
        return redirect_to(url_for("registry.show_handover", handover_id=row.id))
    return render("registry/handover.html", row=row, today=clock.today(),
                  error=outcome.message), 409


@bp.post("/handovers/<int:handover_id>/take-back")
@allow(*MANAGEMENT_ROLES)
def take_back(handover_id: int):
    row = handover.get_handover(db.session, handover_id)
    returned = handover.take_back(db.session, row, user_id=current_user.id, now=clock.now())
    flash(f"Возвращено дел: {len(returned)}")
    return redirect_to(url_for("registry.show_handover", handover_id=row.id))


@bp.get("/handovers/<int:handover_id>/act.pdf")
@allow(*MANAGEMENT_ROLES)
def handover_act(handover_id: int):
    row = handover.get_handover(db.session, handover_id)
    return pdf_response(documents.handover_act_pdf(row, config=current_app.config),
                        f"akt-peredachi-{row.id}.pdf", kind="handover_act", object_type="handover", object_id=row.id)  # noqa: E501

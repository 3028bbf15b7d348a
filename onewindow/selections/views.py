from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..auth.roles import CHIEF, SPECIALIST
from ..core import clock
from ..core.filetypes import client_filename
from ..core.tables import ENCODINGS, FORMATS, FileProblem, encoding_note, preview, sample_lines
from ..core.text import format_date
from ..errors import Conflict, InvalidInput
from ..events import template_hook
from ..extensions import db
from ..forms_common import choices, parse_id
from ..hooks import too_large_on_form
from ..security.sessions import audit_change
from ..uploads import generated_name, upload_dir
from ..web import (
    after_commit,
    after_rollback,
    allow,
    export_response,
    form_action,
    has_role,
    pdf_response,
    redirect_to,
    render,
    wants_fragment,
    write_at_edge,
)
from . import documents, jobs, queries, services
from .forms import CancelForm, MappingForm, OutcomeForm, ProfileForm, UploadForm
from .models import FIELDS, OUTCOMES, MappingProfile
from .parsing import guess_mapping

bp = Blueprint("selections", __name__, url_prefix="/selections")
ROLES = (SPECIALIST, CHIEF)
STATES = {"pending": "не отработаны", "candidates": "ждут подтверждения",
          "processed": "отработаны", "rejected": "отклонены", "all": "все"}


@template_hook.connect_via("applicant-selection-hits")
def _applicant_hits(_name, *, applicant, **_kwargs):
    """The applicant card's hits of the Pension Fund's and Employment Centre's lists."""
    if not has_role(*ROLES):
        return None
    return render_template("selections/_applicant_hits.html", applicant=applicant,
                           sel_hits=queries.applicant_hits(db.session, applicant.id))


def _start_job(job_id: int) -> None:
    """Start the import thread once the job row is committed (the thread reads it)."""
    app = current_app._get_current_object()
    after_commit(lambda: jobs.start(app, job_id))


def _upload_dir() -> Path:
    configured = current_app.config.get("SELECTIONS_UPLOAD_DIR")
    if not configured:
        return upload_dir("selections")
    path = Path(configured)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _index_page(form=None, *, status=200, error=None):
    form = form or UploadForm(formdata=None)
    if not form.period.data:
        form.period.data = clock.today().strftime("%m.%Y")
    period_text = (request.args.get("period") or "").strip()
    period = None
    if period_text:
        try:
            period = services.parse_period(period_text)
        except InvalidInput:
            period = None
    return render("selections/index.html", form=form, error=error,
                  selections=queries.list_selections(db.session, period=period),
                  period_text=period_text), status


# A file over MAX_UPLOAD_MB: the message next to the file field, nothing stored.
bp.register_error_handler(413, too_large_on_form("selections.upload", UploadForm, _index_page))


@bp.get("/")
@allow(*ROLES)
def index():
    return _index_page()


@bp.post("/upload")
@allow(*ROLES)
def upload():
    form = UploadForm()
    storage = form.file.data
    if form.validate() and storage is not None and storage.filename:
        # Stored under a generated name; the browser's name is only shown.
        filename = client_filename(storage.filename)
        fmt = FORMATS.get(Path(filename).suffix.lower())
        stored = _upload_dir() / generated_name(f".{fmt}" if fmt else "")
        try:
            storage.save(stored)
            with form_action(form) as outcome:
                selection = services.register_upload(
                    db.session, source=form.source.data, period=form.period.data,
                    filename=filename, stored_path=stored, user_id=current_user.id,
                    now=clock.now(), encoding=form.encoding.data,
                    delimiter=form.delimiter.data)
                audit_change("create", object_type="selection", object_id=selection.id,
                             details=f"файл {selection.filename}")
        except BaseException:
            stored.unlink(missing_ok=True)
            raise
        if not outcome.ok:
            stored.unlink(missing_ok=True)
            return _index_page(form, status=422, error=outcome.message)
        # A commit that fails at the edge keeps no selection: nor its file.
        after_rollback(lambda: stored.unlink(missing_ok=True))
        return redirect_to(url_for("selections.mapping", selection_id=selection.id))
    if storage is None or not storage.filename:
        form.file.errors = ["Выберите файл"]
    return _index_page(form, status=422)


# ------------------------------------------------------------------ mapping


def _profiles(source: str):
    return [p for p in queries.list_profiles(db.session) if p.source == source and p.active]


def _mapping_page(selection, form=None, *, status=200, error=None):
    encoding = request.values.get("encoding") or selection.encoding
    delimiter = request.values.get("delimiter") or selection.delimiter
    header, rows, problem = [], [], None
    path = Path(selection.stored_path or "")
    detection = samples = None
    try:
        if selection.status == "unreadable":  # found so once: never parsed again
            raise FileProblem(selection.error or "Файл не читается", unreadable=True)
        header, rows = preview(path, selection.file_format,
                               encoding=encoding, delimiter=delimiter)
        detection = encoding_note(path, selection.file_format, encoding)
        if detection is not None and not detection.confident:
            samples = sample_lines(path)
    except (FileProblem, OSError) as exc:
        problem = str(exc) if isinstance(exc, FileProblem) else "Загруженный файл не найден"
        if selection.status == "draft" and getattr(exc, "unreadable", True):
            selection_id, now = selection.id, clock.now()
            write_at_edge(lambda session: services.mark_unreadable(
                session, selection_id, reason=problem, now=now))
    profile = None
    if form is None:
        form = MappingForm(formdata=None)
        chosen = request.args.get("profile_id", type=int)
        if chosen:
            profile = db.session.get(MappingProfile, chosen)
        elif header:
            profile = services.find_profile(db.session, source=selection.source, header=header)
        mapping = (profile.mapping if profile else None) or (
            selection.mapping if selection.mapping else guess_mapping(header))
        form.set_columns(header)
        for name in FIELDS:
            getattr(form, name).data = mapping.get(name, "")
        form.profile_id.data = str(profile.id) if profile else ""
        form.encoding.data, form.delimiter.data = encoding, delimiter
    form.set_columns(header)
    form.show_columns_once()
    form.profile_id.choices = choices([("", "— без профиля —")] + [
        (str(p.id), p.name) for p in _profiles(selection.source)])
    return render("selections/mapping.html", selection=selection, form=form, header=header,
                  rows=rows, problem=problem, profile=profile, error=error,
                  fields=FIELDS, detection=detection, samples=samples,
                  encodings=ENCODINGS), status


@bp.get("/<int:selection_id>/mapping")
@allow(*ROLES)
def mapping(selection_id: int):
    selection = queries.get_selection(db.session, selection_id)
    return _mapping_page(selection)


@bp.post("/<int:selection_id>/import")
@allow(*ROLES)
def start_import(selection_id: int):
    selection = queries.get_selection(db.session, selection_id)
    form = MappingForm()
    form.profile_id.choices = choices([("", "")] + [
        (str(p.id), p.name) for p in _profiles(selection.source)])
    try:
        if selection.status == "unreadable":
            raise FileProblem(selection.error or "Файл не читается", unreadable=True)
        header, _rows = preview(Path(selection.stored_path or ""), selection.file_format,
                                encoding=form.encoding.data, delimiter=form.delimiter.data,
                                rows=0)
    except (FileProblem, OSError) as exc:
        message = str(exc) if isinstance(exc, FileProblem) else "Загруженный файл не найден"
        if selection.status == "draft" and getattr(exc, "unreadable", True):
            services.mark_unreadable(db.session, selection.id, reason=message,
                                     now=clock.now())
        return _mapping_page(selection, status=422, error=message)
    form.set_columns(header)
    if not form.validate():
        return _mapping_page(selection, form, status=422)
    now = clock.now()
    with form_action(form) as outcome:
        selection.encoding, selection.delimiter = form.encoding.data, form.delimiter.data
        mapping = services.clean_mapping(form.mapping(), header)
        profile = None
        if form.profile_name.data:
            profile = services.save_profile(db.session, source=selection.source,
                                            name=form.profile_name.data, mapping=mapping,
                                            user_id=current_user.id, now=now)
        elif form.profile_id.data:
            profile = db.session.get(MappingProfile, parse_id(form.profile_id.data) or 0)
            if profile is not None and profile.mapping != mapping:
                profile = services.save_profile(db.session, source=selection.source,
                                                name=profile.name, mapping=mapping,
                                                user_id=current_user.id, now=now)
        job = services.start_import(
            db.session, selection, mapping=mapping, header=header, profile=profile,
            accept_partial=form.accept_partial.data,
            confirm_duplicate=form.confirm_duplicate.data, now=now)
        job_id = job.id
        audit_change("update", object_type="selection", object_id=selection_id,
                     details="запуск загрузки")
    if not outcome.ok:
        # «mapping» names no field (form.mapping() reads them all): on top of the page.
        return _mapping_page(selection, form, status=422, error=outcome.message)
    _start_job(job_id)
    return redirect_to(url_for("selections.show", selection_id=selection_id))


@bp.post("/<int:selection_id>/accept-partial")
@allow(*ROLES)
def accept_partial(selection_id: int):
    """After the bad-lines report: load the good rows only, explicitly."""
    selection = queries.get_selection(db.session, selection_id)
    if selection.status not in ("invalid", "failed"):
        raise Conflict("Селекция не ждёт решения по строкам с ошибками")
    try:
        header, _rows = preview(Path(selection.stored_path or ""), selection.file_format,
                                encoding=selection.encoding, delimiter=selection.delimiter,
                                rows=0)
    except (FileProblem, OSError) as exc:
        raise Conflict(str(exc) if isinstance(exc, FileProblem)
                       else "Загруженный файл не найден — загрузите его заново") from exc
    job = services.start_import(
        db.session, selection, mapping=selection.mapping, header=header,
        profile=selection.profile, accept_partial=request.form.get("accept") == "1"
        or selection.accept_partial, confirm_duplicate=True,
        now=clock.now())
    _start_job(job.id)
    return redirect_to(url_for("selections.show", selection_id=selection_id))


@bp.post("/<int:selection_id>/cancel")
@allow(*ROLES)
def cancel(selection_id: int):
    selection = queries.get_selection(db.session, selection_id)
    form = CancelForm()
    with form_action(form, field="reason") as outcome:
        stored = services.cancel_selection(db.session, selection, reason=form.reason.data or "")
    if not outcome.ok:
        return _show_page(selection, cancel_form=form, status=422)
    if stored:
        # The file goes once the cancellation is committed.
        after_commit(lambda: Path(stored).unlink(missing_ok=True))
    return redirect_to(url_for("selections.index"))


# ------------------------------------------------------------------ progress and work


@bp.post("/<int:selection_id>/stop")
@allow(*ROLES)
def stop(selection_id: int):
    """Stop a queued or running load; the worker removes what it loaded."""
    selection = queries.get_selection(db.session, selection_id)
    job = queries.latest_job(db.session, selection.id)
    if job is None or job.finished:
        raise Conflict("Загрузка не идёт — останавливать нечего")
    jobs.request_cancel(db.session, job)
    audit_change("update", object_type="selection", object_id=selection_id,
                 details="остановка загрузки")
    return redirect_to(url_for("selections.show", selection_id=selection_id))


@bp.get("/<int:selection_id>/unmatched")
@allow(*ROLES)
def unmatched(selection_id: int):
    """A page of the lines not found among the recipients (htmx: the list only)."""
    return _show_page(queries.get_selection(db.session, selection_id),
                      fragment="selections/_unmatched.html")


def _job(selection):
    job = queries.latest_job(db.session, selection.id)
    if job is not None and jobs.mark_stale(db.session, job, now=clock.now()):
        # Its worker died: cleaned up and queued again (committed at the edge).
        if job.status == "queued":
            _start_job(job.id)
    return job


def _filters():
    state = request.args.get("state", "pending")
    state = state if state in STATES else "pending"
    group = request.args.get("group")
    return {"state": state, "action": request.args.get("action") or None,
            "group": group if group in queries.GROUPS and group != "not_found" else None,
            "mine": request.args.get("mine") == "1",
            "page": max(request.args.get("page", 1, type=int) or 1, 1)}


def _show_page(selection, *, cancel_form=None, status=200,
               fragment="selections/_hits.html", bulk=None, question=None, error=None,
               asks=None):
    job = _job(selection)
    filters = _filters()
    hits, total = queries.hits(db.session, selection.id, user_id=current_user.id, **filters)
    unmatched_page = max(request.args.get("nf_page", 1, type=int) or 1, 1)
    unmatched, unmatched_total = queries.unmatched(db.session, selection.id,
                                                   page=unmatched_page)
    return render(
        "selections/show.html", fragment, selection=selection, job=job,
        stats=queries.stats(db.session, [selection.id]),
        actions=queries.actions(db.session, selection.id), hits=hits, total=total,
        filters=filters, states=STATES, outcomes=OUTCOMES, page_size=queries.PAGE_SIZE,
        group_names=queries.GROUPS, rule_group=queries.RULE_GROUP,
        issues=queries.issues(db.session, selection.id) if selection.status == "invalid"
        else [], cancel_form=cancel_form or CancelForm(formdata=None),
        undoable=queries.undoable(db.session, [h.id for h in hits], user_id=current_user.id,
                                  today=clock.today()),
        bulk=bulk or {"action": filters["action"]}, question=question, error=error,
        asks=asks or {},
        groups=queries.groups(db.session, selection.id), unmatched=unmatched,
        unmatched_total=unmatched_total, unmatched_page=unmatched_page,
        now=clock.now()), status


@bp.get("/<int:selection_id>")
@allow(*ROLES)
def show(selection_id: int):
    return _show_page(queries.get_selection(db.session, selection_id))


@bp.get("/<int:selection_id>/progress")
@allow(*ROLES)
def progress(selection_id: int):
    selection = queries.get_selection(db.session, selection_id)
    job = _job(selection)
    response = make_response(render("selections/show.html", "selections/_progress.html",
                                     selection=selection, job=job, stats=None, actions=[],
                                     hits=[], total=0, filters=_filters(), states=STATES,
                                     outcomes=OUTCOMES, page_size=queries.PAGE_SIZE,
                                     issues=[], cancel_form=CancelForm(formdata=None),
                                     now=clock.now()))
    if job is None or job.finished:
        response.headers["HX-Refresh"] = "true"
    return response


def _hit_row(hit, form=None, *, status=200, error=None, ask=None):
    """The row of a hit: its state, a question to confirm (``ask``) or the refusal."""
    if status == 200 and not wants_fragment():
        if ask:
            # Without htmx: the list page, this row asking.
            return _show_page(hit.selection, asks={hit.id: ask})
        return redirect_to(url_for("selections.show", selection_id=hit.selection_id,
                                   state="all"))
    undoable = queries.undoable(db.session, [hit.id], user_id=current_user.id,
                                today=clock.today())
    return render("selections/_hit_row.html", hit=hit, outcomes=OUTCOMES,
                  form=form or OutcomeForm(formdata=None), error=error, ask=ask,
                  undoable=undoable, group_names=queries.GROUPS,
                  rule_group=queries.RULE_GROUP), status


def _sure() -> bool:
    """The specialist confirmed the decision in the row's confirm step."""
    return request.form.get("sure") == "1"


@bp.get("/hits/<int:hit_id>")
@allow(*ROLES)
def hit_row(hit_id: int):
    """The row as it is (Esc in a confirm step puts it back)."""
    return _hit_row(services.get_hit(db.session, hit_id))


@bp.post("/hits/<int:hit_id>/decide")
@allow(*ROLES)
def decide(hit_id: int):
    hit = services.get_hit(db.session, hit_id)
    confirm = request.form.get("confirm") == "1"
    with form_action() as done:
        if not _sure():
            # Nothing is recorded yet: the row asks first (Enter — yes, Esc — no).
            services.check_decision(hit, confirm=confirm)
            who = hit.applicant.full_name
            question = (f"Подтвердить совпадение со строкой № {hit.row.line_no} — {who}?"
                        if confirm else
                        f"Отклонить совпадение строки № {hit.row.line_no} с {who}?")
            ask = {"kind": "decide", "confirm": confirm, "question": question}
        else:
            services.decide_hit(db.session, hit, confirm=confirm, user_id=current_user.id,
                                now=clock.now())
            ask = None
    if not done.ok:
        return _hit_row(services.get_hit(db.session, hit_id), status=done.error.status_code,
                        error=done.message)
    return _hit_row(hit, ask=ask)


@bp.post("/hits/<int:hit_id>/outcome")
@allow(*ROLES)
def outcome(hit_id: int):
    hit = services.get_hit(db.session, hit_id)
    form = OutcomeForm()
    if not form.validate():
        return _hit_row(hit, form, status=422)
    # The refusal shows on top of the row (form=None: not next to a field).
    with form_action() as done:
        if not _sure():
            services.check_decision(hit, outcome=form.outcome.data)
            ask = {"kind": "outcome", "outcome": form.outcome.data,
                   "comment": form.comment.data or "",
                   "question": f"Записать «{OUTCOMES[form.outcome.data]}» по строке "
                               f"№ {hit.row.line_no} — {hit.applicant.full_name}?"}
        else:
            services.record_outcome(db.session, hit, outcome=form.outcome.data,
                                    comment=form.comment.data, user_id=current_user.id,
                                    now=clock.now())
            ask = None
    if not done.ok:
        return _hit_row(services.get_hit(db.session, hit_id), form,
                        status=done.error.status_code, error=done.message)
    return _hit_row(hit, ask=ask)


@bp.post("/hits/<int:hit_id>/undo")
@allow(*ROLES)
def undo(hit_id: int):
    """Undo one's own decision of today on the row (kept as undone, never deleted)."""
    hit = services.get_hit(db.session, hit_id)
    with form_action() as done:
        services.undo_decision(db.session, hit, user_id=current_user.id, now=clock.now())
    if not done.ok:
        return _hit_row(services.get_hit(db.session, hit_id), status=done.error.status_code,
                        error=done.message)
    return _hit_row(hit)


@bp.post("/<int:selection_id>/bulk-outcome")
@allow(*ROLES)
def bulk_outcome(selection_id: int):
    """One outcome for every confirmed hit still to work in the list: asked with the count."""
    selection = queries.get_selection(db.session, selection_id)
    action = request.form.get("action") or None
    chosen = request.form.get("outcome", "")
    comment = (request.form.get("comment") or "").strip()
    question, recorded, count = None, 0, 0
    with form_action() as done:
        count = len(services.bulk_targets(db.session, selection.id, action=action))
        if not _sure():
            question = services.bulk_question(chosen, count)
        else:
            recorded = services.record_bulk_outcome(
                db.session, selection.id, action=action, outcome=chosen, comment=comment,
                expected=request.form.get("expected", type=int) or 0,
                user_id=current_user.id, now=clock.now())
    bulk = {"action": action, "outcome": chosen, "comment": comment, "count": count}
    if not done.ok:
        return _show_page(selection, fragment="selections/_bulk.html", bulk=bulk,
                          error=done.message, status=done.error.status_code)
    if recorded:
        return redirect_to(url_for("selections.show", selection_id=selection_id,
                                   action=action))
    return _show_page(selection, fragment="selections/_bulk.html", bulk=bulk,
                      question=question)


# ------------------------------------------------------------------ reports


def _selection_report(selection_id: int):
    selection = queries.get_selection(db.session, selection_id)
    title = f"Отчёт по селекции № {selection.id}"
    subtitle = (f"{selection.source_name}, период {selection.period_label}, файл "
                f"«{selection.filename}», загружен {format_date(selection.imported_at)}")
    return [selection.id], [selection], title, subtitle


def _period_report():
    text = (request.args.get("period") or "").strip()
    period = services.parse_period(text)
    ids = queries.period_selection_ids(db.session, period)
    selections = [queries.get_selection(db.session, i) for i in ids]
    label = f"{period[5:]}.{period[:4]}"
    return ids, selections, f"Отчёт по селекциям за {label}", f"Селекций: {len(ids)}"


@bp.get("/<int:selection_id>/report.pdf")
@allow(*ROLES)
def report_pdf(selection_id: int):
    ids, selections, title, subtitle = _selection_report(selection_id)
    pdf = documents.report_pdf(title=title, subtitle=subtitle,
                               stats=queries.stats(db.session, ids), selections=selections,
                               config=current_app.config, now=clock.now())
    return pdf_response(pdf, f"selekciya-{selection_id}.pdf", kind="selection_report",
                        object_type="selection", object_id=selection_id)


@bp.get("/<int:selection_id>/report.xlsx")
@allow(*ROLES)
def report_xlsx(selection_id: int):
    ids, _selections, title, _subtitle = _selection_report(selection_id)
    data = documents.report_xlsx(title=title, stats=queries.stats(db.session, ids),
                                 hits=queries.report_hits(db.session, ids),
                                 unmatched=queries.report_unmatched(db.session, ids),
                                 issues=queries.report_issues(db.session, ids))
    return export_response(data, f"selekciya-{selection_id}.xlsx", object_type="selection",
                           object_id=selection_id)


@bp.get("/<int:selection_id>/report.csv")
@allow(*ROLES)
def report_csv(selection_id: int):
    """The four groups of a selection's lines in one CSV."""
    ids, _selections, _title, _subtitle = _selection_report(selection_id)
    data = documents.report_csv(hits=queries.report_hits(db.session, ids),
                                unmatched=queries.report_unmatched(db.session, ids))
    return export_response(data, f"selekciya-{selection_id}.csv", object_type="selection",
                           object_id=selection_id)


@bp.get("/report")
@allow(*ROLES)
def period_report():
    text = (request.args.get("period") or clock.today().strftime("%m.%Y")).strip()
    error, stats, selections = None, None, []
    try:
        period = services.parse_period(text)
        ids = queries.period_selection_ids(db.session, period)
        selections = [queries.get_selection(db.session, i) for i in ids]
        stats = queries.stats(db.session, ids)
    except InvalidInput as exc:
        error = exc.message
    return render("selections/period.html", period_text=text, error=error, stats=stats,
                  lines=documents.report_lines(stats) if stats else [],
                  selections=selections), 422 if error else 200


@bp.get("/report.pdf")
@allow(*ROLES)
def period_report_pdf():
    ids, selections, title, subtitle = _period_report()
    pdf = documents.report_pdf(title=title, subtitle=subtitle,
                               stats=queries.stats(db.session, ids), selections=selections,
                               config=current_app.config, now=clock.now())
    return pdf_response(pdf, "selekcii-za-period.pdf", kind="selection_report",
                        object_type="selection_period", object_id=request.args.get("period"))


@bp.get("/report.xlsx")
@allow(*ROLES)
def period_report_xlsx():
    ids, _selections, title, _subtitle = _period_report()
    data = documents.report_xlsx(title=title, stats=queries.stats(db.session, ids),
                                 hits=queries.report_hits(db.session, ids),
                                 unmatched=queries.report_unmatched(db.session, ids),
                                 issues=queries.report_issues(db.session, ids))
    return export_response(data, "selekcii-za-period.xlsx", object_type="selection_period",
                           object_id=request.args.get("period"))


@bp.get("/report.csv")
@allow(*ROLES)
def period_report_csv():
    ids, _selections, _title, _subtitle = _period_report()
    data = documents.report_csv(hits=queries.report_hits(db.session, ids),
                                unmatched=queries.report_unmatched(db.session, ids))
    return export_response(data, "selekcii-za-period.csv", object_type="selection_period",
                           object_id=request.args.get("period"))


# ------------------------------------------------------------------ profiles


@bp.get("/profiles")
@allow(*ROLES)
def profiles():
    return render("selections/profiles.html", profiles=queries.list_profiles(db.session),
                  fields=FIELDS)


def _profile_page(profile, form, status=200):
    return render("selections/profile.html", profile=profile, form=form, fields=FIELDS), status


@bp.get("/profiles/<int:profile_id>")
@allow(*ROLES)
def profile(profile_id: int):
    item = queries.get_profile(db.session, profile_id)
    form = ProfileForm(formdata=None)
    form.actions.data = "\n".join(f"{k} = {v}" for k, v in item.actions.items())
    form.default_action.data = item.default_action
    form.active.data = item.active
    return _profile_page(item, form)


@bp.post("/profiles/<int:profile_id>")
@allow(*ROLES)
def update_profile(profile_id: int):
    item = queries.get_profile(db.session, profile_id)
    form = ProfileForm()
    if form.validate():
        with form_action(form, field="actions") as outcome:
            services.update_profile(db.session, item, actions_text=form.actions.data,
                                    default_action=form.default_action.data,
                                    active=form.active.data)
        if outcome.ok:
            return redirect_to(url_for("selections.profiles"))
    return _profile_page(item, form, status=422)

"""The archive room: case files, scanning, labels, boxes, inventory lists, import."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from ..applicants.queries import get_applicant
from ..auth.models import User
from ..auth.roles import (
    ARCHIVE_LOOKUP_ROLES,
    ARCHIVE_ROLES,
)
from ..catalog.models import ServiceGroup
from ..catalog.queries import active_services
from ..core import clock
from ..core.filetypes import client_filename
from ..core.text import format_date
from ..errors import DomainError, InvalidInput, NotFound
from ..events import ACTOR_KEY, template_hook
from ..extensions import db
from ..forms_common import choices, parse_id
from ..hooks import too_large_on_form
from ..printsetup.requests import label_format, label_offset
from ..uploads import (
    generated_name,
    is_generated_name,
    remove_stale,
    upload_dir,
)
from ..web import (
    after_commit,
    allow,
    audited_view,
    export_response,
    form_action,
    has_role,
    pdf_response,
    read_only,
    read_only_when,
    record_read,
    redirect_to,
    render,
    wants_fragment,
)
from . import documents, import_jobs, importing, queries, services
from .forms import (
    BulkStructureForm,
    CloseForm,
    ImportColumnsForm,
    ImportConfirmForm,
    ImportForm,
    IssueFilterForm,
    LabelsForm,
    OpenCaseForm,
    ReopenForm,
    SheetsForm,
    UndoImportForm,
)
from .labels import LabelError
from .models import ArchiveBox, ImportBatch

bp = Blueprint("archive", __name__, url_prefix="/archive")

# Who files, issues and builds the archive; who may look folders up.
SCAN_MODES = {"lookup": "Поиск", "place": "Размещение в короб", "issue": "Выдача и возврат"}
DEFAULT_LOAN_DAYS = 10



def _can_work() -> bool:
    return current_user.role in (*ARCHIVE_ROLES, "admin")


# ------------------------------------------------------------------ overview and lists


@bp.get("/")
@allow(*ARCHIVE_LOOKUP_ROLES)
@audited_view("case_files")
def index():
    q = (request.args.get("q") or "").strip()
    status = request.args.get("status") or ""
    files = queries.search_case_files(db.session, q=q, status=status, limit=100)
    today = clock.today()
    return render("archive/index.html", "archive/_case_list.html", files=files, q=q,
                  status_filter=status, out=len(queries.case_files_out(db.session)),
                  overdue=len(queries.case_files_overdue(db.session, today=today)))


@bp.get("/out")
@allow(*ARCHIVE_LOOKUP_ROLES)
def out():
    today = clock.today()
    checkouts = queries.case_files_out(db.session)
    return render("archive/out.html", checkouts=checkouts, today=today,
                  overdue=[c for c in checkouts if c.is_overdue(today)])


# ------------------------------------------------------------------ case files


def _service_choices():
    return choices([("", "— выберите услугу —")] + [
        (s.code, f"{s.code} — {s.short_name}") for s in active_services(db.session)])


@bp.route("/cases/new", methods=["GET", "POST"])
@allow(*ARCHIVE_ROLES)
def new_case():
    form = OpenCaseForm()
    form.service.choices = _service_choices()
    applicant_id = request.values.get("applicant_id", type=int)
    applicant = get_applicant(db.session, applicant_id) if applicant_id else None
    if applicant is not None and request.method == "GET":
        record_read("view", object_type="applicant", object_id=applicant.id)
    if request.method == "POST" and form.validate():
        with form_action(form) as outcome:
            case_file = services.open_case_file(
                db.session, applicant_id=applicant.id if applicant else 0,
                service_code=form.service.data, user_id=current_user.id, now=clock.now(),
                sheets=form.sheets.data or 0, note=form.note.data)
        if outcome.ok:
            return redirect_to(url_for("archive.show_case", case_id=case_file.id))
        if outcome.message:  # no field of its own (the applicant, the number): on top
            flash(outcome.message)
    status = 422 if request.method == "POST" else 200
    return render("archive/new_case.html", form=form, applicant=applicant), status


def _case_page(case_file, *, status=200, close_form=None, reopen_form=None, sheets_form=None):
    sheets_form = sheets_form or SheetsForm(formdata=None, sheets=case_file.sheets)
    return render("archive/case.html", case=case_file,
                  close_form=close_form or CloseForm(formdata=None),
                  reopen_form=reopen_form or ReopenForm(formdata=None),
                  sheets_form=sheets_form, can_work=_can_work(), today=clock.today()), status


@bp.get("/cases/<int:case_id>")
@allow(*ARCHIVE_LOOKUP_ROLES)
@audited_view("case_file", "case_id")
def show_case(case_id: int):
    return _case_page(services.get_case_file(db.session, case_id))


@bp.post("/cases/<int:case_id>/close")
@allow(*ARCHIVE_ROLES)
def close_case(case_id: int):
    case_file = services.get_case_file(db.session, case_id)
    form = CloseForm()
    if form.validate():
        with form_action(form, field="reason") as outcome:
            services.close_case_file(db.session, case_file, reason=form.reason.data,
                                     note=form.note.data, user_id=current_user.id, now=clock.now())
        if outcome.ok:
            return redirect_to(url_for("archive.show_case", case_id=case_id))
    return _case_page(case_file, status=422, close_form=form)


@bp.post("/cases/<int:case_id>/reopen")
@allow(*ARCHIVE_ROLES)
def reopen_case(case_id: int):
    case_file = services.get_case_file(db.session, case_id)
    form = ReopenForm()
    if form.validate():
        with form_action(form, field="reason") as outcome:
            services.reopen_case_file(db.session, case_file, reason=form.reason.data,
                                      user_id=current_user.id, now=clock.now())
        if outcome.ok:
            return redirect_to(url_for("archive.show_case", case_id=case_id))
    return _case_page(case_file, status=422, reopen_form=form)


@bp.post("/cases/<int:case_id>/sheets")
@allow(*ARCHIVE_ROLES)
def case_sheets(case_id: int):
    case_file = services.get_case_file(db.session, case_id)
    form = SheetsForm()
    if form.validate():
        services.set_sheets(db.session, case_file, sheets=form.sheets.data,
                            user_id=current_user.id, now=clock.now())
        return redirect_to(url_for("archive.show_case", case_id=case_id))
    return _case_page(case_file, status=422, sheets_form=form)


def _label_response(pdf_callable, filename: str, *, embeddable: bool = False, **journal):
    try:
        pdf = pdf_callable()
    except LabelError as exc:
        raise InvalidInput(str(exc)) from exc
    response = pdf_response(pdf, filename, **journal)
    if embeddable:
        # The case page shows the label inline (same origin only).
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; frame-ancestors 'self'")
    return response


def _fmt_start():
    fmt = label_format()  # ?format=, else the user's print setup
    start = request.args.get("start", default=1, type=int) or 1
    return fmt, start


@bp.get("/cases/<int:case_id>/label.pdf")
@allow(*ARCHIVE_LOOKUP_ROLES)
def case_label(case_id: int):
    case_file = services.get_case_file(db.session, case_id)
    fmt, start = _fmt_start()
    return _label_response(
        lambda: documents.folder_labels_pdf([case_file], fmt=fmt, start=start, offset=label_offset()),  # noqa: E501
        f"etiketka-{case_file.number.replace('/', '-')}.pdf", embeddable=True, kind=None if request.args.get("preview") else "folder_labels", object_type="case_file", object_id=case_id)  # noqa: E501


def _labels_form():
    form = LabelsForm(request.args)
    batches = db.session.scalars(select(ImportBatch).where(ImportBatch.undone_at.is_(None))
                                 .order_by(ImportBatch.id.desc()).limit(50))
    form.batch_id.choices = choices(
        [("", "—")] + [(str(b.id), f"№ {b.id} от {format_date(b.at.date())}: {b.filename}")
                       for b in batches])
    return form


@bp.get("/labels")
@allow(*ARCHIVE_ROLES)
def labels_page():
    form = _labels_form()
    if not form.day.data and not request.args.get("day"):
        form.day.data = clock.today()
    return render("archive/labels.html", form=form)


@bp.get("/labels.pdf")
@allow(*ARCHIVE_ROLES)
def labels_pdf():
    """Folder labels for a selection: opened on a day, an import batch (register order), a box."""
    form = _labels_form()
    form.validate()
    fmt, start = _fmt_start()
    selection = form.selection.data
    if selection == "batch":
        batch_id = request.args.get("batch_id", type=int)
        if not batch_id:
            raise InvalidInput("Выберите импорт")
        files = queries.label_rows(db.session, batch_id=batch_id)
    elif selection == "box":
        box = queries.find_box(db.session, form.box.data or "")
        if box is None:
            raise InvalidInput("Короб не найден")
        files = queries.box_contents(db.session, box)
    else:
        files = queries.label_rows(db.session, opened_on=form.day.data or clock.today())
    if not files:
        raise InvalidInput("Нет дел для печати этикеток")
    return _label_response(lambda: documents.folder_labels_pdf(files, fmt=fmt, start=start, offset=label_offset()),  # noqa: E501
                           "etiketki-del.pdf", kind="folder_labels")


# ------------------------------------------------------------------ scanning


def _issue_form(*, with_users: bool = True):
    """The issue mode's employee and due date; the employee list only for a page to show."""
    form = IssueFilterForm(request.values)
    users = db.session.scalars(select(User).where(User.active).order_by(User.full_name)) \
        if with_users else ()
    form.to_user_id.choices = choices([("", "— сотрудник —")] + [
        (str(u.id), f"{u.full_name} ({u.role_name})") for u in users])
    if not form.due_on.data and not request.values.get("due_on"):
        form.due_on.data = clock.today() + timedelta(days=DEFAULT_LOAN_DAYS)
    return form


@bp.get("/scan")
@allow(*ARCHIVE_LOOKUP_ROLES)
def scan_page():
    mode = request.args.get("mode", "lookup")
    if mode not in SCAN_MODES or (mode != "lookup" and not _can_work()):
        mode = "lookup"
    return render("archive/scan.html", mode=mode, modes=SCAN_MODES, issue_form=_issue_form(),
                  result=None, current_box=None)


@bp.post("/scan/lookup")
@allow(*ARCHIVE_LOOKUP_ROLES)
@read_only
def scan_lookup():
    """A scanned code looked up only: a read, so it never waits behind writing desks."""
    return scan(mode="lookup")


def _lookup_posted() -> bool:
    return request.form.get("mode", "lookup") not in ("place", "issue")


@bp.post("/scan")
@allow(*ARCHIVE_LOOKUP_ROLES)
@read_only_when(_lookup_posted)
def scan(mode: str | None = None):
    """One scanned code in the current mode; answers with the result card."""
    mode = mode or request.form.get("mode", "lookup")
    if mode not in SCAN_MODES or (mode != "lookup" and not _can_work()):
        mode = "lookup"
    code = (request.form.get("code") or "").strip()
    # Only the issue mode reads the form; the card (a fragment) never shows its employee
    # list, only the full page does.
    issue_form = _issue_form(with_users=not wants_fragment()) if mode == "issue" else None
    current_box = queries.find_box(db.session, request.form.get("box") or "")
    result = _scan(mode, code, current_box, issue_form)
    if result.get("box_for_mode") is not None:
        current_box = result["box_for_mode"]
    response = render("archive/scan.html", "archive/_scan_result.html", mode=mode,
                      modes=SCAN_MODES, issue_form=issue_form, result=result,
                      current_box=current_box)
    response.headers["X-Scan-Box"] = current_box.barcode if current_box else ""
    return response


def _scan(mode: str, code: str, current_box: ArchiveBox | None, issue_form) -> dict:
    hit = queries.resolve_code(db.session, code)
    result = {"code": code, "kind": hit.kind, "obj": hit.obj, "alarm": False, "warnings": [],
              "action": None, "message": None}
    if hit.kind == "unknown":
        result.update(alarm=True, message="Код не найден: нет ни дела, ни короба с таким номером")
        return result
    if hit.kind == "case" and hit.obj.status == "cancelled":
        result.update(alarm=True, message=f"Дело {hit.obj.number} аннулировано (отмена "
                      f"импорта № {hit.obj.import_batch_id}): {hit.obj.cancel_reason}")
        return result
    if mode == "place":
        if hit.kind == "box":
            result.update(action="box_selected", box_for_mode=hit.obj,
                          count=services.box_count(db.session, hit.obj.id))
        elif hit.kind == "case":
            if current_box is None:
                result.update(alarm=True, message="Сначала отсканируйте короб")
                return result
            with form_action() as outcome:
                placement = services.place_case_file(db.session, case_file=hit.obj,
                                                     box=current_box, user_id=current_user.id,
                                                     now=clock.now())
                action = "placed" if placement.moved else \
                    "repeat" if placement.repeat else "already"
                result.update(action=action,
                              warnings=placement.warnings,
                              count=services.box_count(db.session, current_box.id))
            if not outcome.ok:
                result.update(alarm=True, message=outcome.message)
        else:
            result.update(alarm=True, message="Это не дело и не короб")
    elif mode == "issue":
        if hit.kind != "case":
            result.update(alarm=True, message="В режиме выдачи сканируйте дела")
            return result
        to_user = request.form.get("to_user_id", type=int)
        with form_action() as outcome:
            action, checkout = services.toggle_checkout(
                db.session, case_file=hit.obj, to_user_id=to_user, due_on=issue_form.due_on.data,
                user_id=current_user.id, now=clock.now())
            result.update(action=action, checkout=checkout)
        if not outcome.ok:
            result.update(alarm=True, message=outcome.message)
    elif hit.kind == "box":
        result["contents"] = queries.box_lines(db.session, hit.obj)
    return result


# ------------------------------------------------------------------ boxes and structure


def _group_choices():
    groups = db.session.scalars(select(ServiceGroup).order_by(ServiceGroup.name))
    return choices([("", "— любая —")] + [(g.code, g.name) for g in groups])


@bp.get("/structure")
@allow(*ARCHIVE_LOOKUP_ROLES)
def structure():
    form = BulkStructureForm(formdata=None)
    form.group_code.choices = _group_choices()
    return render("archive/structure.html", rooms=queries.rooms(db.session), form=form,
                  can_work=_can_work(), created=None)


@bp.post("/structure/bulk")
@allow(*ARCHIVE_ROLES)
def bulk_structure():
    form = BulkStructureForm()
    form.group_code.choices = _group_choices()
    if form.validate():
        with form_action(form, field="rack_number") as outcome:
            boxes = services.bulk_create_structure(
                db.session, room_name=form.room.data, rack_number=form.rack_number.data,
                shelf_from=form.shelf_from.data, shelf_to=form.shelf_to.data,
                boxes_per_shelf=form.boxes_per_shelf.data, capacity=form.capacity.data,
                year_from=form.year_from.data, year_to=form.year_to.data,
                group_code=form.group_code.data or None)
        if outcome.ok:
            flash(f"Создано коробов: {len(boxes)} ({boxes[0].barcode} – {boxes[-1].barcode})")
            return redirect_to(url_for("archive.structure", created=",".join(
                str(b.id) for b in boxes) if len(boxes) <= 300 else None))
    return render("archive/structure.html", rooms=queries.rooms(db.session), form=form,
                  can_work=True, created=None), 422


@bp.get("/boxes/<int:box_id>")
@allow(*ARCHIVE_LOOKUP_ROLES)
def show_box(box_id: int):
    box = services.get_box(db.session, box_id)
    return render("archive/box.html", box=box, files=queries.box_contents(db.session, box),
                  today=clock.today())


def _box_ids() -> list[int]:
    raw = request.args.get("ids") or ""
    ids = [n for p in raw.replace(" ", ",").split(",") if (n := parse_id(p))]
    if not ids:
        raise InvalidInput("Не выбраны короба")
    return ids


@bp.get("/boxes/labels.pdf")
@allow(*ARCHIVE_ROLES)
def box_labels():
    boxes = queries.boxes_in_order(db.session, _box_ids())
    fmt, start = _fmt_start()
    return _label_response(lambda: documents.box_labels_pdf(boxes, fmt=fmt, start=start, offset=label_offset()),  # noqa: E501
                           "etiketki-korobov.pdf", kind="box_labels")


@bp.get("/boxes/<int:box_id>/inventory.pdf")
@allow(*ARCHIVE_LOOKUP_ROLES)
def box_inventory(box_id: int):
    box = services.get_box(db.session, box_id)
    pdf = documents.inventory_pdf([box], config=current_app.config)
    return pdf_response(pdf, f"opis-{box.barcode}.pdf", kind="inventory", object_type="box", object_id=box_id)  # noqa: E501


@bp.get("/inventory.pdf")
@allow(*ARCHIVE_LOOKUP_ROLES)
def inventory():
    boxes = queries.boxes_in_order(db.session, _box_ids())
    pdf = documents.inventory_pdf(boxes, config=current_app.config)
    return pdf_response(pdf, "opis-del.pdf", kind="inventory")


# ------------------------------------------------------------------ import


PREVIEW_MAX_AGE = timedelta(days=1)
# A running check or import whose thread is gone and silent this long died with the server.
JOB_STALE_AFTER = timedelta(minutes=2)
PREVIEW_ROWS_SHOWN = 500


def _import_dir() -> Path:
    return upload_dir("archive-imports")


def _state_path(token: str) -> Path:
    """The stored state of an import ``token``; a token that is not one of ours is a 404."""
    if not is_generated_name(token or ""):
        raise NotFound("Предпросмотр не найден")
    return _import_dir() / f"{token}.json"


def _load_state(token: str) -> dict:
    """The upload's state (file, columns, checked rows) — only for the user who uploaded it."""
    path = _state_path(token)
    stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if not stored or stored.get("user_id") != current_user.id:
        raise InvalidInput("Предпросмотр устарел: загрузите файл ещё раз")
    return stored


def _save_state(token: str, state: dict) -> None:
    _state_path(token).write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")


def _drop_state(token: str, state: dict) -> None:
    _state_path(token).unlink(missing_ok=True)
    _state_path(token).with_name(f"{token}.progress.json").unlink(missing_ok=True)
    (_import_dir() / f"{token}.{state['fmt']}").unlink(missing_ok=True)


def _import_page(form=None, *, status=200, **context):
    batches = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(30))
    context.setdefault("preview", None)
    context.setdefault("head", None)
    return render("archive/import.html", form=form or ImportForm(formdata=None),
                  batches=list(batches), **context), status


# The register over MAX_UPLOAD_MB: the message next to the file field.
bp.register_error_handler(413, too_large_on_form("archive.import_preview", ImportForm,
                                                 _import_page))


@bp.get("/import")
@allow(*ARCHIVE_ROLES)
def import_page():
    return _import_page()


def _columns_page(token: str, state: dict, *, mapping: dict, profile=None, error=None,
                  status=200):
    form = ImportColumnsForm(formdata=None, token=token,
                             profile_name=profile.name if profile else "")
    return _import_page(head=importing.Head(**state["head"]), columns_form=form,
                        mapping=mapping, fields=importing.FIELDS, profile=profile,
                        mapping_error=error, filename=state["filename"], status=status)


@bp.post("/import")
@allow(*ARCHIVE_ROLES)
def import_preview():
    """Step 1: the register is kept under a generated name; its columns are proposed."""
    form = ImportForm()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        form.file.errors = ["Выберите файл реестра"]
        return _import_page(form, status=422)
    filename = client_filename(upload.filename)
    directory = _import_dir()
    # Uploads nobody confirmed or cancelled: gone after a day, swept on each upload.
    remove_stale(directory, max_age=PREVIEW_MAX_AGE)
    token = generated_name()
    path = None
    try:
        fmt = importing.register_format(filename)
        data = upload.read()
        importing.check_upload(data, fmt)
        path = directory / f"{token}.{fmt}"
        path.write_bytes(data)
        head = importing.read_head(path, fmt)
    except DomainError as exc:
        if path is not None:  # no draft of a file that cannot be read: nothing to reopen
            path.unlink(missing_ok=True)
        form.file.errors = [exc.message]
        return _import_page(form, status=422)
    state = {"filename": filename, "fmt": fmt, "user_id": current_user.id,
             "head": {"line": head.line, "columns": head.columns, "sample": head.sample}}
    _save_state(token, state)
    profile = importing.find_profile(db.session, head.columns)
    mapping = profile.mapping if profile else importing.guess_mapping(head.columns)
    return _columns_page(token, state, mapping=mapping, profile=profile)


@bp.post("/import/columns")
@allow(*ARCHIVE_ROLES)
def import_columns():
    """Step 2: the archivist's mapping; every row is checked (in the background)."""
    form = ImportColumnsForm()
    token = form.token.data
    state = _load_state(token)
    head = importing.Head(**state["head"])
    raw = {f: request.form.get(f"map-{f}", "") for f in importing.FIELDS}
    if import_jobs.is_alive(token):
        raise InvalidInput("Строки этого файла уже проверяются")
    try:
        mapping = importing.clean_mapping(raw, head.columns)
    except DomainError as exc:
        return _columns_page(token, state, mapping=raw, error=exc.message, status=422)
    if form.profile_name.data:
        importing.save_profile(db.session, name=form.profile_name.data, mapping=mapping,
                               user_id=current_user.id, now=clock.now())
    _start_check(token, state, mapping)
    return redirect_to(url_for("archive.import_progress", token=token))


def _progress_file(token: str) -> import_jobs.ProgressFile:
    return import_jobs.ProgressFile(_import_dir() / f"{token}.progress.json",
                                    user_id=current_user.id)


def _start_check(token: str, state: dict, mapping: dict) -> None:
    """Read and check the rows in the background (no write lock held); the page polls."""
    state.pop("checked", None)
    state["mapping"] = mapping
    _save_state(token, state)
    progress = _progress_file(token)
    progress.write(status="running", phase="Проверка строк", done=0, total=0)
    app, today = current_app._get_current_object(), clock.today()
    head = importing.Head(**state["head"])
    upload = _import_dir() / f"{token}.{state['fmt']}"
    state_path = _state_path(token)
    chosen = importing.chosen_people(state.get("chosen"))
    after_commit(lambda: import_jobs.start(app, token, lambda session: import_jobs.run_check(
        session, upload=upload, fmt=state["fmt"], head=head, mapping=mapping, today=today,
        state_path=state_path, progress=progress, chosen=chosen)))


@bp.get("/import/<token>/progress")
@allow(*ARCHIVE_ROLES)
def import_progress(token: str):
    """Rows checked or imported so far; once done, on to the preview or the batch."""
    path = _state_path(token).with_name(f"{token}.progress.json")
    progress = import_jobs.read_progress(path)
    if progress is None or progress.get("user_id") != current_user.id:
        raise InvalidInput("Предпросмотр устарел: загрузите файл ещё раз")
    if progress["status"] == "checked":
        return redirect_to(url_for("archive.import_review", token=token))
    if progress["status"] == "done":
        path.unlink(missing_ok=True)
        flash(f"Импортировано дел: {progress['imported']}, "
              f"пропущено строк: {progress['skipped']}")
        return redirect_to(url_for("archive.show_batch", batch_id=progress["batch_id"]))
    if progress["status"] == "running" and not import_jobs.is_alive(token) and \
            clock.now() - datetime.fromisoformat(progress["at"]) > JOB_STALE_AFTER:
        progress = {"status": "failed", "message": "Проверка или импорт прерваны "
                    "(сервер перезапускался). Загрузите реестр ещё раз."}
    return render("archive/import_progress.html", "archive/_import_progress.html",
                  progress=progress, token=token)


@bp.get("/import/<token>")
@allow(*ARCHIVE_ROLES)
def import_review(token: str):
    """Step 3: the preview — counts by problem kind, "only problem rows", the spellings."""
    state = _load_state(token)
    if "checked" not in state:
        if "mapping" in state:  # still being checked
            return redirect_to(url_for("archive.import_progress", token=token))
        raise InvalidInput("Сначала сопоставьте столбцы")
    preview = importing.Preview(rows=importing.rows_from_json(state["checked"]))
    only = request.args.get("only") == "problems"
    shown = preview.problems if only else preview.rows
    return _import_page(preview=preview, shown=shown[:PREVIEW_ROWS_SHOWN],
                        hidden=max(0, len(shown) - PREVIEW_ROWS_SHOWN), only=only,
                        filename=state["filename"], token=token,
                        confirm_form=ImportConfirmForm(formdata=None, token=token),
                        services=active_services(db.session))


@bp.get("/import/<token>/problems.xlsx")
@allow(*ARCHIVE_ROLES)
def import_problems(token: str):
    """The problem rows as written, with the cause, to correct and upload again."""
    state = _load_state(token)
    rows = importing.rows_from_json(state.get("checked") or [])
    head = importing.Head(**state["head"])
    columns = {f: c for f, c in state["mapping"].items() if c in head.columns}
    data = importing.problems_xlsx(rows, columns=columns)
    stem = Path(state["filename"]).stem
    return export_response(data, f"{stem}-oshibki.xlsx", object_type="archive_import",
                           details="строки с ошибками, XLSX")


@bp.post("/import/<token>/services")
@allow(*ARCHIVE_ROLES)
def import_services(token: str):
    """Remember the confirmed service spellings, then check the rows again."""
    form = ImportConfirmForm()
    form.validate()
    state = _load_state(token)
    chosen = {}
    for key, spelling in request.form.items():
        if key.startswith("spelling-"):
            code = request.form.get("service-" + key.removeprefix("spelling-"), "")
            if code:
                chosen[spelling] = code
    saved = importing.remember_spellings(db.session, chosen, user_id=current_user.id,
                                         now=clock.now())
    if "mapping" not in state:
        raise InvalidInput("Сначала сопоставьте столбцы")
    _start_check(token, state, state["mapping"])
    flash(f"Запомнено написаний услуг: {saved}")
    return redirect_to(url_for("archive.import_progress", token=token))


@bp.post("/import/<token>/people")
@allow(*ARCHIVE_ROLES)
def import_people(token: str):
    """The archivist's pick among people sharing a row's name and birth date; check again."""
    form = ImportConfirmForm()
    form.validate()
    state = _load_state(token)
    if "checked" not in state or import_jobs.is_alive(token):
        raise InvalidInput("Сначала дождитесь проверки строк")
    offered = {r["line"]: {c["id"] for c in r.get("candidates") or ()}
               for r in state["checked"]}
    chosen = importing.chosen_people(state.get("chosen"))
    for key, value in request.form.items():
        line, applicant_id = parse_id(key.removeprefix("person-")), parse_id(value)
        if key.startswith("person-") and line and applicant_id:
            if applicant_id in offered.get(line, ()):
                chosen[line] = applicant_id
    state["chosen"] = {str(line): applicant_id for line, applicant_id in chosen.items()}
    _start_check(token, state, state["mapping"])
    return redirect_to(url_for("archive.import_progress", token=token))


@bp.post("/import/confirm")
@allow(*ARCHIVE_ROLES)
def import_confirm():
    """Start the import in the background (chunks committed one by one); the page polls."""
    form = ImportConfirmForm()
    token = form.token.data
    state = _load_state(token)
    if "checked" not in state or import_jobs.is_alive(token):
        raise InvalidInput("Сначала дождитесь проверки строк")
    # The refusals the job would give, at once: from the rows checked for the preview.
    preview = importing.Preview(rows=importing.rows_from_json(state["checked"]))
    good_only = bool(form.good_only.data)
    importing.refuse_import(preview, good_only=good_only)
    progress = _progress_file(token)
    progress.write(status="running", phase="Проверка строк", done=0, total=0)
    app, now, rows = current_app._get_current_object(), clock.now(), state["rows"]
    actor, user_id = db.session.info.get(ACTOR_KEY), current_user.id
    consumed = (_state_path(token), _import_dir() / f"{token}.{state['fmt']}")
    chosen = importing.chosen_people(state.get("chosen"))
    after_commit(lambda: import_jobs.start(app, token, lambda session: import_jobs.run_import(
        session, rows=rows, filename=state["filename"], user_id=user_id, now=now,
        good_only=good_only, progress=progress, actor=actor, consumed=consumed,
        chosen=chosen)))
    return redirect_to(url_for("archive.import_progress", token=token))


@bp.post("/import/cancel")
@allow(*ARCHIVE_ROLES)
def import_cancel():
    """Drop an upload and its preview without importing."""
    form = ImportConfirmForm()
    path = _state_path(form.token.data)
    if import_jobs.is_alive(form.token.data):
        raise InvalidInput("Дождитесь окончания проверки или импорта")
    if path.is_file():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("user_id") == current_user.id:
            _drop_state(form.token.data, stored)
    flash("Импорт не выполнен: предпросмотр отменён")
    return redirect_to(url_for("archive.import_page"))


def _batch_page(batch, *, undo_form=None, status=200):
    files = queries.search_case_files(db.session, batch_id=batch.id, cancelled=True)
    return render("archive/batch.html", batch=batch, files=files,
                  undo_form=undo_form or UndoImportForm(formdata=None)), status


@bp.get("/import/<int:batch_id>")
@allow(*ARCHIVE_ROLES)
def show_batch(batch_id: int):
    return _batch_page(importing.get_batch(db.session, batch_id))


@bp.get("/import/<int:batch_id>/labels.pdf")
@allow(*ARCHIVE_ROLES)
def batch_labels(batch_id: int):
    """Labels of a range of register rows (the lines as the file numbers them), in order."""
    batch = importing.get_batch(db.session, batch_id)
    first = request.args.get("row_from", type=int)
    last = request.args.get("row_to", type=int)
    if first is not None and last is not None and first > last:
        raise InvalidInput("Строки реестра: «с» не больше «по»")
    files = [c for c in queries.label_rows(db.session, batch_id=batch.id)
             if (first is None or c.import_row >= first) and (last is None or c.import_row <= last)]
    if not files:
        raise InvalidInput("В этих строках реестра нет импортированных дел")
    fmt, start = _fmt_start()
    rows = f"-stroki-{first or 1}-{last or files[-1].import_row}"
    return _label_response(
        lambda: documents.folder_labels_pdf(files, fmt=fmt, start=start, offset=label_offset()),
        f"etiketki-importa-{batch.id}{rows}.pdf", kind="folder_labels")


@bp.post("/import/<int:batch_id>/undo")
@allow(*ARCHIVE_ROLES)
def undo_batch(batch_id: int):
    batch = importing.get_batch(db.session, batch_id)
    form = UndoImportForm()
    if not form.validate():
        return _batch_page(batch, undo_form=form, status=422)
    with form_action(form, field="reason") as outcome:
        cancelled = importing.undo_import(db.session, batch, reason=form.reason.data,
                                          user_id=current_user.id, now=clock.now())
    if not outcome.ok:
        if not isinstance(outcome.error, InvalidInput):
            raise outcome.error  # already undone, folders issued…: the 409 page
        return _batch_page(batch, undo_form=form, status=422)
    flash(f"Импорт № {batch.id} отменён, аннулировано дел: {cancelled}")
    return redirect_to(url_for("archive.show_batch", batch_id=batch.id))


@template_hook.connect_via("applicant-case-files")
def _applicant_case_files(_name, *, applicant, **_kwargs):
    """The applicant card's «Личные дела»."""
    if not has_role(*ARCHIVE_LOOKUP_ROLES):
        return None
    return render_template("archive/_applicant_case_files.html", applicant=applicant,
                           case_files=queries.case_files_of_applicant(db.session, applicant.id))

"""«Печать»: the print journal, re-prints, print setup, calibration page; the service worker."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..archive import documents as archive_documents
from ..archive.labels import LabelError
from ..auth.roles import ARCHIVE_LOOKUP_ROLES, ARCHIVE_ROLES, INTAKE_ROLES, MANAGEMENT_ROLES
from ..core import clock
from ..core.text import parse_date_ru
from ..errors import InvalidInput
from ..events import template_hook
from ..extensions import db
from ..printsetup import services as printsetup_services
from ..printsetup.models import LABEL_FORMATS
from ..printsetup.requests import current_setup, label_format, label_offset
from ..security.sessions import sees_full_pd
from ..web import (
    allow,
    form_action,
    has_role,
    pdf_response,
    public,
    record_read,
    redirect_to,
    render,
)
from . import queries
from .calibration import calibration_pdf
from .models import KIND_NAMES

bp = Blueprint("prints", __name__, cli_group="prints")

REGISTRY_ROLES = ("specialist", "chief", "director", "archivist")
# Who may re-print somebody else's document of a kind (the author always may, admin too).
KIND_ROLES = {
    "receipt": (*INTAKE_ROLES, *MANAGEMENT_ROLES),
    "transfer_register": (*INTAKE_ROLES, *MANAGEMENT_ROLES),
    "pamyatka": ("specialist", "chief", "director", "archivist"),
    "folder_labels": ARCHIVE_ROLES,
    "box_labels": ARCHIVE_ROLES,
    "inventory": ARCHIVE_LOOKUP_ROLES,
    "registry_request": REGISTRY_ROLES,
    "registry_answer": REGISTRY_ROLES,
    "appeal_letter": REGISTRY_ROLES,
    "decision_notice": REGISTRY_ROLES,
    "handover_act": REGISTRY_ROLES,
    "ticket": (*INTAKE_ROLES, *MANAGEMENT_ROLES),
    "report": MANAGEMENT_ROLES,
    "letters": (*INTAKE_ROLES, *MANAGEMENT_ROLES),
    "selection_report": ("specialist", "chief"),
    "inventory_report": ("archivist", "chief", "director"),
    "disposal_act": ("archivist", "chief", "director"),
}
SEES_ALL = MANAGEMENT_ROLES
# Kinds whose stored copy carries СНИЛС or document numbers in full: a reader who sees them
# masked (docs/ACCESS.md) gets the document made anew for them, never the stored bytes.
FULL_PD_KINDS = frozenset({"receipt", "selection_report"})


def _may_reprint(entry) -> bool:
    if entry.user_id == current_user.id:
        return True
    roles = KIND_ROLES.get(entry.kind)
    return has_role(*roles) if roles else has_role()


@bp.get("/prints/")
@allow()
def journal():
    """Today's (or a day's) printed documents: the user's own, or everyone's for management."""
    try:
        day = parse_date_ru(request.args["day"]) if request.args.get("day") else clock.today()
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    everyone = has_role(*SEES_ALL) and request.args.get("all") == "1"
    kind = request.args.get("kind") if request.args.get("kind") in KIND_NAMES else None
    listed = queries.journal(db.session, day=day, kind=kind,
                             user_id=None if everyone else current_user.id,
                             page=request.args.get("page", 1, type=int))
    return render("prints/index.html", listed=listed, day=day, everyone=everyone, kind=kind,
                  kinds=KIND_NAMES, can_see_all=has_role(*SEES_ALL), may_reprint=_may_reprint)


@bp.get("/prints/<int:print_id>.pdf")
@allow()
def reprint(print_id: int):
    """The stored document, byte for byte: same numbers, same content, nothing new issued."""
    entry = queries.get_print(db.session, print_id)
    if not _may_reprint(entry):
        abort(403)
    if entry.kind in FULL_PD_KINDS and not sees_full_pd():
        return redirect_to(entry.url)
    if entry.content is None:
        flash("Срок хранения копии истёк — документ сформирован заново по тем же данным.")
        return redirect_to(entry.url)
    response = pdf_response(entry.content, entry.filename)
    response.headers["X-Print-Id"] = str(entry.id)
    record_read("print", object_type=entry.object_type, object_id=entry.object_id,
               details=f"{entry.kind_name}, повторная печать № {entry.id}")
    return response


def _setup_page(setup, *, status=200, errors=None):
    return render("prints/setup.html", setup=setup, formats=LABEL_FORMATS,
                  errors=errors or {}), status


@bp.get("/prints/setup")
@allow()
def setup():
    return _setup_page(current_setup())


@bp.post("/prints/setup")
@allow()
def save_setup():
    form = request.form
    with form_action() as outcome:
        printsetup_services.save_setup(
            db.session, user_id=current_user.id, label_format=form.get("label_format", ""),
            printer_name=form.get("printer_name", ""),
            offset_x_mm=form.get("offset_x_mm", "0"), offset_y_mm=form.get("offset_y_mm", "0"),
            receipt_copies=form.get("receipt_copies", "1"), now=clock.now())
    if not outcome.ok:
        shown = SimpleNamespace(
            label_format=form.get("label_format", "sheet"),
            printer_name=form.get("printer_name", ""),
            offset_x_mm=form.get("offset_x_mm", ""), offset_y_mm=form.get("offset_y_mm", ""),
            receipt_copies=form.get("receipt_copies", "1"))
        return _setup_page(shown, status=422, errors={outcome.error.field: outcome.message})
    flash("Настройки печати сохранены.")
    return redirect_to(url_for("prints.setup"))


@bp.get("/prints/calibration.pdf")
@allow()
def calibration():
    """Ruler grid and a test barcode, shifted by the offsets being tried."""
    setup = current_setup()
    try:
        pdf = calibration_pdf(fmt=label_format(), layout=archive_documents.sheet_layout(),
                              size=archive_documents.thermal_size(), offset=label_offset(),
                              printer_name=setup.printer_name or "")
    except LabelError as exc:
        raise InvalidInput(str(exc)) from exc
    return pdf_response(pdf, "kalibrovka.pdf", kind="calibration")


@bp.get("/sw.js")
@public
def service_worker():
    """The service worker, from the root so that its scope is the whole app."""
    response = _from_static("sw.js", "text/javascript", cache="no-cache")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/favicon.ico")
@public
def favicon():
    """The icon browsers ask for at the root (kiosk, board and tablet pages too)."""
    return _from_static("favicon.ico", "image/vnd.microsoft.icon",
                        cache="public, max-age=604800")


def _from_static(name: str, mimetype: str, *, cache: str):
    """A file of static/ served from the site's root."""
    body = (Path(current_app.static_folder) / name).read_bytes()
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Cache-Control"] = cache
    return response


@bp.get("/ping")
@public
def ping():
    """Is the server reachable? (offline.js asks before a plain form is submitted)."""
    response = current_app.response_class("", 204)
    response.headers["Cache-Control"] = "no-store"
    return response


@template_hook.connect_via("object-prints")
def _object_prints(_name, *, object_type: str, object_id, **_kwargs):
    """The documents printed for an object, each to re-print identically."""
    if not current_user.is_authenticated:
        return None
    entries = [e for e in queries.for_object(db.session, object_type, object_id)
               if _may_reprint(e)]
    return render_template("prints/_object_prints.html", entries=entries)

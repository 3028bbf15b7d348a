import re

from flask import Blueprint, request, url_for
from flask_login import current_user

from ..auth.roles import INTAKE_ROLES
from ..catalog.queries import categories
from ..core import clock
from ..extensions import db
from ..forms_common import choices, parse_id
from ..web import (
    allow,
    audited_view,
    form_action,
    read_only,
    record_read,
    redirect_to,
    render,
)
from . import queries, services
from .forms import ApplicantForm, SearchForm

bp = Blueprint("applicants", __name__, url_prefix="/applicants")

# An application number as a receipt prints it and its barcode carries (ГГГГ-NNNNNN).
RECEIPT_NUMBER = re.compile(r"\d{4}-\d{6}")


def _service_code(raw: str | None) -> str:
    """A service chosen in the catalog, carried through search and card to the intake form."""
    code = (raw or "").strip().upper()
    return code if code.isalnum() and len(code) <= 8 else ""


@bp.get("/")
@allow(*INTAKE_ROLES)
def index():
    return render("applicants/index.html", form=SearchForm(), results=None, query="",
                  service=_service_code(request.args.get("service")))


@bp.post("/search")
@allow(*INTAKE_ROLES)
@read_only
@audited_view("applicants")
def search():
    """Search as you type; POST keeps СНИЛС and names out of URLs and server logs."""
    form = SearchForm()
    query = (form.q.data or "").strip()
    if RECEIPT_NUMBER.fullmatch(query):
        # A receipt's barcode scanned into the search: the intake opens its application.
        return redirect_to(url_for("intake.list_applications", number=query))
    results = queries.search_applicants(db.session, query) if form.validate() else []
    return render("applicants/index.html", "applicants/_results.html",
                  form=form, results=results, query=query,
                  service=_service_code(request.form.get("service")))


def _form_with_choices(*args, **kwargs) -> ApplicantForm:
    form = ApplicantForm(*args, **kwargs)
    form.categories.choices = choices(
        (c.id, c.name) for c in categories(db.session, only_active=True))
    return form


def _save_new(form: ApplicantForm):
    """Create the applicant from a valid form; return (applicant, duplicates)."""
    result = services.create_applicant(
        db.session, values=form.values(), today=clock.today(),
        category_ids=form.categories.data or [], user_id=current_user.id,
        confirm_duplicate=form.confirm_duplicate.data,
    )
    if isinstance(result, services.DuplicateWarning):
        return None, result.others
    return result, None


@bp.route("/new", methods=["GET", "POST"])
@allow(*INTAKE_ROLES)
def new():
    form = _form_with_choices()
    duplicates = None
    if form.validate_on_submit():
        applicant = None
        with form_action(form) as outcome:
            applicant, duplicates = _save_new(form)
        if outcome.message:
            form.form_errors.append(outcome.message)
        if applicant is not None:
            return redirect_to(url_for("applicants.card", applicant_id=applicant.id))
    status = 422 if (form.errors or duplicates) else 200
    return render("applicants/new.html", "applicants/_form.html", form=form,
                  duplicates=duplicates, applicant=None), status


@bp.get("/<int:applicant_id>")
@allow(*INTAKE_ROLES)
def card(applicant_id: int):
    applicant = queries.get_applicant(db.session, applicant_id)
    response = render("applicants/card.html", applicant=applicant,
                      service=_service_code(request.args.get("service")))
    record_read("view", object_type="applicant", object_id=applicant_id)
    return response


@bp.route("/<int:applicant_id>/edit", methods=["GET", "POST"])
@allow(*INTAKE_ROLES)
def edit(applicant_id: int):
    applicant = queries.get_applicant(db.session, applicant_id)
    form = _form_with_choices(obj=applicant)
    if not form.is_submitted():
        form.categories.data = [c.id for c in applicant.categories]
        form.version.data = str(applicant.version)
        form.snils.data = applicant.snils_display
    conflict = None
    if form.validate_on_submit():
        with form_action(form) as outcome:
            services.update_applicant(
                db.session, applicant, values=form.values(), today=clock.today(),
                expected_version=parse_id(form.version.data) or 0,
                category_ids=form.categories.data or [],
            )
        if outcome.ok:
            return redirect_to(url_for("applicants.card", applicant_id=applicant.id))
        if outcome.message:
            # Saved by someone else meanwhile: show the new version (read after the
            # rollback) and the message above the form.
            conflict = outcome.message
            applicant = queries.get_applicant(db.session, applicant_id)
            form.version.data = str(applicant.version)
    status = 422 if (form.errors or conflict) else 200
    if not form.is_submitted():
        record_read("view", object_type="applicant", object_id=applicant_id,
                    details="форма изменения")
    return render("applicants/edit.html", "applicants/_form.html", form=form,
                  applicant=applicant, conflict=conflict, duplicates=None), status


"""The home page: a dashboard per role (specialist, chief specialist, director)."""


from flask import Blueprint, current_app, flash, request, url_for
from flask_login import current_user

from ..applicants.forms import SearchForm
from ..applicants.queries import search_applicants
from ..archive.queries import case_file_of_application
from ..auth.roles import ARCHIVE_LOOKUP_ROLES, INTAKE_ROLES, MANAGEMENT_ROLES
from ..config import PLACEHOLDER_ADDRESS
from ..core import clock
from ..extensions import db
from ..feedback.queries import open_complaints_count
from ..intake import queries as intake_queries
from ..queue.queries import live_stats
from ..reporting import charts
from ..reporting.periods import Period, period_of
from ..reports import queries as report_queries
from ..web import allow, audited_view, has_role, redirect_to, render
from . import queries

bp = Blueprint("home", __name__)

# Rows of each list on the home page; its heading counts the whole list, which it links to.
HOME_ROWS = 10


def _standard() -> int:
    return int(current_app.config.get("QUEUE_WAIT_STANDARD_MINUTES", 15))


@bp.get("/")
@allow()
@audited_view("home")
def index():
    today = clock.today()
    context: dict = {"today": today}
    if has_role("admin"):
        context["placeholder_address"] = (
            current_app.config["INSTITUTION_ADDRESS"] == PLACEHOLDER_ADDRESS)
    if has_role("specialist", "chief"):
        context["mine"] = intake_queries.application_list(
            db.session, "today", today=today, user_id=current_user.id, limit=HOME_ROWS)
        context["my_deadlines"] = intake_queries.application_list(
            db.session, "due", today=today, user_id=current_user.id, limit=HOME_ROWS)
    if has_role("specialist", "chief", "director"):
        context["overdue"] = intake_queries.application_list(
            db.session, "overdue", today=today, limit=HOME_ROWS)
    if has_role("chief"):
        context["today_totals"] = report_queries.totals(
            db.session, period=period_of("day", today), today=today,
            standard_minutes=_standard())
        try:
            context["stats"] = live_stats(db.session, now=clock.now())
        except ImportError:  # the queue area is not installed
            context["stats"] = None
        context["open_complaints"] = open_complaints_count(db.session)
    if has_role("director"):
        month = Period("range", today.replace(day=1), today)
        context["month_totals"] = report_queries.totals(
            db.session, period=month, today=today, standard_minutes=_standard())
        trend = report_queries.month_trend(db.session, today=today)
        context["trend_chart"] = charts.line_chart(
            "Принято заявлений по месяцам", [label for label, _ in trend],
            [("Принято", [n for _, n in trend])], height=240)
    return render("home/index.html", **context)


def _application_url(application) -> str | None:
    if has_role(*INTAKE_ROLES, *MANAGEMENT_ROLES):
        return url_for("intake.show_application", application_id=application.id)
    # The archive opens the folder the application was filed into.
    case_file = case_file_of_application(db.session, application.id)
    if case_file is not None and has_role(*ARCHIVE_LOOKUP_ROLES):
        return url_for("archive.show_case", case_id=case_file.id)
    return None


def _ticket_url(ticket) -> str:
    """A ticket opens its (latest) application, else its applicant, else the desk."""
    if ticket.applications:
        return _application_url(ticket.applications[-1]) or url_for("queue.desk")
    if ticket.applicant_id is not None:
        return url_for("applicants.card", applicant_id=ticket.applicant_id)
    return url_for("queue.desk")


_TARGETS = {
    "application": _application_url,
    "ticket": _ticket_url,
    "request": lambda r: url_for("registry.show_request", request_id=r.id),
    "appeal": lambda a: url_for("registry.show_appeal", appeal_id=a.id),
    "case": lambda c: url_for("archive.show_case", case_id=c.id),
    "box": lambda b: url_for("archive.show_box", box_id=b.id),
    "applicant": lambda a: url_for("applicants.card", applicant_id=a.id),
}


@bp.post("/open")
@allow()
def open_anything():
    """The header's «Открыть» field: a number, a code, a СНИЛС or a name."""
    code = " ".join((request.form.get("code") or "").split())
    found = queries.open_code(db.session, code, today=clock.today())
    target = _TARGETS[found.kind](found.obj) if found.kind in _TARGETS else None
    if target:
        return redirect_to(target)
    if found.kind == "search" and has_role(*INTAKE_ROLES):
        # A name goes to the applicant search, answered at once (no name in the URL).
        return render("applicants/index.html", form=SearchForm(formdata=None), query=code,
                      results=search_applicants(db.session, code), service="")
    flash(f"Код «{code}» не найден" if code else "Отсканируйте или введите номер")
    return redirect_to(request.referrer or url_for("home.index"))

"""Reports for the chief specialist and the director: HTML, PDF, XLSX, CSV."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request
from flask_login import current_user
from sqlalchemy.orm import Session

from ..auth.roles import CHIEF, DIRECTOR, INTAKE_ROLES
from ..catalog.models import Service
from ..core import clock
from ..errors import NotFound
from ..events import template_hook
from ..extensions import db
from ..feedback.queries import ratings_report
from ..reporting.periods import KINDS, parse_period
from ..reporting.tables import display
from ..web import allow, export_response, pdf_response, render
from . import builders, documents, exports, queries, registries

bp = Blueprint("reports", __name__, url_prefix="/reports")

MANAGEMENT = (CHIEF, DIRECTOR)
DEFAULT_STANDARD = 15


def _ratings_report(session, **kwargs):
    return ratings_report(session, **kwargs)


# name -> (title, builder); every builder takes the session and keyword-only values.
REPORTS = {
    "intake": ("Приём заявлений", builders.intake_report),
    "queue": ("Электронная очередь", builders.queue_report),
    "working-time": ("Рабочее время специалистов", builders.working_time_report),
    "ratings": ("Оценки посетителей", _ratings_report),
    "registries": ("Запросы, обращения, выборки, архив", registries.registries_report),
}
NAMES = "intake, queue, \"working-time\", ratings, registries"


def reading_session() -> Session:
    """The session the report pages read with: the reports' database (``REPORTS_DATABASE_URL``,
    a streaming replica of the primary) when one is set, else the request's own.

    The journal of an export and the audit still go to the primary through ``db.session``.
    """
    engine = db.engines.get("reports")
    if engine is None:
        return db.session
    if "reports_session" not in g:
        g.reports_session = Session(engine, autoflush=False)
    return g.reports_session


@bp.teardown_app_request
def _close_reading_session(_exc=None) -> None:
    reading = g.pop("reports_session", None)
    if reading is not None:
        reading.close()


def standard_minutes() -> int:
    raw = request.args.get("standard", type=int)
    if raw is not None and 1 <= raw <= 240:
        return raw
    return int(current_app.config.get("QUEUE_WAIT_STANDARD_MINUTES", DEFAULT_STANDARD))


def _build(name: str):
    if name not in REPORTS:
        raise NotFound("Отчёт не найден")
    today = clock.today()
    period = parse_period(request.args, today=today)
    report = REPORTS[name][1](reading_session(), period=period, today=today,
                             standard_minutes=standard_minutes())
    return report, period


@bp.get("/")
@allow(*MANAGEMENT)
def index():
    return render("reports/index.html", reports=REPORTS,
                  show_proactive=current_user.role in (*INTAKE_ROLES, "admin"))


@bp.get(f"/<any({NAMES}):name>")
@allow(*MANAGEMENT)
def show(name: str):
    report, period = _build(name)
    return render("reports/report.html", report=report, period=period, name=name,
                  kinds=KINDS, standard=standard_minutes(),
                  export_args=dict(period.query_args(), **_extra_args(name))), \
        422 if period.error else 200


def _extra_args(name: str) -> dict:
    return {"standard": str(standard_minutes())} if name == "queue" else {}


def _filename(report, ext: str) -> str:
    suffix = f"-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}" if report.period else ""
    return f"{report.key}{suffix}.{ext}"


def export_report(report, fmt: str):
    journal = dict(object_type="report", object_id=_filename(report, "")[:-1])
    if fmt == "pdf":
        return pdf_response(documents.report_pdf(report, config=current_app.config,
                                                 generated=clock.today()),
                            _filename(report, "pdf"), kind="report", **journal)
    if fmt == "xlsx":
        return export_response(exports.to_xlsx(report), _filename(report, "xlsx"), **journal)
    index = request.args.get("table", default=0, type=int)
    if not 0 <= index < len(report.tables):
        raise NotFound("Таблица не найдена")
    table = report.tables[index]
    return export_response(exports.to_csv(table),
                           _filename(report, f"{table.key or index}.csv"), **journal)


@bp.get(f"/<any({NAMES}):name>.<any(pdf, xlsx, csv):fmt>")
@allow(*MANAGEMENT)
def export(name: str, fmt: str):
    report, _period = _build(name)
    return export_report(report, fmt)


# --- proactive service ------------------------------------------------------------------

def _proactive():
    service_id = request.args.get("service_id", type=int)
    return builders.proactive_report(reading_session(), service_id=service_id), service_id


@bp.get("/proactive")
@allow(*INTAKE_ROLES)
def proactive():
    report, service_id = _proactive()
    return render("reports/proactive.html", report=report, service_id=service_id,
                  counts=queries.proactive_counts(reading_session()))


@bp.get("/proactive.<any(pdf, xlsx, csv):fmt>")
@allow(*INTAKE_ROLES)
def proactive_export(fmt: str):
    report, _ = _proactive()
    return export_report(report, fmt)


@bp.get("/proactive/<int:service_id>/letters.pdf")
@allow(*INTAKE_ROLES)
def proactive_letters(service_id: int):
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound("Услуга не найдена")
    candidates = queries.proactive_candidates(reading_session(), service_id=service.id)
    return pdf_response(documents.letters_pdf(service, candidates, config=current_app.config,
                                              generated=clock.today()),
                        f"pisma-{service.code}.pdf", kind="letters", object_type="service",
                        object_id=service.code)


# --- the applicant card's block ---------------------------------------------------------

@bp.context_processor
def _report_display():
    return {"report_display": display}


@template_hook.connect_via("applicant-suggestions")
def _suggested_services(_name, *, applicant, **_kwargs):
    """The applicant card's «Возможно, положено»: services of their categories not yet asked."""
    if applicant is None or getattr(applicant, "id", None) is None:
        return None
    return render_template(
        "reports/_suggested_services.html", applicant=applicant,
        suggestions=queries.suggested_services(db.session, applicant_id=applicant.id))

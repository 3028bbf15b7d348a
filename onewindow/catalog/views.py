"""The catalog of services: search, the памятка page and its PDF."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from ..extensions import db
from ..web import allow, pdf_response, render
from . import documents, queries

bp = Blueprint("catalog", __name__, url_prefix="/services")


@bp.get("/")
@allow()
def index():
    """Services grouped by group; with ``?q=`` the matching ones, best first (htmx: the
    list), so that Enter opens the best."""
    query = (request.args.get("q") or "").strip()[:200]
    found = queries.search_services(db.session, query)
    return render("catalog/index.html", "catalog/_results.html",
                  groups=queries.group_services(found), ranked=found if query else None,
                  query=query, total=len(found))


@bp.get("/<code>")
@allow()
def show(code: str):
    service = queries.service_by_code(db.session, code)
    return render("catalog/show.html", service=service)


@bp.get("/<code>/pamyatka.pdf")
@allow()
def pamyatka_pdf(code: str):
    service = queries.service_by_code(db.session, code)
    pdf = documents.pamyatka_pdf(service, config=current_app.config)
    return pdf_response(pdf, f"pamyatka-{service.code}.pdf", kind="pamyatka", object_type="service", object_id=service.code)  # noqa: E501

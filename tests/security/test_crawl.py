"""Every page a user of each role can reach answers with a well-formed response, never 5xx.

Two passes on a small demo office (staff, applicants, applications with their case files
and interagency requests, a queue): a crawl from the home page following every link the
pages show, and every GET route of the URL map with ids of real records.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from onewindow.archive.models import ArchiveBox, CaseFile
from onewindow.auth.models import User
from onewindow.catalog.models import Service
from onewindow.demo import DEMO_PASSWORD
from onewindow.intake.models import Application
from onewindow.queue.models import Desk, Ticket, VisitPurpose
from onewindow.registry.models import Request

from .routes import crawl

ROLES = ("specialist", "chief", "director", "archivist", "admin")


def _well_formed(response) -> bool:
    return 100 <= response.status_code <= 599 and bool(response.status.split(" ", 1)[1:])


def _login(client, role: str):
    response = client.post("/login", data={"username": role, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("role", ROLES)
def test_every_linked_page_answers_without_a_server_error(app, client, office, role):
    _login(client, role)
    seen, failures = [], []
    for url, follow in crawl():
        seen.append(url)
        response = client.get(url)
        if not _well_formed(response) or response.status_code >= 500:
            failures.append(f"{url}: {response.status}")
            continue
        if response.mimetype == "text/html" and response.status_code == 200:
            follow(response.get_data(as_text=True))
    assert not failures, failures
    assert len(seen) > 15, f"the crawl as {role} reached only {sorted(seen)}"


def _sample_ids(session) -> dict[str, int]:
    def first(model):
        return session.scalar(select(model.id).order_by(model.id)) or 1

    return {
        "application_id": first(Application), "applicant_id": session.scalar(
            select(Application.applicant_id).order_by(Application.id)) or 1,
        "case_id": first(CaseFile), "box_id": first(ArchiveBox), "request_id": first(Request),
        "user_id": first(User), "service_id": first(Service), "desk_id": first(Desk),
        "purpose_id": first(VisitPurpose), "ticket_id": first(Ticket),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_get_route_answers_without_a_server_error(app, client, session, office, role):
    ids = _sample_ids(session)
    _login(client, role)
    failures, checked = [], 0
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {}
        for name, converter in rule._converters.items():
            values[name] = ids.get(name, 1) if isinstance(converter, IntegerConverter) \
                else getattr(converter, "items", None) and sorted(converter.items)[0] or "x"
        url = adapter.build(rule.endpoint, values)
        response = client.get(url)
        checked += 1
        if not _well_formed(response) or response.status_code >= 500:
            failures.append(f"{url}: {response.status}")
    assert not failures, failures
    assert checked > 100


def test_a_list_filtered_by_status_opens(client, office):
    """?status=open is a filter, not an HTTP status (it once sent «HTTP/1.1 0 open»)."""
    _login(client, "chief")
    for direction in ("in", "out"):
        response = client.get(f"/registry/requests?direction={direction}&status=open")
        assert response.status_code == 200, response.status
    page = client.get("/registry/requests?direction=out&status=open").get_data(as_text=True)
    assert "ждём ответ" in page or "Запрос" in page

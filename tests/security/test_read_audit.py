"""Every page or fragment that shows an applicant's name writes a read row in the audit
(issue 21, finding 11): cards, lists (one row per list view, with its filter) and searches.

Two checks: named pages, each with the row it must write (action, user, filter); and a
crawl as each role of a small demo office that fails on any page showing a demo
applicant's name without a read row of the user who opened it.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from onewindow.applicants.models import Applicant
from onewindow.auth.models import User
from onewindow.core import clock
from onewindow.intake.models import Application
from onewindow.inventory import services as inventory_services
from onewindow.security.models import AuditEntry

from ..archive.helpers import make_box
from .routes import crawl
from .test_crawl import ROLES, _login

READS = ("view", "view_list", "export", "print")
MAX_PAGES = 300


def _reads(session, username: str) -> list[tuple[str, str | None, str | None]]:
    session.rollback()
    rows = list(session.execute(
        select(AuditEntry.action, AuditEntry.object_type, AuditEntry.details)
        .where(AuditEntry.username == username, AuditEntry.action.in_(READS))
        .order_by(AuditEntry.id)))
    session.rollback()
    return [tuple(r) for r in rows]


def _count(session, username: str) -> int:
    session.rollback()
    n = session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.username == username, AuditEntry.action.in_(READS)))
    session.rollback()
    return n


def _markers(session) -> list[str]:
    """«Фамилия И» of every demo applicant whose surname no member of staff shares."""
    session.rollback()
    staff = {u.full_name.split()[0] for u in session.scalars(select(User))}
    markers = {f"{a.surname} {a.name[0]}" for a in session.scalars(select(Applicant))
               if a.surname not in staff}
    session.rollback()
    return sorted(markers)


# --------------------------------------------------------------------------- named pages


def _first(session, model):
    session.rollback()
    value = session.scalar(select(model.id).order_by(model.id))
    session.rollback()
    return value


@pytest.mark.parametrize(("role", "request_", "object_type", "details"), [
    ("specialist", ("GET", "/"), "home", None),
    ("specialist", ("GET", "/applications/?status=accepted"), "applications",
     "status=accepted"),
    ("archivist", ("GET", "/archive/?q={surname}"), "case_files", "q={surname}"),
    ("archivist", ("GET", "/archive/inventories/{inventory_id}"), "inventory", None),
    ("chief", ("GET", "/registry/applications/{application_id}"), "application", None),
    ("chief", ("GET", "/registry/deadlines"), "deadlines", None),
    ("chief", ("GET", "/registry/notices"), "notices", None),
    ("specialist", ("POST", "/applicants/search"), "applicants", "q={surname}"),
])
def test_each_page_with_names_writes_its_read_row(client, session, office, role, request_,
                                                   object_type, details):
    applicant = session.scalar(select(Applicant).order_by(Applicant.id))
    values = {"surname": applicant.surname, "application_id": _first(session, Application)}
    if "{inventory_id}" in request_[1]:
        archivist = session.scalar(select(User.id).where(User.role == "archivist"))
        make_box(session, capacity=10)
        values["inventory_id"] = inventory_services.open_inventory(
            session, order_number="1-ар", order_date=clock.today(), scope_kind="all",
            commission="Комиссия", deadline=clock.today(), user_id=archivist, now=clock.now()).id
        session.commit()
    session.rollback()
    _login(client, role)
    method, url = request_
    url = url.format(**values)
    before = _count(session, role)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"q": values["surname"]})
    assert response.status_code == 200, (url, response.status)
    rows = _reads(session, role)
    assert len(rows) == before + 1, rows
    action, kind, written = rows[-1]
    assert kind == object_type
    assert action == ("view" if kind in ("application", "inventory") else "view_list")
    if details is not None:
        assert written == details.format(**values)


# --------------------------------------------------------------------------- the crawl


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_a_name_without_a_read_row(client, session, office, role):
    markers = _markers(session)
    assert len(markers) >= 5
    marker_re = re.compile("|".join(re.escape(m) for m in markers))
    _login(client, role)
    seen, unaudited = [], []
    for url, follow in crawl(fragments=True, max_pages=MAX_PAGES):
        seen.append(url)
        before = _count(session, role)
        for htmx in (False, True):
            headers = {"HX-Request": "true"} if htmx else {}
            response = client.get(url, headers=headers)
            if response.status_code != 200 or response.mimetype != "text/html":
                break
            html = response.get_data(as_text=True)
            shown = marker_re.search(html)
            after = _count(session, role)
            if shown and after == before:
                unaudited.append(f"{url}{' (htmx)' if htmx else ''}: shows {shown.group()}")
            before = after
            if not htmx:
                follow(html)
    assert not unaudited, "\n".join(unaudited)
    assert len(seen) > 15

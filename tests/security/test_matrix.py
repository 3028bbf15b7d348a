"""Every route against the role × route matrix, for every role and for an anonymous visitor.

A new route fails here until it has an entry in onewindow/security/matrix.py that agrees
with its ``@allow``/``@public`` declaration (and docs/ACCESS.md is regenerated).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from onewindow.security import matrix
from onewindow.web import ANY_USER, PUBLIC, access_rule

from ..conftest import login
from .routes import routes

ROOT = Path(__file__).resolve().parents[2]


def _endpoints(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}


def test_every_endpoint_is_in_the_matrix(app):
    missing = sorted(_endpoints(app) - set(matrix.MATRIX))
    assert missing == [], (
        "endpoints without an entry in onewindow/security/matrix.py MATRIX "
        f"(add one and run `flask --app app access-matrix`): {missing}")


def test_matrix_has_no_stale_entries(app):
    assert sorted(set(matrix.MATRIX) - _endpoints(app)) == []


def test_declarations_agree_with_the_matrix(app):
    disagree = []
    for endpoint in sorted(_endpoints(app)):
        declared = access_rule(app.view_functions[endpoint])
        expected = matrix.MATRIX.get(endpoint)
        if expected == matrix.PUBLIC:
            ok = declared == PUBLIC
        elif expected == matrix.ANY_USER:
            ok = declared == ANY_USER
        else:
            ok = isinstance(declared, frozenset) and declared == expected
        if not ok:
            disagree.append((endpoint, declared, expected))
    assert disagree == []


def test_public_pages_show_no_personal_data(app, client, session, users):
    """Kiosk, board, feedback and the login page: an anonymous visitor sees no one's data."""
    from ..factories import make_applicant, make_application

    applicant = make_applicant(session, surname="Секретова", snils="112-233-445 95")
    make_application(session, applicant=applicant, user=users["specialist"])
    session.commit()
    for rule, method, url in routes(app):
        if method != "GET" or matrix.MATRIX.get(rule.endpoint) != matrix.PUBLIC:
            continue
        with client.get(url) as response:
            body = response.get_data().decode("utf-8", "replace")  # /favicon.ico is binary
        assert "Секретова" not in body and "445 95" not in body, url


def test_access_doc_is_generated_from_the_matrix(app):
    from onewindow.cli import _rules_by_endpoint

    doc = (ROOT / "docs" / "ACCESS.md").read_text(encoding="utf-8")
    table = matrix.markdown_table(_rules_by_endpoint(app))
    assert table in doc, "docs/ACCESS.md is stale: regenerate the table with " \
        "`flask --app app access-matrix`"


def test_anonymous_visitor(app, client):
    for rule, method, url in routes(app):
        if matrix.admits(rule.endpoint, None):
            continue
        response = client.open(url, method=method)
        assert response.status_code in (302, 401), (method, url, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], url


@pytest.mark.parametrize("role", matrix.ROLES_IN_ORDER)
def test_each_role_against_the_matrix(app, users, role):
    client = app.test_client()
    login(client, users[role])
    wrong = []
    for rule, method, url in routes(app):
        if rule.endpoint in ("account.logout", "account.login"):
            continue
        allowed = matrix.admits(rule.endpoint, role)
        if not allowed:
            # Refused before the view runs: nothing changes, whatever the method.
            status = client.open(url, method=method).status_code
            if status != 403:
                wrong.append((method, url, status, "expected 403"))
        elif method == "GET" and matrix.MATRIX[rule.endpoint] != matrix.PUBLIC:
            status = client.open(url, method=method).status_code
            if status in (401, 403):
                wrong.append((method, url, status, "expected access"))
    assert wrong == []


def test_full_personal_data_roles_are_desk_roles():
    assert matrix.FULL_PD_ROLES == {"specialist", "chief"}

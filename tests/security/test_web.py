"""Disclosure, CSRF/expired session mid-form, headers, escaping in HTML and PDF."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from onewindow.core import clock

from ..conftest import login
from ..factories import make_applicant, make_application
from ..pdfcheck import pdf_text

HX = {"HX-Request": "true"}
SNILS = "112-233-445 95"
HOSTILE = [
    "<script>alert(1)</script>",
    "О'Коннор \"Кавычки\"",
    "Смит & Сыновья",
    "Иванoва",  # a Latin "o" among Cyrillic letters
    "<b>жирный</b> &amp; &lt;",
]


def _alert(response) -> dict:
    assert response.headers["HX-Reswap"] == "none"
    return json.loads(response.headers["HX-Trigger"])["onewindow:alert"]


def test_expired_csrf_token_on_htmx_keeps_the_form(make_app, users):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": users["specialist"].username,
                                    "password": "Test-password-42", "csrf_token": token})
    assert r.status_code == 302
    stale = client.post("/applicants/search", data={"q": "Иван"},
                        headers={**HX, "X-CSRFToken": "expired-token"})
    assert stale.status_code == 400
    alert = _alert(stale)
    assert "Форма устарела" in alert["message"] and "сохранены в форме" in alert["message"]
    fresh = client.get("/account/csrf-token")
    assert fresh.status_code == 200 and fresh.headers["Cache-Control"] == "no-store"
    ok = client.post("/applicants/search", data={"q": "Иван"},
                     headers={**HX, "X-CSRFToken": fresh.get_data(as_text=True)})
    assert ok.status_code == 200
    # A plain form gets the full error page with the explanation.
    plain = client.post("/applicants/search", data={"q": "Иван", "csrf_token": "x"})
    assert plain.status_code == 400 and "Форма устарела" in plain.get_data(as_text=True)
    # The search form carries the page's token itself (sent without htmx, e.g. Enter
    # before the script has loaded); the form class has no token field of its own.
    page = client.get("/applicants/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sent = client.post("/applicants/search", data={"q": "Иван", "csrf_token": token})
    assert sent.status_code == 200 and "Заявители" in sent.get_data(as_text=True)


def test_expired_session_mid_form_on_htmx_keeps_the_form(client, users, monkeypatch):
    login(client, users["specialist"])
    later = clock.now() + timedelta(hours=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    r = client.post("/applicants/new", data={"surname": "Петров"}, headers=HX)
    assert r.status_code == 401
    alert = _alert(r)
    assert "Сеанс завершён" in alert["message"] and alert["login"].startswith("/login")
    assert "HX-Redirect" not in r.headers


def test_snils_masked_for_director_and_admin_full_for_desk(app, session, users):
    applicant = make_applicant(session, snils=SNILS, id_doc_number="765432")
    application = make_application(session, applicant=applicant, user=users["specialist"])
    session.commit()
    app_id, applicant_id = application.id, applicant.id
    from flask import g

    def page(role, url):
        g.pop("_login_user", None)
        client = app.test_client()
        login(client, users[role])
        return client.get(url).get_data(as_text=True)

    assert SNILS in page("specialist", f"/applicants/{applicant_id}")
    assert "765432" in page("chief", f"/applicants/{applicant_id}")
    admin_card = page("admin", f"/applicants/{applicant_id}")
    assert SNILS not in admin_card and "765432" not in admin_card
    assert "***-***-*45 95" in admin_card and "№ ***432" in admin_card
    director = page("director", f"/applications/{app_id}")
    assert SNILS not in director and "***-***-*45 95" in director
    assert SNILS in page("specialist", f"/applications/{app_id}")


def test_search_results_are_masked_and_search_is_post(specialist_client, session):
    make_applicant(session, snils=SNILS)
    session.commit()
    r = specialist_client.post("/applicants/search", data={"q": "11223344595"}, headers=HX)
    body = r.get_data(as_text=True)
    assert "***-***-*45 95" in body and SNILS not in body
    assert specialist_client.get("/applicants/search?q=11223344595").status_code == 405


def test_security_headers_and_no_store(specialist_client):
    r = specialist_client.get("/applicants/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["Cache-Control"] == "no-store"
    assert "<script>" not in r.get_data(as_text=True).replace("<script src", "")


def test_hostile_names_render_as_text_in_html(specialist_client, session, users):
    ids = []
    for name in HOSTILE:
        applicant = make_applicant(session, surname=name, patronymic=name)
        ids.append(applicant.id)
    session.commit()
    for name, applicant_id in zip(HOSTILE, ids, strict=True):
        body = specialist_client.get(f"/applicants/{applicant_id}").get_data(as_text=True)
        assert name not in body or not any(c in name for c in "<>&\"'")
        assert "<script>alert(1)" not in body
    body = specialist_client.get(f"/applicants/{ids[0]}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    body = specialist_client.get(f"/applicants/{ids[2]}").get_data(as_text=True)
    assert "Смит &amp; Сыновья" in body
    body = specialist_client.get(f"/applicants/{ids[3]}").get_data(as_text=True)
    assert "Иванoва" in body  # the look-alike stays exactly as typed
    results = specialist_client.post("/applicants/search", data={"q": "<script>"},
                                     headers=HX).get_data(as_text=True)
    assert "<script>alert" not in results


def test_hostile_names_come_out_literally_in_the_receipt_pdf(specialist_client, session,
                                                             users):
    texts = {}
    for name in HOSTILE:
        applicant = make_applicant(session, surname=name)
        application = make_application(session, applicant=applicant, user=users["specialist"])
        texts[name] = application.id
    session.commit()
    for name, app_id in texts.items():
        r = specialist_client.get(f"/applications/{app_id}/receipt.pdf")
        assert r.status_code == 200
        text = " ".join(pdf_text(r.get_data()).split())
        assert " ".join(name.split()) in text, (name, text[:400])


def test_huge_ids_and_nul_bytes_are_refused_cleanly(specialist_client):
    assert specialist_client.get("/applicants/99999999999").status_code == 404
    assert specialist_client.get("/applications/99999999999").status_code == 404
    r = specialist_client.get("/services/%00")
    assert r.status_code == 422 and "недопустимый символ" in r.get_data(as_text=True)


def test_a_failed_views_queued_reads_are_not_handed_to_the_next_request(app):
    """The edge drops what a view queued before it raised (requests may share ``g``)."""
    from flask import g

    from onewindow import web

    def failing():
        web.record_read("view", object_type="applicant", object_id=1)
        raise RuntimeError("boom")

    with app.test_request_context("/"):
        with pytest.raises(RuntimeError):
            web.transaction_edge(failing)()
        assert not g.get("_onewindow_edge_queue")

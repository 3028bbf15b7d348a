"""Intake views: 422 on bad input with nothing saved, fragments, CSRF through htmx."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from onewindow.core import clock
from onewindow.intake.models import Application

from ..conftest import make_test_app
from ..factories import make_applicant, make_application

HX = {"HX-Request": "true"}


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', html).group(1)


def test_unknown_service_and_bad_sheets_are_422(specialist_client, session):
    applicant = make_applicant(session)
    session.commit()
    html = specialist_client.get(f"/applications/new?applicant_id={applicant.id}").get_data(
        as_text=True)
    key = _key(html)
    r = specialist_client.post("/applications/", headers=HX, data={
        "applicant_id": applicant.id, "service": "NOPE", "idempotency_key": key})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "Выберите услугу из перечня" in body and "<html" not in body
    r = specialist_client.post("/applications/", headers=HX, data={
        "applicant_id": applicant.id, "service": "ESP", "idempotency_key": key,
        "doc-1-received": "1", "doc-1-sheets": "много"})
    assert r.status_code == 422
    assert "число листов" in r.get_data(as_text=True)
    assert 'checked' in r.get_data(as_text=True)  # what was ticked stays ticked
    r = specialist_client.post("/applications/", headers=HX, data={
        "applicant_id": applicant.id, "service": "ESP", "idempotency_key": key})
    assert r.status_code == 422 and "хотя бы один" in r.get_data(as_text=True)
    assert session.scalar(select(func.count(Application.id))) == 0


def test_checklist_fragment_for_htmx_and_full_page_directly(specialist_client, session):
    applicant = make_applicant(session)
    session.commit()
    url = f"/applications/new?applicant_id={applicant.id}&service=DONOR"
    fragment = specialist_client.get(url, headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and "data-checklist" in fragment
    # Only the checklist: swapped into #checklist, a whole form there would nest itself.
    assert "<form" not in fragment and "representative_name" not in fragment
    assert 'id="checklist"' not in fragment and "idempotency_key" not in fragment
    page = specialist_client.get(url).get_data(as_text=True)
    assert "<html" in page and "data-checklist" in page and "idempotency_key" in page


def test_csrf_required_and_accepted_from_htmx_header(database_url, app, users):
    csrf_app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    user = users["specialist"]
    no_token = client.post("/login", data={"username": user.username,
                                           "password": "Test-password-42"})
    assert no_token.status_code == 400
    assert "Форма устарела" in no_token.get_data(as_text=True)
    ok = client.post("/login", data={"username": user.username, "password": "Test-password-42",
                                     "csrf_token": token})
    assert ok.status_code == 302
    page = client.get("/applicants/").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    refused = client.post("/applicants/search", data={"q": "ив"}, headers=HX)
    assert refused.status_code == 400
    accepted = client.post("/applicants/search", data={"q": "ив"},
                           headers={**HX, "X-CSRFToken": header_token})
    assert accepted.status_code == 200
    with csrf_app.app_context():
        from onewindow.extensions import db

        db.engine.dispose()


def test_cancel_and_refusal_need_a_reason(specialist_client, users, session):
    from ..factories import make_application

    application = make_application(session, user=users["specialist"])
    session.commit()
    app_id = application.id
    r = specialist_client.post(f"/applications/{app_id}/cancel", data={"reason": " "})
    assert r.status_code == 422 and "Укажите причину" in r.get_data(as_text=True)
    specialist_client.post(f"/applications/{app_id}/status", data={"to": "transferred"})
    r = specialist_client.post(f"/applications/{app_id}/status", data={"to": "refused"})
    assert r.status_code == 422 and "Укажите причину отказа" in r.get_data(as_text=True)
    session.rollback()
    assert session.get(Application, app_id).status == "transferred"


def test_cancel_of_a_decided_application_is_422_and_keeps_it(specialist_client, users,
                                                             session):
    from onewindow.intake import services

    from ..factories import make_application

    application = make_application(session, user=users["specialist"])
    now = datetime(2026, 11, 28, 9)
    services.change_status(session, application, to="transferred", user_id=users[
        "specialist"].id, now=now)
    services.change_status(session, application, to="granted", user_id=users[
        "specialist"].id, now=now)
    session.commit()
    app_id = application.id
    r = specialist_client.post(f"/applications/{app_id}/cancel",
                               data={"reason": "Заявитель отозвал"})
    assert r.status_code == 422
    # The page of a decided application has no cancel form: the refusal is said on top.
    page = r.get_data(as_text=True)
    assert 'class="error form-error error-summary" role="alert"' in page
    assert "Не выполнено:" in page
    session.expire_all()
    saved = session.get(Application, app_id)
    assert saved.status == "granted" and saved.cancel_reason is None


def test_shortcuts_come_from_one_map_and_no_page_uses_accesskey(specialist_client, users,
                                                                session):
    application = make_application(session, user=users["specialist"])
    session.commit()
    pages = {
        f"/applicants/{application.applicant_id}": ('data-alt-key="KeyA"',
                                                     "Принять заявление (Alt+A)"),
        f"/applications/{application.id}": ('data-alt-key="KeyP"', "Печать расписки (Alt+P)"),
        "/services/GAZ": ('data-alt-key="KeyP"', "Печать памятки (Alt+P)"),
        "/applicants/": ('data-alt-key="KeyN"', "Новый заявитель (Alt+N)"),
    }
    for url, (attribute, label) in pages.items():
        html = specialist_client.get(url).get_data(as_text=True)
        assert attribute in html and label in html, url
        assert "accesskey" not in html, url
        assert 'data-alt-key="KeyO"' in html  # the header field «Открыть»
        assert "Alt+A — принять заявление" in html and "F1 — все клавиши" in html


def test_the_picker_lists_this_specialists_most_used_services_first(specialist_client, users,
                                                                    session):
    for code in ("RAD", "RAD", "DONOR"):
        make_application(session, user=users["specialist"], service_code=code,
                         now=clock.now())
    session.commit()
    html = specialist_client.get("/applications/new").get_data(as_text=True)
    codes = re.findall(r'role="option" id="service-option-\w+" data-code="(\w+)"', html)
    assert codes[:2] == ["RAD", "DONOR"] and len(codes) == 30

"""The registries through the Flask test client."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from onewindow.core import clock
from onewindow.intake.services import change_status
from onewindow.registry.models import Appeal, DecisionNotice, Handover, Request

from ..conftest import login
from ..factories import make_applicant, make_application, make_user
from ..pdfcheck import pdf_text
from .helpers import NOW, make_appeal, make_correspondent, make_incoming

HX = {"HX-Request": "true"}


def test_incoming_request_form_and_answer(specialist_client, session, users):
    client = specialist_client
    corr = make_correspondent(session)
    applicant = make_applicant(session)
    session.commit()
    page = client.get("/registry/requests/new")
    assert page.status_code == 200 and "Регистрация входящего запроса" in page.text
    data = {"direction": "in", "type_code": "no_benefit", "correspondent_id": corr.id,
            "channel": "post", "their_number": "55", "their_date": "",
            "received_on": clock.today().strftime("%d.%m.%Y"), "subject": "Подтвердить",
            "applicant_ids": str(applicant.id), "assigned_to_id": users["specialist"].id}
    bad = client.post("/registry/requests", data={**data, "subject": ""})
    assert bad.status_code == 422 and "Укажите содержание" in bad.text
    assert session.scalar(select(Request)) is None
    r = client.post("/registry/requests", data=data)
    assert r.status_code == 303, r.text
    req = session.scalar(select(Request))
    assert r.headers["Location"].endswith(f"/registry/requests/{req.id}")
    show = client.get(f"/registry/requests/{req.id}")
    assert req.number in show.text and applicant.full_name in show.text
    r = client.post(f"/registry/requests/{req.id}/answer",
                    data={"text": "Не получал", "signed_by": "Директор"})
    assert r.status_code == 303
    pdf = client.get(f"/registry/requests/{req.id}/letter.pdf")
    assert pdf.mimetype == "application/pdf"
    assert "Не получал" in pdf_text(pdf.data)


def test_appeal_late_registration_warning_in_form(specialist_client, session, users):
    client = specialist_client
    late = (clock.today() - timedelta(days=10)).strftime("%d.%m.%Y")
    data = {"received_on": late, "channel": "post", "kind": "statement", "surname": "Иванов",
            "name": "Иван", "patronymic": "Петрович", "sex": "", "address": "г. Волгоград",
            "subject": "О пособии", "text": "Текст", "assigned_to_id": users["specialist"].id,
            "responsible_id": ""}
    r = client.post("/registry/appeals", data=data)
    assert r.status_code == 422
    assert "срок регистрации" in r.text and "Регистрирую с нарушением" in r.text
    assert session.scalar(select(Appeal)) is None
    r = client.post("/registry/appeals", data={**data, "confirm_late": "y"})
    assert r.status_code == 303
    appeal = session.scalar(select(Appeal))
    assert appeal.late_registration and appeal.sex == "M"
    r = client.post(f"/registry/appeals/{appeal.id}/answer",
                    data={"text": "Разъяснено", "signed_by": "Директор"})
    assert r.status_code == 303
    pdf = client.get(f"/registry/appeals/{appeal.id}/answer.pdf")
    assert "Уважаемый Иван Петрович!" in pdf_text(pdf.data)
    # The specialist may not extend: the chief's right.
    assert client.post(f"/registry/appeals/{appeal.id}/extend",
                       data={"days": 5, "reason": "x"}).status_code == 403


def test_deadlines_page_and_header_count(client, session, users):
    spec = users["specialist"]
    make_incoming(session, user=spec, now=datetime(2026, 11, 2, 9), their_date=None)  # overdue
    session.commit()
    login(client, spec)
    page = client.get("/registry/deadlines")
    assert page.status_code == 200
    assert re.search(r'class="nav-count"[^>]*>1<', page.text)
    assert "Просрочено: 1" in page.text
    fragment = client.get("/registry/deadlines", headers=HX)
    assert "<html" not in fragment.text and 'id="deadline-board"' in fragment.text


def test_notice_from_application_page(client, session, users, app, monkeypatch):
    applicant = make_applicant(session, email="x@example.org")
    application = make_application(session, applicant=applicant, user=users["specialist"])
    change_status(session, application, to="transferred", user_id=users["chief"].id, now=NOW)
    change_status(session, application, to="granted", user_id=users["chief"].id, now=NOW)
    session.commit()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", "1")  # nothing listens: a recorded failure
    login(client, users["chief"])
    r = client.post(f"/registry/applications/{application.id}/notice",
                    data={"email_consent": "y", "email": "x@example.org"})
    assert r.status_code == 303
    notice = session.scalar(select(DecisionNotice))
    assert notice.status == "failed" and len(notice.attempts) == 1
    page = client.get("/registry/notices")
    assert "ошибка отправки" in page.text and "Отправить" in page.text


def test_handover_screen(client, session, users):
    spec = users["specialist"]
    receiver = make_user(session)
    app_row = make_application(session, user=spec)
    appeal = make_appeal(session, user=spec)
    session.commit()
    login(client, users["chief"])
    fragment = client.get(f"/registry/handovers/new?leaver_id={spec.id}", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert app_row.number in fragment.text and appeal.number in fragment.text
    r = client.post("/registry/handovers", data={
        "leaver_id": spec.id, "receiver_id": receiver.id, "reason": "trip",
        "starts_on": clock.today().strftime("%d.%m.%Y"), "ends_on": "", "scope": "chosen",
        "items": [f"appeal:{appeal.id}"]})
    assert r.status_code == 303, r.text
    row = session.scalar(select(Handover))
    assert [i.item_kind for i in row.items] == ["appeal"]
    act = client.get(f"/registry/handovers/{row.id}/act.pdf")
    assert appeal.number in pdf_text(act.data)
    r = client.post(f"/registry/handovers/{row.id}/take-back")
    assert r.status_code == 303
    session.expire_all()
    assert session.get(Appeal, appeal.id).assigned_to_id == spec.id
    # Specialists cannot open handovers.
    client.post("/logout")
    login(client, spec)
    assert client.get("/registry/handovers").status_code == 403


def test_assignment_and_acknowledgement(client, session, users):
    spec, chief = users["specialist"], users["chief"]
    login(client, chief)
    due = (clock.today() + timedelta(days=3)).strftime("%d.%m.%Y")
    r = client.post("/registry/assignments", data={"text": "Сверить дела", "due_date": due,
                                                   "assignee_id": spec.id, "on_control": "y"})
    assert r.status_code == 303
    r = client.post("/registry/acks", data={"title": "Приказ № 5", "kind": "order",
                                            "text": "Текст 1", "addressee_ids": [spec.id]})
    assert r.status_code == 303
    doc_url = r.headers["Location"]
    client.post("/logout")
    login(client, spec)
    page = client.get(doc_url)
    assert "не ознакомлен" in page.text
    version_id = re.search(r'name="version_id" type="hidden" value="(\d+)"', page.text).group(1)
    r = client.post(doc_url + "/acknowledge", data={"version_id": version_id})
    assert r.status_code == 303
    assert "ознакомлен(а)" in client.get(doc_url).text
    client.post("/logout")
    login(client, chief)
    client.post(doc_url + "/versions", data={"text": "Текст 2", "change_note": "п. 3"})
    client.post("/logout")
    login(client, spec)
    # The old version id no longer acknowledges the changed document.
    stale = client.post(doc_url + "/acknowledge", data={"version_id": version_id})
    assert stale.status_code == 409 and "новую редакцию" in stale.text
    page = client.get(doc_url)
    assert "ред. № 1" in page.text and "не ознакомлен" in page.text


def test_request_and_appeal_lists_are_paged_with_the_full_count(client, session, users):
    """A year's requests are thousands: the list shows a page at a time and says how many
    there are in all (it used to show the newest 200 and say nothing of the rest)."""
    spec = users["specialist"]
    correspondent = make_correspondent(session)
    numbers = [make_incoming(session, user=spec, correspondent=correspondent).number
               for _ in range(120)]
    for _ in range(51):
        make_appeal(session, user=spec)
    session.commit()
    login(client, spec)
    first = client.get("/registry/requests")
    assert first.status_code == 200
    assert "страница 1 из 3 · всего 120" in first.text
    assert numbers[-1] in first.text and numbers[69] not in first.text
    last = client.get("/registry/requests?page=3")
    assert numbers[0] in last.text and numbers[20] not in last.text
    # A page past the end shows the last one; a typed-in page that is not a number, the first.
    assert numbers[0] in client.get("/registry/requests?page=99").text
    assert "страница 1 из 3" in client.get("/registry/requests?page=abc").text
    # The filter is kept in the page links.
    opened = client.get("/registry/requests?status=open")
    next_link = re.search(r'<a href="([^"]*)" rel="next">', opened.text).group(1)
    assert "page=2" in next_link and "status=open" in next_link
    appeals = client.get("/registry/appeals?open=1&page=2")
    assert appeals.status_code == 200 and "страница 2 из 2 · всего 51" in appeals.text


def test_open_assignments_come_first_and_every_journal_is_paged(client, session, users):
    """Open assignments were sorted after the done ones (and cut at 200): at a year's volume
    the open ones fell off the page."""
    from onewindow.registry import services

    chief, spec = users["chief"], users["specialist"]
    made = []
    for i in range(60):
        row = services.create_assignment(
            session, text=f"Поручение {i}", due_date=clock.today() + timedelta(days=1 + i % 5),
            assignee_id=spec.id, author_id=chief.id, now=clock.now())
        if i < 55:
            row.status = "done"
        made.append(row)
    session.commit()
    login(client, chief)
    first = client.get("/registry/assignments").text
    open_ids = [f"П-{row.id}<" for row in made[55:]]
    assert all(mark in first for mark in open_ids)
    assert "страница 1 из 2 · всего 60" in first
    assert client.get("/registry/notices?page=7").status_code == 200
    assert client.get("/registry/handovers?page=x").status_code == 200

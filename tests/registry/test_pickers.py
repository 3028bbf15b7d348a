"""Forms link people and documents by search and number, never by database id."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from onewindow.core import clock
from onewindow.registry.models import Appeal, Assignment, Request

from ..conftest import login
from ..factories import make_applicant
from .helpers import make_appeal, make_correspondent

HX = {"HX-Request": "true"}


def test_request_applicants_are_found_and_chosen(specialist_client, session, users):
    client = specialist_client
    corr = make_correspondent(session)
    applicant = make_applicant(session, surname="Ёлкина", name="Анна", patronymic="Петровна")
    make_applicant(session, surname="Иванов")
    session.commit()
    page = client.get("/registry/requests/new")
    assert "id через запятую" not in page.text and "(id)" not in page.text
    assert 'name="applicant_q"' in page.text
    # Typed ФИО or СНИЛС: a list of people to choose from, no ids to type.
    found = client.get("/registry/applicant-lookup?applicant_q=елкина а", headers=HX)
    assert found.status_code == 200 and "<html" not in found.text
    assert "Ёлкина Анна Петровна" in found.text and "Иванов" not in found.text
    by_snils = client.get(f"/registry/applicant-lookup?applicant_q={applicant.snils[:9]}",
                          headers=HX)
    assert "Ёлкина Анна Петровна" in by_snils.text
    nobody = client.get("/registry/applicant-lookup?applicant_q=Щукин", headers=HX)
    assert "Не найдено" in nobody.text
    picked = client.get(f"/registry/applicant-lookup?pick={applicant.id}", headers=HX)
    assert f'name="applicant_ids" value="{applicant.id}" checked' in picked.text
    assert "Ёлкина Анна Петровна" in picked.text
    data = {"direction": "in", "type_code": "no_benefit", "correspondent_id": corr.id,
            "channel": "post", "received_on": clock.today().strftime("%d.%m.%Y"),
            "subject": "", "applicant_ids": [applicant.id],
            "assigned_to_id": users["specialist"].id}
    # A refused form keeps the chosen person, shown by name.
    bad = client.post("/registry/requests", data=data)
    assert bad.status_code == 422
    assert f'name="applicant_ids" value="{applicant.id}" checked' in bad.text
    assert "Ёлкина Анна Петровна" in bad.text
    r = client.post("/registry/requests", data={**data, "subject": "Подтвердить"})
    assert r.status_code == 303
    assert [a.id for a in session.scalar(select(Request)).applicants] == [applicant.id]


def test_repeated_appeal_chosen_by_number(specialist_client, session, users):
    client = specialist_client
    first = make_appeal(session, user=users["specialist"], now=clock.now())
    session.commit()
    page = client.get("/registry/appeals/new")
    assert "(id)" not in page.text and 'name="parent_number"' in page.text
    data = {"received_on": clock.today().strftime("%d.%m.%Y"), "channel": "post",
            "kind": "statement", "surname": "Петрова", "name": "Мария", "patronymic": "",
            "sex": "F", "address": "г. Волгоград", "subject": "Другая тема", "text": "Текст",
            "assigned_to_id": users["specialist"].id, "responsible_id": ""}
    bad = client.post("/registry/appeals", data={**data, "parent_number": "ОГ-2026-99999"})
    assert bad.status_code == 422 and "Обращение № ОГ-2026-99999 не найдено" in bad.text
    r = client.post("/registry/appeals", data={**data, "parent_number": first.number.lower()})
    assert r.status_code == 303
    again = session.scalars(select(Appeal).order_by(Appeal.id.desc())).first()
    assert again.parent_id == first.id


def test_assignment_link_shows_number_and_name(client, session, users):
    appeal = make_appeal(session, user=users["specialist"], now=clock.now())
    session.commit()
    login(client, users["chief"])
    due = (clock.today() + timedelta(days=3)).strftime("%d.%m.%Y")
    r = client.post("/registry/assignments", data={
        "text": "Подготовить ответ", "due_date": due, "assignee_id": users["specialist"].id,
        "link": appeal.number})
    assert r.status_code == 303
    row = session.scalar(select(Assignment))
    page = client.get(f"/registry/assignments/{row.id}")
    assert f"appeal:{appeal.id}" not in page.text
    assert f">Обращение № {appeal.number}, Иванов Иван Петрович</a>" in page.text
    assert f'href="/registry/appeals/{appeal.id}"' in page.text


def test_assignment_link_is_picked_from_numbers_never_typed_as_an_id(client, session, users):
    appeal = make_appeal(session, user=users["specialist"], now=clock.now())
    session.commit()
    login(client, users["chief"])
    form = client.get("/registry/assignments").text
    assert 'list="link-options"' in form and 'id="link-options"' in form
    prefix = appeal.number[:6].lower()  # «ог-202», typed in any case
    options = client.get("/registry/document-lookup", query_string={"link": prefix},
                         headers={"HX-Request": "true"}).text
    assert f'<option value="{appeal.number}">Обращение № {appeal.number}, ' in options
    due = (clock.today() + timedelta(days=3)).strftime("%d.%m.%Y")
    r = client.post("/registry/assignments", data={
        "text": "Подготовить ответ", "due_date": due, "assignee_id": users["specialist"].id,
        "link": f"appeal:{appeal.id}"})
    assert r.status_code == 422 and "ОГ-2026-00001" in r.text  # the hint names the numbers
    assert session.scalar(select(Assignment)) is None

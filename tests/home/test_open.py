"""The header field opens whatever a specialist types or scans into it (issue 17, item 7)."""

from __future__ import annotations

from sqlalchemy import select

from onewindow.archive import services as archive_services
from onewindow.core import clock
from onewindow.core.keyboard import as_latin_keys, as_russian_keys
from onewindow.queue import services as queue_services
from onewindow.queue.models import VisitPurpose
from onewindow.registry.models import Request

from ..conftest import login
from ..factories import make_applicant, make_application
from ..registry.helpers import make_appeal, make_incoming

OPEN = "/open"


def _opens(client, code: str) -> str:
    response = client.post(OPEN, data={"code": code})
    assert response.status_code == 303, (code, response.status_code)
    return response.headers["Location"]


def test_header_form_posts_to_the_opener(client, users):
    login(client, users["specialist"])
    page = client.get("/").get_data(as_text=True)
    assert f'action="{OPEN}"' in page


def test_application_numbers_in_every_spelling(client, users, session):
    now = clock.now()
    application = make_application(session, user=users["specialist"], now=now)
    target = f"/applications/{application.id}"
    year, seq = application.number.split("-")
    assert year == str(clock.today().year)
    session.commit()
    login(client, users["specialist"])
    for code in (application.number, year + seq, str(int(seq)), seq, f" {application.number} "):
        assert _opens(client, code).endswith(target), code


def test_registry_numbers_tickets_cases_and_boxes(client, users, session):
    now = clock.now()
    incoming = make_incoming(session, user=users["specialist"], now=now)
    appeal = make_appeal(session, user=users["specialist"], now=now)
    application = make_application(session, user=users["specialist"], service_code="GAZ",
                                   now=now)
    outgoing = session.scalar(select(Request).where(Request.direction == "out"))
    case_file = archive_services.ensure_case_file_for_application(session, application)
    queue_services.seed_queue(session)
    purpose = session.scalar(select(VisitPurpose).where(VisitPurpose.letter == "А"))
    ticket = queue_services.issue_ticket(session, purpose_id=purpose.id, now=now)
    ticket.applications.append(application)
    lone = queue_services.issue_ticket(session, purpose_id=purpose.id, now=now)
    session.commit()
    assert incoming.number.startswith("ВХ-") and appeal.number.startswith("ОГ-")
    assert outgoing is not None and outgoing.number.startswith("ИСХ-")
    login(client, users["specialist"])
    expected = {
        incoming.number: f"/registry/requests/{incoming.id}",
        incoming.number.lower(): f"/registry/requests/{incoming.id}",
        as_latin_keys(incoming.number): f"/registry/requests/{incoming.id}",
        appeal.number: f"/registry/appeals/{appeal.id}",
        outgoing.number: f"/registry/requests/{outgoing.id}",
        ticket.number: f"/applications/{application.id}",
        as_latin_keys(ticket.number): f"/applications/{application.id}",
        case_file.number: f"/archive/cases/{case_file.id}",
        as_russian_keys(case_file.number): f"/archive/cases/{case_file.id}",
    }
    for code, target in expected.items():
        assert _opens(client, code).endswith(target), code
    # A ticket without an application yet: the desk, where it is served.
    assert "/queue/" in _opens(client, lone.number)


def test_snils_opens_the_applicant_and_a_surname_searches(client, users, session):
    applicant = make_applicant(session, surname="Сковородникова")
    session.commit()
    login(client, users["specialist"])
    snils = applicant.snils
    for code in (snils, f"{snils[:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:]}"):
        assert _opens(client, code).endswith(f"/applicants/{applicant.id}"), code
    response = client.post(OPEN, data={"code": "Сковородн"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Сковородн"' in page and f"/applicants/{applicant.id}" in page


def test_unknown_code_says_so(client, users):
    login(client, users["specialist"])
    response = client.post(OPEN, data={"code": "??"}, headers={"Referer": "/applicants/"})
    assert response.status_code == 303
    assert "не найден" in client.get("/applicants/").get_data(as_text=True)


def test_receipt_scanned_into_applicant_search_opens_the_application(client, users,
                                                                      session):
    application = make_application(session, user=users["specialist"])
    session.commit()
    login(client, users["specialist"])
    response = client.post("/applicants/search", data={"q": application.number},
                           headers={"HX-Request": "true"})
    target = response.headers.get("HX-Redirect", "")
    assert target, response.get_data(as_text=True)[:300]
    opened = client.get(target)
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/applications/{application.id}")

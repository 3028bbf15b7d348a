"""Changes of personal-data records are audited by the flush itself, once, without values."""

from __future__ import annotations

from sqlalchemy import select

from onewindow.applicants.models import Applicant
from onewindow.archive import services as archive
from onewindow.security.models import AuditEntry

from ..archive.helpers import NOW, make_case_file
from ..conftest import login
from ..factories import make_applicant, make_application


def _rows(session, object_type):
    session.rollback()  # the server has written since
    return [(e.action, e.object_id, e.details, e.user_id) for e in session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == object_type,
                                 AuditEntry.action != "view").order_by(AuditEntry.id))]


def test_applicant_create_and_edit_are_audited_once_without_values(client, session, users):
    spec = users["specialist"]
    login(client, spec)
    data = {"surname": "Ёлкина-Сидорова", "name": "Анна", "patronymic": "Петровна",
            "birth_date": "01.05.1980", "sex": "F", "snils": "112-233-445 95",
            "id_doc_type": "passport_ru", "id_doc_series": "1804", "id_doc_number": "123456"}
    r = client.post("/applicants/new", data=data)
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:300]
    applicant_id = r.headers["Location"].rsplit("/", 1)[-1]
    assert _rows(session, "applicant") == [("create", applicant_id, None, spec.id)]

    version = session.get(Applicant, int(applicant_id)).version
    r = client.post(f"/applicants/{applicant_id}/edit",
                    data={**data, "surname": "Новосёлова", "version": str(version)})
    assert r.status_code in (302, 303)
    rows = _rows(session, "applicant")
    assert rows[0][0] == "create" and len(rows) == 2
    action, object_id, details, _user = rows[1]
    assert (action, object_id) == ("update", applicant_id)
    assert "surname" in details and "Новосёлова" not in details and "112" not in details


def test_application_status_and_cancel_come_from_the_flush(client, session, users):
    application = make_application(session, user=users["specialist"])
    session.commit()
    app_id = str(application.id)
    assert _rows(session, "application") == []  # made outside a request: not a person's access
    login(client, users["specialist"])
    client.post(f"/applications/{app_id}/status", data={"to": "transferred"})
    client.post(f"/applications/{app_id}/cancel", data={"reason": "ошибка оператора"})
    assert [r[:3] for r in _rows(session, "application")] == [
        ("status", app_id, "новый статус: transferred"), ("cancel", app_id, None)]


def test_case_file_changes_in_the_archive_are_audited(client, session, users):
    case_file = make_case_file(session, applicant=make_applicant(session))
    session.commit()
    case_id = str(case_file.id)
    login(client, users["archivist"])
    r = client.post(f"/archive/cases/{case_id}/close", data={"reason": "payments_stopped"})
    assert r.status_code in (302, 303)
    assert _rows(session, "case_file") == [
        ("status", case_id, "новый статус: closed", users["archivist"].id)]
    # A refused change leaves no audit row either.
    r = client.post(f"/archive/cases/{case_id}/close", data={"reason": ""})
    assert r.status_code == 422 and len(_rows(session, "case_file")) == 1


def test_services_outside_a_request_write_no_audit_rows(session):
    case_file = make_case_file(session)
    archive.close_case_file(session, case_file, reason="payments_stopped", note=None,
                            user_id=None, now=NOW)
    session.commit()
    assert _rows(session, "case_file") == []


def test_registry_cards_are_audited_views(client, session, users):
    from ..registry.helpers import make_appeal, make_incoming

    chief = users["chief"]
    request_id = make_incoming(session, user=chief).id
    appeal_id = make_appeal(session, user=chief).id
    session.commit()
    login(client, chief)
    assert client.get(f"/registry/requests/{request_id}").status_code == 200
    assert client.get(f"/registry/appeals/{appeal_id}").status_code == 200
    assert client.get("/registry/appeals/999999").status_code == 404  # nothing seen
    session.rollback()
    views = [(e.object_type, e.object_id, e.user_id) for e in session.scalars(
        select(AuditEntry).where(AuditEntry.action == "view").order_by(AuditEntry.id))]
    assert views == [("registry_request", str(request_id), chief.id),
                     ("appeal", str(appeal_id), chief.id)]

"""What registering and deciding an application sets off in the other areas."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from onewindow.intake import services
from onewindow.registry.models import DecisionNotice, Request

from ..factories import make_application, make_user


def test_registration_sends_interagency_requests_and_decision_prepares_notice(session):
    user = make_user(session)
    application = make_application(session, user=user, service_code="GAZ")
    wanted = {d.id for d in application.interagency_documents}
    assert wanted
    requests = list(session.scalars(select(Request).where(
        Request.application_id == application.id)))
    assert {r.application_document_id for r in requests} == wanted

    now = datetime(2026, 12, 1, 10)
    services.change_status(session, application, to="transferred", user_id=user.id, now=now)
    assert session.scalar(select(DecisionNotice)) is None
    services.change_status(session, application, to="granted", user_id=user.id, now=now)
    notice = session.scalar(select(DecisionNotice).where(
        DecisionNotice.application_id == application.id))
    assert notice is not None and notice.decision == "granted"


def test_registration_opens_the_case_file_once_per_service(session):
    from onewindow.archive.models import CaseFile

    user = make_user(session)
    first = make_application(session, user=user, service_code="ESP")
    again = make_application(session, user=user, service_code="ESP", applicant=first.applicant)
    other = make_application(session, user=user, service_code="GAZ", applicant=first.applicant)
    files = list(session.scalars(select(CaseFile).where(
        CaseFile.applicant_id == first.applicant_id).order_by(CaseFile.id)))
    assert [f.number.split("/")[0] for f in files] == ["ESP", "GAZ"]
    assert {a.id for a in files[0].applications} == {first.id, again.id}
    assert {a.id for a in files[1].applications} == {other.id}

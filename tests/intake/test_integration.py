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


def test_decision_notice_goes_by_email_only_with_consent(session):
    from ..factories import make_applicant

    user = make_user(session)
    now = datetime(2026, 12, 1, 10)
    notices = {}
    for consent in (True, False):
        applicant = make_applicant(session, email="anna@example.org", email_consent=consent)
        application = make_application(session, user=user, applicant=applicant)
        services.change_status(session, application, to="transferred", user_id=user.id, now=now)
        services.change_status(session, application, to="refused", user_id=user.id, now=now,
                               comment="Нет права")
        notices[consent] = session.scalar(select(DecisionNotice).where(
            DecisionNotice.application_id == application.id))
    assert notices[True].status == "pending" and notices[True].email_to == "anna@example.org"
    assert notices[False].status == "printed" and notices[False].email_to is None

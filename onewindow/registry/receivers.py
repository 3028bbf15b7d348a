"""The registry's part in intake: interagency requests on registration, notices on decision."""

from __future__ import annotations

from ..events import application_filed, application_registered, application_status_changed
from .notices import record_decision_notice
from .services import prepare_interagency_requests, start_new_holdings


@application_registered.connect
def send_interagency_requests(application, *, session, now, user_id, **_):
    prepare_interagency_requests(session, application, user_id=user_id, now=now)


@application_filed.connect
def hold_interagency_requests(application, *, session, now, **_):
    start_new_holdings(session, application, now=now)


@application_status_changed.connect
def prepare_decision_notice(application, *, session, now, user_id, **_):
    if application.status in ("granted", "refused"):
        applicant = application.applicant
        record_decision_notice(session, application, user_id=user_id, now=now,
                               email_consent=bool(getattr(applicant, "email_consent", False)),
                               email=applicant.email)

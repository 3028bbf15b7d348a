"""The archive's part in intake: every application goes into the applicant's case file."""

from __future__ import annotations

from ..events import application_registered
from .services import ensure_case_file_for_application


@application_registered.connect
def file_application(application, *, session, **_):
    ensure_case_file_for_application(session, application)

"""The archive's part in intake: every application goes into the applicant's case file."""

from __future__ import annotations

from ..events import application_registered
from .services import file_new_application


@application_registered.connect
def file_application(application, *, session, **_):
    file_new_application(session, application)

"""Every intake page renders for the roles that use it."""

from __future__ import annotations

import pytest

from onewindow.core import clock

from ..conftest import login
from ..factories import make_application


@pytest.mark.parametrize("role", ["specialist", "chief"])
def test_pages_render(client, users, session, role):
    application = make_application(session, user=users["specialist"],
                                   now=clock.now())
    session.commit()
    app_id, applicant_id = application.id, application.applicant_id
    login(client, users[role])
    for url in ["/", "/applicants/", "/applicants/new", f"/applicants/{applicant_id}",
                f"/applicants/{applicant_id}/edit", "/applications/",
                f"/applications/new?applicant_id={applicant_id}",
                f"/applications/{app_id}", "/applications/register",
                f"/applications/register?day=01.11.2026&user_id={users['specialist'].id}"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Одно окно" in response.get_data(as_text=True)
    bad_day = client.get("/applications/register?day=31.02.2026")
    assert bad_day.status_code == 422
    assert "Несуществующая дата" in bad_day.get_data(as_text=True)
    missing = client.get("/applications/?number=2026-999999")
    assert "не найдено" in missing.get_data(as_text=True)
    found = client.get(f"/applications/?number={application.number}")
    assert found.status_code == 303

"""A session that ends mid-form: the message appears and what was typed stays."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from onewindow.applicants.models import Applicant
from onewindow.auth.models import User

from ..factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def _login(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def test_session_ended_mid_form_keeps_the_typed_values(page, users, session):
    user = users["specialist"]
    username, user_id = user.username, user.id
    session.close()
    _login(page, username)
    page.goto("/applicants/new")
    page.fill("#surname", "Несохранённая")
    page.fill("#name", "Ольга")
    page.fill("#birth_date", "01.02.1970")
    page.select_option("#sex", "F")

    # The session ends on the server (as after a logout at another workstation).
    session.execute(update(User).where(User.id == user_id)
                    .values(session_version=User.session_version + 1))
    session.commit()
    session.close()

    page.click("#applicant-form button[type=submit]")
    alert = page.wait_for_selector("#session-alert:not([hidden])")
    assert "Сеанс завершён" in alert.inner_text()
    assert page.input_value("#surname") == "Несохранённая"
    assert page.input_value("#birth_date") == "01.02.1970"

    other = page.context.new_page()  # log in again in another tab (cookies are shared)
    _login(other, username)
    other.close()
    page.click("#session-alert button")
    page.wait_for_selector("#session-alert[hidden]", state="attached")
    assert not page.is_visible("#session-alert")
    page.click("#applicant-form button[type=submit]")
    page.wait_for_url(re.compile(r"/applicants/\d+$"))
    assert session.scalar(select(func.count(Applicant.id)).where(
        Applicant.surname == "Несохранённая")) == 1

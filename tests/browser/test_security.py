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


def _login_in_another_tab(page, username):
    other = page.context.new_page()  # cookies are shared with the page's tab
    _login(other, username)
    other.close()


def _end_sessions(session, user_id):
    session.execute(update(User).where(User.id == user_id)
                    .values(session_version=User.session_version + 1))
    session.commit()
    session.close()


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

    _end_sessions(session, user_id)  # as after a logout at another workstation

    page.click("#applicant-form button[type=submit]")
    alert = page.wait_for_selector("#session-alert:not([hidden])")
    assert "Сеанс завершён" in alert.inner_text()
    assert page.input_value("#surname") == "Несохранённая"
    assert page.input_value("#birth_date") == "01.02.1970"

    _login_in_another_tab(page, username)
    page.click("#session-alert button")
    page.wait_for_selector("#session-alert[hidden]", state="attached")
    assert not page.is_visible("#session-alert")
    page.click("#applicant-form button[type=submit]")
    page.wait_for_url(re.compile(r"/applicants/\d+$"))
    assert session.scalar(select(func.count(Applicant.id)).where(
        Applicant.surname == "Несохранённая")) == 1


def test_plain_form_outliving_its_session_or_key_keeps_the_typed_values(page, users, session):
    """A plain (non-htmx) POST form: a stale CSRF key is renewed before sending; an ended
    session is said in place, and nothing typed is lost."""
    from onewindow.printsetup.models import PrintSetup

    user = users["specialist"]
    username, user_id = user.username, user.id
    session.close()
    _login(page, username)
    page.goto("/prints/setup")
    page.fill("#printer_name", "Zebra ZD220, кабинет 5")
    page.fill("#offset_x_mm", "1,5")
    _end_sessions(session, user_id)

    page.click("form[action$='/prints/setup'] button[type=submit]")
    alert = page.wait_for_selector("#session-alert:not([hidden])")
    assert "Сеанс завершён" in alert.inner_text()
    assert page.url.endswith("/prints/setup")
    assert page.input_value("#printer_name") == "Zebra ZD220, кабинет 5"
    assert session.scalar(select(func.count(PrintSetup.id))) == 0

    _login_in_another_tab(page, username)
    # The page's key belongs to the old session; it is renewed on submit, so no
    # "Форма устарела" page and no lost input.
    page.evaluate("document.querySelectorAll('input[name=csrf_token]')"
                  ".forEach(function (i) { i.value = 'stale'; })")
    with page.expect_navigation():
        page.click("form[action$='/prints/setup'] button[type=submit]")
    assert "Форма устарела" not in page.content()
    session.rollback()
    saved = session.scalar(select(PrintSetup).where(PrintSetup.user_id == user_id))
    assert saved is not None and saved.printer_name == "Zebra ZD220, кабинет 5"
    assert saved.offset_x_mm == 1.5

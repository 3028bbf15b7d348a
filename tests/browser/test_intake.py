"""The whole intake with the keyboard only, in headless Chromium."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from onewindow.intake.models import Application

from ..factories import DEFAULT_PASSWORD, make_applicant
from ..pdfcheck import pdf_text

pytestmark = pytest.mark.browser


def keyboard_login(page, username):
    page.goto("/login")
    # The field has the focus by itself (autofocus), once the page has settled.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))


def test_keyboard_only_intake_and_receipt(page, users, session):
    applicant = make_applicant(session, surname="Ёлкина", name="Алёна", patronymic="Петровна")
    session.commit()
    applicant_id = applicant.id
    keyboard_login(page, users["specialist"].username)
    assert users["specialist"].full_name in page.inner_text("header")

    page.keyboard.press("Enter")  # the autofocused "find applicant" link
    page.wait_for_url(re.compile(r"/applicants/$"))
    page.keyboard.type("елкина а.п.")
    page.wait_for_selector("#applicant-results [data-item]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/applicants/{applicant_id}$"))

    page.keyboard.press("Enter")  # "Принять заявление" has the focus
    page.wait_for_url(re.compile(r"/applications/new"))
    assert page.evaluate("document.activeElement.id") == "service"
    page.keyboard.type("GAZ")
    page.wait_for_selector("[data-checklist] #doc-1-received:focus")
    page.keyboard.press("1")  # tick document 1 (already focused) …
    page.keyboard.press("2")  # … and document 2 with one key each
    assert page.is_checked("#doc-1-received") and page.is_checked("#doc-2-received")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/applications/\d+\?registered=1"))
    assert "Заявление зарегистрировано" in page.inner_text("main")

    session.rollback()  # end the test's read snapshot: the server has written since
    number = session.scalar(select(Application.number))
    assert number and number in page.inner_text("h1")
    with page.context.expect_page() as popup_info:
        page.keyboard.press("Enter")  # "Печать расписки" is focused
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url.endswith("/receipt.pdf")
    response = page.request.get(popup.url)
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert "Ёлкина Алёна Петровна" in text and number in text

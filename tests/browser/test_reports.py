"""Browser: the chief picks a period on a report; a visitor rates a visit by the QR link."""

from __future__ import annotations

import pytest

from ..factories import DEFAULT_PASSWORD, make_application

pytestmark = pytest.mark.browser


def _login(page, user):
    page.goto("/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_report_period_and_csv_links(page, users):
    _login(page, users["chief"])
    page.click("nav.mainnav >> text=Отчёты")
    page.click("text=Приём заявлений")
    page.wait_for_url("**/reports/intake")
    page.select_option("select[name=period]", "year")
    page.fill("input[name=date]", "15.05.2026")
    page.click("form.period-picker button[type=submit]")
    page.wait_for_url("**/reports/intake?period=year*")
    page.wait_for_load_state()
    assert "Период: 2026 год" in page.inner_text("main")
    assert page.locator("svg.chart").count() == 2
    assert page.locator("a:has-text('CSV этой таблицы')").count() == 4


def test_visitor_rates_by_qr_link(app, page, session, users):
    application = make_application(session, user=users["specialist"])
    session.commit()
    with app.test_request_context():
        from onewindow.core.rating_tokens import make_token

        token = make_token(app.config["SECRET_KEY"], kind="a", object_id=application.id)
    page.goto(f"/r/{token}")
    page.fill("textarea[name=comment]", "Быстро и вежливо")
    page.click("button.score-5")
    assert "Спасибо! Ваша оценка получена." in page.content()
    page.goto(f"/r/{token}")
    assert "уже получена" in page.content()

"""Browser: the chief picks a period on a report; a visitor rates a visit by the QR link."""

from __future__ import annotations

import random

import pytest

from ..factories import DEFAULT_PASSWORD, make_application
from ..reports.data import make_queue_data
from .keyboard import press_key

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


def _press_date(page, text: str, rng) -> None:
    """Type a date on the Russian layout, pressing the US «.» key between the parts (it
    gives «ю» there) at a person's 40–120 ms a key, without waiting between keys."""
    for char in text:
        press_key(page, "Period" if char == "." else f"Digit{char}")
        page.wait_for_timeout(rng.randrange(40, 121))


def test_queue_report_period_typed_without_switching_layout(app, page, session, users):
    """The chief types «01ю11ю2026» (the «.» key with ЙЦУКЕН on) and gets the week's
    queue report with its figures, not an error."""
    make_queue_data(session, specialist_a=users["specialist"], specialist_b=users["chief"])
    session.commit()
    _login(page, users["chief"])
    page.goto("/reports/queue")
    page.select_option("select[name=period]", "range")
    rng = random.Random(7)
    page.click("input[name=from]")
    page.fill("input[name=from]", "")
    _press_date(page, "02.11.2026", rng)
    page.click("input[name=to]")
    page.fill("input[name=to]", "")
    _press_date(page, "08.11.2026", rng)
    assert page.input_value("input[name=from]") == "02ю11ю2026"
    page.keyboard.press("Enter")
    page.wait_for_url("**/reports/queue?period=range*")
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "Период: 02.11.2026 — 08.11.2026" in main
    assert page.locator(".period-picker .error").count() == 0
    assert "71,4 %" in main  # 5 of 7 waits within 15 minutes (tests/reports/data.py)

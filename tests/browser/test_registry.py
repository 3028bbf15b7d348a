"""Handover and the "Сроки" page in headless Chromium (htmx swaps, CSP-clean)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from onewindow.core import clock
from onewindow.registry.models import Appeal, Handover

from ..factories import DEFAULT_PASSWORD, make_application, make_user
from ..registry.helpers import AWAITING, make_appeal, make_busy_office, make_incoming

pytestmark = pytest.mark.browser


def _login(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


@pytest.fixture(autouse=True)
def _intake_events_muted():
    """The handover list here is built from explicit registry rows only."""
    from onewindow.events import application_registered, application_status_changed

    with application_registered.muted(), application_status_changed.muted():
        yield


def test_handover_lists_items_after_choosing_leaver(page, users, session):
    spec = users["specialist"]
    receiver = make_user(session, full_name="Принимающая Ольга Ивановна")
    application = make_application(session, user=spec)
    appeal = make_appeal(session, user=spec)
    spec_id, receiver_id, chief_name = spec.id, receiver.id, users["chief"].username
    app_number, appeal_number, appeal_id = application.number, appeal.number, appeal.id
    session.commit()  # and no reads until the browser is done: the server needs the DB
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(page, chief_name)
    page.click("a.nav-deadlines")
    page.wait_for_url(re.compile(r"/registry/deadlines"))
    assert "Сроки — по сектору" in page.inner_text("h1")

    page.goto("/registry/handovers/new")
    page.select_option("#leaver_id", str(spec_id))
    page.wait_for_selector(f"#held-items >> text={app_number}")
    assert appeal_number in page.inner_text("#held-items")
    page.select_option("#receiver_id", str(receiver_id))
    page.fill("#starts_on", clock.today().strftime("%d.%m.%Y"))
    page.click("form.registry-form button.primary")
    page.wait_for_url(re.compile(r"/registry/handovers/\d+$"))
    assert "Акт приёма-передачи" in page.inner_text("main")
    session.rollback()  # a fresh snapshot
    row = session.scalar(select(Handover))
    assert len(row.items) == 2
    assert session.get(Appeal, appeal_id).assigned_to_id == receiver_id
    assert not [e for e in errors if "Content Security Policy" in e]


def test_reload_after_refused_form_shows_the_form_not_405(page, users, session):
    spec = users["specialist"]
    req = make_incoming(session, user=spec, now=clock.now())
    req_id, username = req.id, spec.username
    session.commit()
    _login(page, username)
    page.goto(f"/registry/requests/{req_id}")
    form = page.locator(f"form[action='/registry/requests/{req_id}/answer']")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.locator("button[type=submit]").click()  # no signatory: refused
    assert posted.value.status == 422
    page.wait_for_selector("text=Укажите, кто подписывает")
    # The address bar is back on the request's page, not on the POST-only URL.
    page.wait_for_function("() => !location.pathname.endsWith('/answer')")
    assert page.url.endswith(f"/registry/requests/{req_id}")
    response = page.reload()
    assert response.status == 200
    assert "Метод не поддерживается" not in page.content()
    assert page.locator(f"form[action='/registry/requests/{req_id}/answer']").count() == 1


def test_deadlines_page_at_volume_filters_pages_and_answers_in_bulk(page, users, session):
    spec = users["specialist"]
    make_busy_office(session, users)  # 10,040 open items, inserted in bulk
    username = spec.username
    session.commit()
    _login(page, username)
    page.goto("/registry/deadlines")
    assert page.locator("[data-kind=awaiting]").get_attribute("open") is None  # folded
    # Choosing a kind swaps the board (htmx) and puts the filter in the address bar.
    page.select_option("#kind", "awaiting")
    page.wait_for_url(re.compile(r"kind=awaiting"))
    page.wait_for_selector("text=страница 1 из")
    assert page.locator("#deadline-board tbody tr").count() == 50
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    page.wait_for_selector("text=страница 2 из")
    # The URL opens the same page directly.
    url = page.url
    page.goto(url)
    assert "страница 2 из" in page.inner_text("#deadline-board")
    assert page.locator("#kind").input_value() == "awaiting"
    # Tick two awaited answers and record them at once.
    boxes = page.locator("input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("text=Ответ получен — по отмеченным")
    page.wait_for_selector(f"text=Ждём ответ: {AWAITING - 2}")
    assert "kind=awaiting" in page.url

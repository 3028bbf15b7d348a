"""Offline copies of printed documents live only as long as the login session that printed
them (issue #21, item 6): after a logout, an expiry, another user's login or a browser
started again, going offline serves nothing (the service worker path, on 127.0.0.1)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from onewindow.core import clock

from ..conftest import CHROMIUM
from ..factories import make_application
from .test_offline import _login

pytestmark = pytest.mark.browser

KEPT = ("caches.keys().then(ks => Promise.all(ks.filter(k => k.startsWith("
        "'onewindow-prints-')).map(k => caches.open(k).then(c => c.keys()))))"
        ".then(ls => ls.flat().map(r => new URL(r.url).pathname))")


@pytest.fixture
def desk(browser, server, users, session):
    """A desk's browser on a stoppable server, an application of the specialist's."""
    application = make_application(session, user=users["specialist"])
    session.commit()
    base = server.start()
    context = browser.new_context(locale="ru-RU", base_url=base)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.application_id = application.id
    yield page
    context.close()


def _print_receipt(page):
    """Print the receipt with its button, as the desk does; the worker keeps a copy."""
    receipt = f"/applications/{page.application_id}/receipt.pdf"
    page.goto(f"/applications/{page.application_id}")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    with page.context.expect_page() as popup:
        page.click("a[data-print]:has-text('Печать расписки')")
    popup.value.wait_for_load_state()
    popup.value.close()
    page.wait_for_function(f"{KEPT}.then(ps => ps.includes('{receipt}'))")
    return receipt


def _served_offline(page, receipt) -> bool:
    """Whether the page gets the receipt (a PDF) with the server stopped."""
    return page.evaluate(
        "url => fetch(url).then(r => (r.headers.get('Content-Type') || '')"
        ".startsWith('application/pdf')).catch(() => false)", receipt)


def _not_served(page, receipt):
    assert _served_offline(page, receipt) is False
    response = page.goto(receipt)
    assert response is None or "pdf" not in (response.headers.get("content-type") or "")
    assert "Нет связи с сервером" in page.inner_text("h1")
    assert page.locator("#offline-documents a").count() == 0
    assert page.is_visible("#offline-empty")
    assert page.evaluate(KEPT) == []


def test_the_live_session_gets_its_receipt_offline(desk, users, server):
    # The control: the same steps, the session still live, serve the receipt.
    _login(desk, users["specialist"])
    receipt = _print_receipt(desk)
    server.stop()
    assert _served_offline(desk, receipt) is True


def test_after_logout_the_receipt_is_not_served_offline(desk, users, server):
    _login(desk, users["specialist"])
    receipt = _print_receipt(desk)
    desk.goto("/")
    desk.click(".userbox form button[type=submit]")
    desk.wait_for_url(re.compile(r"/login"))
    assert desk.context.cookies() and not [
        c for c in desk.context.cookies() if c["name"] == "onewindow_docs"]
    server.stop()
    _not_served(desk, receipt)


def test_after_expiry_the_receipt_is_not_served_offline(desk, users, server, monkeypatch):
    _login(desk, users["specialist"])
    receipt = _print_receipt(desk)
    # Back after 31 idle minutes: the server ends the session and drops the marker.
    later = clock.now() + timedelta(minutes=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    desk.goto("/applications/")
    desk.wait_for_url(re.compile(r"/login"))
    assert "не работали с системой дольше 30 мин" in desk.inner_text("body")
    server.stop()
    _not_served(desk, receipt)


def test_another_users_login_drops_the_receipt(desk, users, server):
    _login(desk, users["specialist"])
    receipt = _print_receipt(desk)
    # The specialist's login cookie is gone (expired in the browser); the chief logs in.
    desk.context.clear_cookies(name="session")
    _login(desk, users["chief"])
    server.stop()
    _not_served(desk, receipt)


def test_a_browser_started_again_gets_nothing_even_before_a_page_loads(desk, users, server):
    _login(desk, users["specialist"])
    receipt = _print_receipt(desk)
    # The marker is a browser-session cookie: a closed browser forgets it. Not even a
    # page load in between: the worker itself refuses (and drops the copy).
    desk.context.clear_cookies(name="onewindow_docs")
    server.stop()
    assert _served_offline(desk, receipt) is False
    assert desk.evaluate(KEPT) == []


def test_the_page_notices_the_session_end_by_itself(browser, server, users, session):
    """No request after the session's end: the open page drops the documents on its own."""
    application = make_application(session, user=users["specialist"])
    session.commit()
    context = browser.new_context(locale="ru-RU", base_url=server.start())
    context.clock.install()  # the pages' clock (Date, timers), moved by the test
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.application_id = application.id
    try:
        _login(page, users["specialist"])
        receipt = _print_receipt(page)
        server.stop()
        assert _served_offline(page, receipt) is True  # still within the session
        page.clock.fast_forward("31:00")  # the idle limit passes, the desk untouched
        page.wait_for_function(f"{KEPT}.then(ps => ps.length === 0)")
        assert _served_offline(page, receipt) is False
    finally:
        context.close()


def test_a_closed_browser_started_again_offline_serves_nothing(browser, server, users, session,
                                                              tmp_path):
    """The real thing: the same Chromium profile closed and started again, server down."""
    application = make_application(session, user=users["specialist"])
    session.commit()
    base = server.start()

    def start():
        context = browser.browser_type.launch_persistent_context(
            tmp_path / "profile", executable_path=CHROMIUM, headless=True, locale="ru-RU",
            base_url=base, args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                 "--disable-background-networking", "--disable-sync",
                                 "--disable-dev-shm-usage"])
        context.set_default_timeout(15_000)
        return context, context.pages[0] if context.pages else context.new_page()

    context, page = start()
    try:
        _login(page, users["specialist"])
        page.application_id = application.id
        receipt = _print_receipt(page)
    finally:
        context.close()
    server.stop()
    context, page = start()
    try:
        # The login cookie outlives the browser (30 idle minutes); the marker does not.
        names = {c["name"] for c in context.cookies()}
        assert "session" in names and "onewindow_docs" not in names
        response = page.goto(receipt)
        assert response is None or "pdf" not in (response.headers.get("content-type") or "")
        assert "Нет связи с сервером" in page.inner_text("h1")
        assert page.locator("#offline-documents a").count() == 0
        assert page.evaluate(KEPT) == []
    finally:
        context.close()

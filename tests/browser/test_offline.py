"""No internet, ever; and a desk that keeps working when the server drops.

The service worker needs a secure context: http://127.0.0.1 is one for Chromium.
"""

from __future__ import annotations

import base64
import re
import threading
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from onewindow.intake.models import Application
from onewindow.prints.models import PrintedDocument

from ..factories import DEFAULT_PASSWORD, make_applicant, make_application

pytestmark = pytest.mark.browser

MAIN_PAGES = [
    "/", "/applicants/", "/applicants/new", "/applications/", "/applications/register",
    "/services/", "/services/ESP", "/queue/", "/queue/bookings", "/queue/settings", "/board",
    "/archive/", "/archive/cases/new", "/archive/labels", "/archive/scan", "/archive/structure",
    "/archive/out", "/archive/import", "/registry/deadlines", "/registry/requests",
    "/registry/appeals", "/registry/notices", "/registry/assignments", "/registry/handovers",
    "/selections/", "/selections/profiles", "/reports/", "/admin/", "/admin/users/",
    "/admin/services/", "/admin/calendar/", "/account/password", "/prints/", "/prints/setup",
]


def _login(page, user):
    page.goto("/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def test_every_main_page_works_with_no_internet(page, users, session, live_server):
    applicant = make_applicant(session)
    application = make_application(session, applicant=applicant, user=users["specialist"])
    session.commit()
    pages = MAIN_PAGES + [f"/applicants/{applicant.id}", f"/applications/{application.id}",
                          f"/applications/new?applicant_id={applicant.id}&service=ESP"]
    local = urlsplit(live_server).netloc
    outside, failed, errors = [], [], []

    def guard(route):
        host = urlsplit(route.request.url).netloc
        if route.request.url.startswith(("data:", "blob:")) or host == local:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.context.route("**/*", guard)
    page.route("**/*", guard)
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    # ERR_ABORTED is a request cancelled by the next navigation (say the favicon), not a
    # failed resource; outside requests are aborted by the guard as "failed" and listed.
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}")
            if "ERR_ABORTED" not in (r.failure or "") else None)
    page.on("response", lambda r: failed.append(f"{r.url}: {r.status}")
            if r.status >= 400 else None)

    page.goto("/login")
    _login(page, users["admin"])
    for path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.locator("main").count() == 1, path
    assert outside == []
    assert failed == []
    assert errors == []
    # The service worker took the pages in its scope (a secure context on 127.0.0.1).
    assert page.evaluate("navigator.serviceWorker.getRegistration('/').then(r => !!r)")


class _OneShotHandler(WSGIRequestHandler):
    # No keep-alive: once the server stops, nothing answers on an old connection either.
    protocol_version = "HTTP/1.0"

    def log_request(self, *args, **kwargs):
        pass


class StoppableServer:
    """The app on a fixed port that can be stopped and started again mid-test."""

    def __init__(self, app):
        self.app = app
        self.port = 0
        self.server = None

    def start(self):
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True,
                                  request_handler=_OneShotHandler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server(app, session):
    running = StoppableServer(app)
    yield running
    if running.server is not None:
        try:
            running.stop()
        except OSError:
            pass


def test_server_stops_mid_session_offline_page_and_cached_receipt(browser, server, users,
                                                                  session):
    application = make_application(session, user=users["specialist"])
    applicant = make_applicant(session)
    session.commit()
    app_id, number, applicant_id = application.id, application.number, applicant.id
    base = server.start()
    context = browser.new_context(locale="ru-RU", base_url=base)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _login(page, users["specialist"])
        page.goto(f"/applications/{app_id}")
        page.wait_for_function("navigator.serviceWorker.controller !== null")

        # Printed today on this workstation: the service worker keeps a copy.
        size = page.evaluate(f"fetch('/applications/{app_id}/receipt.pdf?copies=1')"
                             ".then(r => r.arrayBuffer()).then(b => b.byteLength)")
        assert size > 1000
        page.wait_for_function(
            "caches.keys().then(ks => Promise.all(ks.filter(k => k.startsWith("
            "'onewindow-prints-')).map(k => caches.open(k).then(c => c.keys()))))"
            ".then(ls => ls.flat().some(r => r.url.includes('/receipt.pdf')))")
        session.rollback()
        stored = session.scalar(select(PrintedDocument.content)
                                .where(PrintedDocument.kind == "receipt"))
        assert stored is not None and len(stored) == size

        # A half-typed intake form (htmx) when the server goes away: kept, and said so.
        session.rollback()
        before = session.scalar(select(func.count(Application.id)))
        page.goto(f"/applications/new?applicant_id={applicant_id}&service=ESP")
        page.fill("input[name=extra-1-name]", "Справка о составе семьи")
        page.check("#doc-1-received")
        server.stop()
        page.focus("input[name=extra-1-name]")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#offline-bar:not([hidden])")
        assert "Нет связи с сервером" in page.inner_text("#offline-bar")
        assert page.input_value("input[name=extra-1-name]") == "Справка о составе семьи"
        assert page.is_checked("#doc-1-received")
        # Back on line, the same form (same idempotency token) is sent again: one application.
        server.start()
        page.keyboard.press("Control+Enter")
        page.wait_for_url(re.compile(r"/applications/\d+\?registered=1"))
        session.rollback()
        assert session.scalar(select(func.count(Application.id))) == before + 1

        # A plain (non-htmx) form: offline.js asks /ping first and keeps the page as typed.
        page.goto("/account/password")
        server.stop()
        page.fill("input[name=current]", "typed-before-the-outage")
        page.click("form button[type=submit]")
        page.wait_for_selector("#offline-bar:not([hidden])")
        assert page.url.endswith("/account/password")
        assert page.input_value("input[name=current]") == "typed-before-the-outage"

        # Navigation while the server is down: the offline page with today's documents.
        page.goto(f"/applications/{app_id}")
        assert "Нет связи с сервером" in page.inner_text("h1")
        link = page.locator("#offline-documents a[data-offline-document]")
        link.first.wait_for()
        assert link.count() == 1
        assert f"raspiska-{number}.pdf" in link.first.inner_text()
        href = link.first.get_attribute("href")
        encoded = page.evaluate(
            "href => fetch(href).then(r => r.arrayBuffer()).then(b => {"
            " let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c));"
            " return btoa(s); })", href)
        assert base64.b64decode(encoded) == stored  # the same receipt, byte for byte

        # The server comes back: the offline page returns to the application by itself.
        server.start()
        page.wait_for_selector("h1:has-text('Заявление №')", timeout=20_000)
        assert number in page.inner_text("h1")

        # Logging out purges the day's documents from this workstation.
        page.click(".userbox form button[type=submit]")
        page.wait_for_url(re.compile(r"/login"))
        assert page.evaluate("caches.keys().then(ks => ks.filter("
                             "k => k.startsWith('onewindow-prints-')).length)") == 0
    finally:
        context.close()


def test_board_keeps_polling_through_an_outage(browser, server, session):
    base = server.start()
    context = browser.new_context(locale="ru-RU", base_url=base)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        with page.expect_response(lambda r: "/board/calls" in r.url and r.status == 200):
            page.goto("/board")
        shown = page.inner_text("main")
        failures = []
        page.on("requestfailed", lambda r: failures.append(r.url) if "/board/calls" in r.url
                else None)
        server.stop()
        page.wait_for_timeout(2500)
        assert failures, "the board kept asking while the server was away"
        assert page.inner_text("main").startswith(shown[:20])  # nothing swapped in
        server.start()
        with page.expect_response(lambda r: "/board/calls" in r.url and r.status == 200,
                                  timeout=10_000):
            pass
        assert page.locator("[hx-trigger*='every']").count() >= 1
    finally:
        context.close()

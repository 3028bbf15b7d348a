"""The app as the office's desks open it: by a LAN name (issue #22, items 1 and 2).

- Over HTTPS (gunicorn with a certificate from ``flask tls init``): a secure context, the
  service worker installs, and a printed receipt re-prints with gunicorn killed.
- Over plain HTTP (no secure context, no service worker): the open page keeps what it
  printed today in IndexedDB and offers it when the server does not answer.

Chromium trusts the generated office CA through ``--ignore-certificate-errors-spki-list``
(the SHA-256 of the CA's public key; the server presents its chain up to the CA), and
resolves ``ow-server`` to 127.0.0.1 through ``--host-resolver-rules``.
"""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from onewindow.ops import tls
from onewindow.prints.models import PrintedDocument

from ..conftest import CHROMIUM
from ..factories import make_application
from .test_offline import _login
from .test_offline_session import KEPT

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HOST = "ow-server"
BYTES = ("href => fetch(href).then(r => r.arrayBuffer()).then(b => {"
         " let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c));"
         " return btoa(s); })")


KEPT_BYTES = (
    "url => new Promise((ok, no) => { const r = indexedDB.open('onewindow-prints', 1);"
    " r.onsuccess = () => { const one = r.result.transaction('documents')"
    ".objectStore('documents').get(url); one.onsuccess = () => { r.result.close();"
    " one.result.blob.arrayBuffer().then(b => { let s = '';"
    " new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); ok(btoa(s)); }); }; };"
    " r.onerror = () => no(r.error); })")


@pytest.fixture(scope="session")
def office_tls(tmp_path_factory):
    return tls.issue(tmp_path_factory.mktemp("tls"), hosts=[HOST], ips=["10.0.0.5"])


@pytest.fixture(scope="session")
def lan_browser(browser, office_tls):
    """Chromium on a desk of the office: the office CA trusted, ow-server resolved."""
    pin = tls.spki_sha256(office_tls.ca_cert)
    instance = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-dev-shm-usage",
              f"--ignore-certificate-errors-spki-list={pin}",
              f"--host-resolver-rules=MAP {HOST} 127.0.0.1"])
    yield instance
    instance.close()


def _kill(process) -> None:
    """Kill gunicorn's master and its workers (the group it leads) at once."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_tls(port: int, process, log: Path) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    for _ in range(300):
        if process.poll() is not None:
            pytest.fail("gunicorn exited: " + log.read_text(errors="replace")[-2000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as raw, \
                    context.wrap_socket(raw):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not answer: " + log.read_text(errors="replace")[-2000:])


@pytest.fixture
def gunicorn(app, session, database_url, office_tls, tmp_path):
    """gunicorn serving the app over HTTPS on a free port, on the test database."""
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="lan-test-secret",
               SESSION_COOKIE_SECURE="1", UPLOAD_DIR=str(tmp_path / "uploads"))
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4",
             "-b", f"127.0.0.1:{port}", "--certfile", str(office_tls.server_cert),
             "--keyfile", str(office_tls.server_key), "app:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own group: the master and its workers
    try:
        _wait_for_tls(port, process, log)
        yield process, f"https://{HOST}:{port}"
    finally:
        _kill(process)


def _desk(browser, base, user, app_id):
    """A desk's browser at ``base``, the user logged in, on the application's page."""
    context = browser.new_context(locale="ru-RU", base_url=base)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        _login(page, user)
        page.goto(f"/applications/{app_id}")
        assert page.evaluate("location.hostname") == HOST
    except BaseException:
        context.close()
        raise
    return context, page


def _stored_receipt(session) -> bytes:
    """The receipt as the print journal keeps it (what any re-print must equal)."""
    session.rollback()
    stored = session.scalar(select(PrintedDocument.content)
                            .where(PrintedDocument.kind == "receipt"))
    assert stored
    return stored


def test_https_by_lan_name_service_worker_and_reprint_with_gunicorn_killed(
        lan_browser, gunicorn, users, session):
    process, base = gunicorn
    application = make_application(session, user=users["specialist"])
    session.commit()
    app_id, number = application.id, application.number
    context, page = _desk(lan_browser, base, users["specialist"], app_id)
    try:
        assert page.evaluate("location.protocol") == "https:"
        assert page.evaluate("window.isSecureContext") is True
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        assert page.evaluate(
            "navigator.serviceWorker.getRegistration('/').then(r => !!(r && r.active))")

        receipt = f"/applications/{app_id}/receipt.pdf"
        with context.expect_page() as popup:
            page.click("a[data-print]:has-text('Печать расписки')")
        popup.value.wait_for_load_state()
        assert popup.value.url.endswith(receipt)
        popup.value.close()
        page.wait_for_function(f"{KEPT}.then(ps => ps.includes('{receipt}'))")
        stored = _stored_receipt(session)

        # The server goes away for good: gunicorn is killed.
        _kill(process)
        assert page.evaluate("fetch('/ping').then(() => 'up', () => 'down')") == "down"

        # The print again, from the application's page: the worker's copy.
        served = page.evaluate(BYTES, receipt)
        assert base64.b64decode(served) == stored
        # And the offline list, where any page leads while the server is down.
        page.goto(f"/applications/{app_id}")
        assert "Нет связи с сервером" in page.inner_text("h1")
        link = page.locator("#offline-documents a[data-offline-document]")
        link.first.wait_for()
        assert f"raspiska-{number}.pdf" in link.first.inner_text()
        with context.expect_page() as popup:
            link.first.click()
        popup.value.wait_for_load_state()
        assert popup.value.url == base + receipt
        assert base64.b64decode(page.evaluate(BYTES, link.first.get_attribute("href"))) \
            == stored
    finally:
        context.close()


def test_plain_http_by_lan_name_keeps_todays_documents_in_the_page(lan_browser, server, users,
                                                                   session):
    application = make_application(session, user=users["specialist"])
    session.commit()
    app_id, number = application.id, application.number
    port = server.start().rsplit(":", 1)[1]
    kept = ("new Promise((ok, no) => { const r = indexedDB.open('onewindow-prints', 1);"
            " r.onsuccess = () => { const all = r.result.transaction('documents')"
            ".objectStore('documents').getAll(); all.onsuccess = () => { r.result.close();"
            " ok(all.result.map(d => d.url)); }; }; r.onerror = () => no(r.error); })")
    context, page = _desk(lan_browser, f"http://{HOST}:{port}", users["specialist"], app_id)
    try:
        # Not a secure context: no service worker here at all.
        assert page.evaluate("window.isSecureContext") is False
        assert page.evaluate("'serviceWorker' in navigator") is False

        receipt = f"/applications/{app_id}/receipt.pdf"
        with context.expect_page() as popup:
            page.click("a[data-print]:has-text('Печать расписки')")
        # The page fetched it (once) and shows what it got.
        popup.value.wait_for_url(re.compile(rf"^blob:http://{HOST}:{port}/"))
        popup.value.close()
        page.wait_for_function(f"{kept}.then(us => us.includes('{receipt}'))")
        stored = _stored_receipt(session)
        # Printed once: one journal entry, not one for the page and one for the viewer.
        assert len(session.scalars(select(PrintedDocument.id)).all()) == 1

        server.stop()
        # The print button again: the kept copy opens, and the page offers the day's list.
        with context.expect_page() as popup:
            page.click("a[data-print]:has-text('Печать расписки')")
        popup.value.wait_for_url(re.compile(r"^blob:"))
        popup.value.close()
        panel = page.locator("#offline-prints")
        panel.wait_for()
        assert "Документы, напечатанные сегодня — доступны без связи" in panel.inner_text()
        link = panel.locator("a[data-kept-document]")
        assert link.count() == 1
        assert f"raspiska-{number}.pdf" in link.first.inner_text()
        assert link.first.get_attribute("data-kept-document") == receipt
        # The page's CSP allows no fetch of a blob: the kept bytes are read where they are.
        assert base64.b64decode(page.evaluate(KEPT_BYTES, receipt)) == stored
        href = link.first.get_attribute("href")
        assert href.startswith("blob:")
        with context.expect_page() as popup:
            link.first.click()
        popup.value.wait_for_url(href)
        popup.value.close()
        # A link while the server is down: the page stays (with the list), not an error page.
        page.click("nav a[href='/applicants/'], a[href='/applicants/']")
        page.wait_for_selector("#offline-bar:not([hidden])")
        assert page.url.endswith(f"/applications/{app_id}")
        assert page.is_visible("#offline-prints")

        # Tied to the session as the worker's copies are: logging out drops them.
        server.start()
        page.goto(f"/applications/{app_id}")
        page.click(".userbox form button[type=submit]")
        page.wait_for_url(re.compile(r"/login"))
        assert page.evaluate(kept) == []
    finally:
        context.close()


def test_plain_http_calibration_prints_the_offsets_being_tried(lan_browser, server, users,
                                                               session):
    """Printing through the page takes the link as prints.js completes it (the offsets typed,
    not yet saved), whichever of the two click handlers runs first."""
    port = server.start().rsplit(":", 1)[1]
    context = lan_browser.new_context(locale="ru-RU", base_url=f"http://{HOST}:{port}")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _login(page, users["specialist"])
        page.goto("/prints/setup")
        page.fill("#offset_x_mm", "")
        page.type("#offset_x_mm", "2,5", delay=60)
        with context.expect_page() as popup:
            page.click("a[data-calibration]")
        popup.value.wait_for_url(re.compile(r"^blob:"))
        session.rollback()
        printed = session.scalars(select(PrintedDocument)
                                  .where(PrintedDocument.kind == "calibration")).all()
        assert len(printed) == 1
        assert "dx=2.5" in printed[0].url
    finally:
        context.close()

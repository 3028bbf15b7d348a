"""Request ids: taken when sane, made otherwise, echoed, in every log line; JSON lines."""

from __future__ import annotations

import io
import json
import logging

import pytest

from onewindow.extensions import db
from onewindow.ops import logs

from ..conftest import make_test_app


@pytest.fixture
def log_lines(app):
    """The app's log output during the test (the handler in the app's format)."""
    stream = io.StringIO()
    logs.install_handler(app, stream)
    yield lambda: stream.getvalue().splitlines()
    logs.install_handler(app)


def test_a_sane_request_id_is_kept_and_echoed(client, log_lines):
    response = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.42:1"})
    assert response.headers["X-Request-Id"] == "lb-7f3a.42:1"
    [line] = [line for line in log_lines() if "/healthz" in line]
    assert "[lb-7f3a.42:1] onewindow.requests: GET /healthz 200" in line


@pytest.mark.parametrize("given", ["", "x" * 129, "bad id", "a\nforged line", "ид-запроса"])
def test_an_insane_request_id_is_replaced(client, log_lines, given):
    # Through the WSGI environ: werkzeug's test client refuses a newline in a header.
    response = client.get("/login", environ_overrides={"HTTP_X_REQUEST_ID": given})
    made = response.headers["X-Request-Id"]
    assert made != given and len(made) == 32 and made.isalnum()
    assert any(f"[{made}]" in line and "GET /login 200" in line for line in log_lines())
    assert not any("forged" in line for line in log_lines())


def test_each_request_gets_its_own_id(client):
    first = client.get("/login").headers["X-Request-Id"]
    second = client.get("/login").headers["X-Request-Id"]
    assert first != second


def test_a_log_line_outside_a_request_has_a_dash(app, log_lines):
    logging.getLogger("onewindow.test").warning("no request here")
    assert log_lines()[-1].endswith("WARNING [-] onewindow.test: no request here")


def test_json_logs(database_url, app, session):
    application = make_test_app(database_url, LOG_FORMAT="json")
    stream = io.StringIO()
    try:
        logs.install_handler(application, stream)
        application.test_client().get("/healthz", headers={"X-Request-Id": "req-1"})
        entries = [json.loads(line) for line in stream.getvalue().splitlines()]
        [entry] = [e for e in entries if e["logger"] == "onewindow.requests"]
        assert entry["request_id"] == "req-1"
        assert entry["level"] == "INFO"
        assert entry["message"].startswith("GET /healthz 200 ")
        assert entry["time"].endswith("+00:00")
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        logs.install_handler(app)

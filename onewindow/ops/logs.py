"""Request ids in every log line, and JSON log lines when ``LOG_FORMAT=json``.

The id is the request's ``X-Request-Id`` when it looks like one (a load balancer or proxy
sets it, so its log and ours meet), otherwise a new one; the response carries it back.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

HEADER = "X-Request-Id"
# Letters, digits and -._:/+= up to 128 characters: enough for UUIDs, AWS/nginx ids and
# W3C trace ids; nothing that could forge a log line (no spaces, quotes or newlines).
SANE_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def request_id() -> str:
    """The current request's id, or ``-`` outside a request."""
    if has_request_context():
        return g.get("request_id", "-")
    return "-"


class RequestIdFilter(logging.Filter):
    """Put ``request_id`` on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, request id, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", request_id()),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def make_handler(log_format: str, stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    return handler


def install_handler(app: Flask, stream=None) -> logging.Handler:
    """The app's logs (the ``onewindow`` logger and its children) through one handler in
    the configured format; a second app in the same process replaces the first's."""
    handler = make_handler(app.config.get("LOG_FORMAT", "text"), stream)
    handler._onewindow = True  # type: ignore[attr-defined]
    logger = app.logger  # named "onewindow": every onewindow.* logger propagates to it
    logger.removeHandler(default_handler)
    for old in [h for h in logger.handlers if getattr(h, "_onewindow", False)]:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler


def init_app(app: Flask) -> None:
    """Request ids for every request, one log line each, through :func:`install_handler`."""
    install_handler(app)
    requests_log = logging.getLogger("onewindow.requests")

    @app.before_request
    def _request_id():
        given = request.headers.get(HEADER, "")
        g.request_id = given if SANE_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _echo_request_id(response):
        if "request_id" in g:
            response.headers[HEADER] = g.request_id
            took = (time.perf_counter() - g.request_started) * 1000
            requests_log.info("%s %s %s %.0f ms", request.method, request.path,
                              response.status_code, took)
        return response

"""Fixtures of the browser tests: a server that stops and starts again mid-test."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server


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

"""Fixtures of the security tests."""

from __future__ import annotations

import pytest

from onewindow.core import clock as clock_module
from onewindow.demo import make_demo
from onewindow.extensions import db

from ..conftest import make_test_app


class Clock:
    """The office clock, moved by hand (``clock.now += timedelta(...)``)."""

    def __init__(self):
        self.now = clock_module.now()

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(clock_module, "now", c)
    return c


@pytest.fixture
def make_app(database_url):
    """Build extra app instances on the test database; their engines are closed after."""
    made = []

    def build(**overrides):
        application = make_test_app(database_url, **overrides)
        made.append(application)
        return application

    yield build
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """Both areas' uploads under tmp_path/instance/uploads; returns that folder."""
    root = tmp_path / "instance" / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(root))
    monkeypatch.delitem(app.config, "SELECTIONS_UPLOAD_DIR", raising=False)
    return root


@pytest.fixture
def office(session):
    """A small demo office: staff, applicants, applications with case files and requests."""
    make_demo(session, applicants=12, applications=24, random_seed=7)
    session.commit()

"""Fixtures of the security tests."""

from __future__ import annotations

import pytest

from onewindow.extensions import db

from ..conftest import make_test_app


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

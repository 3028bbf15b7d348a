"""Shared fixtures: the suite runs against SQLite and again against PostgreSQL.

Every test that uses the database (``app``, ``session``, ``client``…) runs once per
backend: a fresh SQLite file, and a throwaway PostgreSQL database created for the run
and dropped after it. Outside CI a missing PostgreSQL skips its half with a reason;
in CI (CI=true) it fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from onewindow import create_app
from onewindow.database import reset_write_intent, set_write_intent
from onewindow.extensions import db

from .factories import DEFAULT_PASSWORD

IN_CI = bool(os.environ.get("CI"))
# The suite runs on a server whose own zone is not the office's (Volgograd, the default
# OFFICE_TIMEZONE): every "now" and "today" must come from the office clock. .ci/run runs
# a part of the suite again with TZ=UTC.
os.environ.setdefault("TZ", "Asia/Vladivostok")
time.tzset()
PG_ADMIN_URL = os.environ.get(
    "TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CATALOG_TABLES = {
    "services", "service_documents", "service_groups", "beneficiary_categories",
    "service_categories", "alembic_version",
}


def missing(what: str, how: str):
    """Skip outside CI, fail in CI: CI must have every tool."""
    message = f"{what} is not available ({how})"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _pg_admin_engine():
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        engine.dispose()
        return None, exc
    return engine, None


@contextlib.contextmanager
def throwaway_database(engine, prefix: str):
    """A new empty PostgreSQL database (its URL), dropped afterwards."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "onewindow-test.sqlite3")
        return
    engine, error = _pg_admin_engine()
    if engine is None:
        missing("PostgreSQL at " + PG_ADMIN_URL, f"start it: pg_ctlcluster … main start; {error}")
    try:
        with throwaway_database(engine, "onewindow_test") as url:
            yield url
    finally:
        engine.dispose()


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database of the same kind as the test run's (for migration tests)."""
    if database_url.startswith("sqlite"):
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite3")
        return
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with throwaway_database(engine, "onewindow_mig") as url:
            yield url
    finally:
        engine.dispose()


def make_test_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret-key",
        "SERVER_NAME": None,
        # A cheap hash: the suite logs in thousands of times (scrypt costs ~0.4 s each).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url):
    """The app on a migrated database with the catalog seeded."""
    from flask_migrate import upgrade

    from onewindow.catalog.services import seed_catalog

    application = make_test_app(database_url)
    with application.app_context():
        upgrade()
        seed_catalog(db.session)
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def clean_database(application) -> None:
    """Empty every table but the catalog's."""
    with application.app_context():
        db.session.remove()
        tables = [t for t in db.metadata.sorted_tables if t.name not in CATALOG_TABLES]
        with db.engine.begin() as conn:
            # The audit refuses deletions (and on PostgreSQL TRUNCATE) but under a purge
            # permit (migrations 0023, 0027).
            permits = db.metadata.tables["audit_purge_permits"]
            conn.execute(permits.insert())
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(tables):
                    if table is not permits:
                        conn.execute(table.delete())
                conn.execute(permits.delete())


@pytest.fixture
def session(app):
    """db.session inside an app context; the database is emptied after the test.

    The test's own transactions begin deferred on SQLite, so that a read in the test
    (say an attribute refreshed after commit) never holds the write lock that the live
    server's requests or the test's worker threads are waiting for.
    """
    token = set_write_intent(False)
    with app.app_context():
        yield db.session
        db.session.rollback()
    reset_write_intent(token)
    clean_database(app)


@pytest.fixture
def reseed_catalog(app):
    """For tests that change the catalog: restore it afterwards."""
    yield
    from onewindow.catalog.services import seed_catalog

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for name in ("service_categories", "service_documents", "services",
                         "beneficiary_categories", "service_groups"):
                conn.execute(text(f"DELETE FROM {name}"))
        seed_catalog(db.session)
        db.session.commit()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def users(session):
    """One user per role, committed."""
    from .factories import make_user

    made = {role: make_user(session, role=role) for role in
            ("specialist", "chief", "director", "archivist", "admin")}
    session.commit()
    return made


def login(client, user, password: str = DEFAULT_PASSWORD):
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def specialist_client(client, users):
    login(client, users["specialist"])
    return client


# --- browser -------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over HTTP on 127.0.0.1 in a background thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        missing("Chromium", "apt-get install chromium chromium-driver")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python", "pip install -e '.[test]'")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server, session):
    context = browser.new_context(locale="ru-RU", base_url=live_server)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()

"""REPORTS_DATABASE_URL: the report pages read from a second database (a streaming replica
in a region) when it is set, and from the primary when it is not."""

from __future__ import annotations

from datetime import datetime

from flask_migrate import upgrade

from onewindow.catalog.services import seed_catalog
from onewindow.config import Config, reports_bind
from onewindow.extensions import db

from ..conftest import login, make_test_app
from ..factories import make_application, make_user

WEEK = {"period": "week", "date": "02.11.2026"}
MONDAY_MORNING = datetime(2026, 11, 2, 10, 0)


def _registered_by(session, full_name: str, count: int) -> None:
    user = make_user(session, full_name=full_name)
    for _ in range(count):
        make_application(session, user=user, service_code="ESP", now=MONDAY_MORNING)
    session.commit()


def test_reports_read_from_the_reports_database_when_it_is_set(app, session, users,
                                                               scratch_url):
    _registered_by(session, "Основнова Анна Ивановна", 1)
    # The second database: migrated, with data of its own (a replica lagging, or a copy).
    replica = make_test_app(scratch_url)
    with replica.app_context():
        upgrade()
        seed_catalog(db.session)
        _registered_by(db.session, "Репликова Ольга Петровна", 3)
        db.session.remove()
        db.engine.dispose()

    # Unset: the report from the primary.
    client = app.test_client()
    login(client, users["chief"])
    page = client.get("/reports/intake", query_string=WEEK).get_data(as_text=True)
    assert "Основнова Анна Ивановна" in page and "Репликова" not in page
    with app.app_context():
        assert set(db.engines) == {None}

    reading = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"],
                            REPORTS_DATABASE_URL=scratch_url)
    try:
        client = reading.test_client()
        login(client, users["chief"])  # the login, its session and audit: the primary's
        page = client.get("/reports/intake", query_string=WEEK).get_data(as_text=True)
        assert "Репликова Ольга Петровна" in page and "Основнова" not in page
        csv = client.get("/reports/intake.csv", query_string={**WEEK, "table": 1})
        assert csv.status_code == 200 and "Репликова" in csv.get_data().decode("utf-8-sig")
        with reading.app_context():
            assert set(db.engines) == {None, "reports"}
            assert db.engines["reports"].url.database != db.engine.url.database
    finally:
        with reading.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


def test_the_reports_bind_is_made_only_when_the_url_is_set(monkeypatch, tmp_path):
    assert reports_bind("") == {}
    bind = reports_bind("postgres://reader@replica:5432/onewindow")
    assert bind["reports"]["url"] == "postgresql+psycopg://reader@replica:5432/onewindow"
    assert bind["reports"]["pool_pre_ping"] is True
    monkeypatch.setenv("REPORTS_DATABASE_URL", " postgresql://reader@replica/onewindow ")
    assert Config(str(tmp_path)).REPORTS_DATABASE_URL == "postgresql://reader@replica/onewindow"

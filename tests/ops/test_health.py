"""/healthz on both databases: all well, a silent job worker, migrations behind, no database."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from onewindow.core import clock
from onewindow.extensions import db
from onewindow.selections import jobs
from onewindow.selections.models import ImportJob, JobWorker, Selection

from ..conftest import make_test_app


def _running_job(session, *, beat_ago: timedelta) -> int:
    selection = Selection(source="sfr", period="2026-11", filename="a.csv", file_format="csv",
                          sha256="0" * 64, status="running")
    session.add(selection)
    session.flush()
    job = ImportJob(selection_id=selection.id, status="running", phase="загрузка строк",
                    worker="other-host:4242", started_at=clock.now() - beat_ago,
                    heartbeat_at=clock.now() - beat_ago)
    session.add(job)
    session.commit()
    return job.id


def test_all_well_is_200_and_anonymous(client, session):
    response = client.get("/healthz")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.json == {"status": "ok", "failing": [], "checks": {
        "database": "ok", "migrations": "ok", "workers": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_job_with_a_beating_worker_is_well(client, session):
    _running_job(session, beat_ago=timedelta(seconds=2))
    assert client.get("/healthz").status_code == 200


def test_a_silent_worker_is_503_naming_the_job(client, session):
    job_id = _running_job(session, beat_ago=jobs.ABANDONED_AFTER + timedelta(seconds=5))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "fail"
    assert response.json["failing"] == ["workers"]
    assert f"selection job(s) {job_id}" in response.json["checks"]["workers"]
    assert response.json["checks"]["database"] == "ok"


@pytest.fixture
def process_app(database_url, app, session):
    """The app with selection jobs run by worker processes (on the test's database)."""
    application = make_test_app(database_url, SELECTIONS_WORKER="process")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_worker_processes_none_alive_is_503(process_app, session):
    response = process_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["failing"] == ["workers"]
    assert "no worker process alive" in response.json["checks"]["workers"]


@pytest.mark.parametrize(("beat_ago", "status"), [(timedelta(seconds=3), 200),
                                                  (jobs.ABANDONED_AFTER * 2, 503)])
def test_worker_processes_by_their_beat(process_app, session, beat_ago, status):
    now = clock.now()
    jobs.beat_worker(session, name="other-host:1", started_at=now - timedelta(hours=1),
                     now=now - beat_ago)
    session.commit()
    assert process_app.test_client().get("/healthz").status_code == status


def test_a_worker_busy_with_a_job_counts_as_alive(process_app, session):
    _running_job(session, beat_ago=timedelta(seconds=1))
    assert process_app.test_client().get("/healthz").status_code == 200


def test_a_polling_worker_keeps_health_and_leaves_on_stop(process_app, session):
    client = process_app.test_client()
    stop = threading.Event()
    worker = threading.Thread(target=jobs.work, args=(process_app,),
                              kwargs={"stop": stop, "log": lambda _line: None})
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while client.get("/healthz").status_code != 200:
            assert time.monotonic() < deadline, client.get("/healthz").json
            time.sleep(0.2)
        session.rollback()
        assert session.scalars(select(JobWorker.name)).all() == [jobs.worker_name()]
    finally:
        stop.set()
        worker.join(20)
    assert not worker.is_alive()
    session.rollback()
    assert session.scalars(select(JobWorker.name)).all() == []
    assert client.get("/healthz").status_code == 503


def test_beating_forgets_workers_silent_for_a_day(session):
    now = clock.now()
    jobs.beat_worker(session, name="gone:1", started_at=now - timedelta(days=3),
                     now=now - jobs.FORGET_WORKER_AFTER - timedelta(minutes=1))
    jobs.beat_worker(session, name="here:2", started_at=now, now=now)
    jobs.beat_worker(session, name="here:2", started_at=now, now=now + timedelta(seconds=5))
    session.commit()
    assert [(w.name, w.beat_at) for w in session.scalars(select(JobWorker))] == [
        ("here:2", now + timedelta(seconds=5))]


def test_migrations_behind_the_code_are_503(scratch_url):
    application = make_test_app(scratch_url)
    try:
        with application.app_context():
            upgrade()
            assert application.test_client().get("/healthz").status_code == 200
            downgrade(revision="-1")
            db.session.remove()
            response = application.test_client().get("/healthz")
            assert response.status_code == 503
            assert response.json["failing"] == ["migrations"]
            assert "flask --app app db upgrade" in response.json["checks"]["migrations"]
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_unreachable_database_is_503_and_names_no_host(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        url = "sqlite:///" + str(tmp_path / "no-such-dir" / "onewindow.sqlite3")
    else:
        url = "postgresql://postgres@127.0.0.1:1/onewindow_nowhere"
    application = make_test_app(url)
    try:
        response = application.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json == {"status": "fail", "failing": ["database"], "checks": {
            "database": "unreachable", "migrations": "not checked",
            "workers": "not checked"}}
        assert "127.0.0.1" not in response.get_data(as_text=True)
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()

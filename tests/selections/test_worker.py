"""The job engine: a worker process killed mid-load leaves nothing behind, and the job is
taken over at once and loads exactly all rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from onewindow.core import clock
from onewindow.core.tables import preview
from onewindow.selections import jobs, services
from onewindow.selections.models import ImportJob, Selection, SelectionRow
from onewindow.selections.parsing import guess_mapping

from .helpers import csv_bytes, fresh, snils

ROWS = 200_000
WORKER = """
import sys
from onewindow import create_app
from onewindow.selections import jobs
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x",
                  "SELECTIONS_WORKER": "process"})
jobs.work(app, once=True, log=lambda line: print(line, flush=True))
"""


def _queue_job(session, tmp_path) -> tuple[int, int]:
    rows = [[snils(n), f"Фамилия{n % 997}", "Имя", "Отчество", "01.01.1970", "умер", "", ""]
            for n in range(1, ROWS + 1)]
    path = Path(tmp_path) / "big.csv"
    path.write_bytes(csv_bytes(rows))
    now = datetime(2026, 11, 28, 9, 0)
    selection = services.register_upload(session, source="sfr", period="11.2026",
                                         filename="big.csv", stored_path=path, user_id=None,
                                         now=now)
    header, _rows = preview(path, "csv", encoding="auto", delimiter="auto", rows=0)
    job = services.start_import(session, selection, mapping=guess_mapping(header),
                                header=header, profile=None, accept_partial=False,
                                confirm_duplicate=False, now=now)
    session.commit()
    return selection.id, job.id


def _rows(session, sid) -> int:
    return fresh(session).scalar(select(func.count()).select_from(SelectionRow).where(
        SelectionRow.selection_id == sid))


def test_killed_worker_leaves_no_rows_and_the_job_is_rerun_at_once(session, tmp_path,
                                                                   database_url):
    sid, job_id = _queue_job(session, tmp_path)
    worker = subprocess.Popen([sys.executable, "-c", WORKER, database_url],
                              cwd=Path(__file__).parents[2], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, env={**os.environ})
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            loaded = _rows(session, sid)
            if loaded >= 2 * jobs.CHUNK:
                break
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.05)
        else:
            raise AssertionError("the worker never started loading")
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        worker.stdout.close()
    # Killed in the middle: a half-loaded selection, its job still «running».
    job = fresh(session).get(ImportJob, job_id)
    assert job.status == "running" and 0 < _rows(session, sid) < ROWS
    # The next look (a worker's or the page's) recovers it at once: no waiting period.
    recovered = []
    deadline = time.monotonic() + 10  # PostgreSQL drops the dead backend's lock promptly
    while not recovered and time.monotonic() < deadline:
        recovered = jobs.recover_abandoned(fresh(session), now=clock.now())
        session.commit()
        time.sleep(0.1 if not recovered else 0)
    assert recovered == [job_id]
    job = fresh(session).get(ImportJob, job_id)
    assert (job.status, job.attempts, job.worker) == ("queued", 1, None)
    assert _rows(session, sid) == 0  # no orphan rows
    # The rerun loads exactly all rows.
    assert jobs.work_one(fresh(session)) == job_id
    job = fresh(session).get(ImportJob, job_id)
    assert (job.status, job.attempts) == ("done", 2)
    assert fresh(session).get(Selection, sid).rows_good == ROWS
    assert _rows(session, sid) == ROWS
    lines = fresh(session).scalars(select(SelectionRow.line_no).where(
        SelectionRow.selection_id == sid)).all()
    assert sorted(lines) == list(range(2, ROWS + 2))


def test_one_worker_per_job_and_stop(session, tmp_path):
    sid, job_id = _queue_job(session, tmp_path)
    # A second active job for the same selection is refused by the database.
    from sqlalchemy.exc import IntegrityError

    session.add(ImportJob(selection_id=sid, status="queued"))
    try:
        session.flush()
        raise AssertionError("two active jobs for one selection")
    except IntegrityError:
        session.rollback()
    # Stop while queued: cancelled at once, the selection back to mapping.
    job = session.get(ImportJob, job_id)
    jobs.request_cancel(session, job)
    session.commit()
    assert job.status == "cancelled" and session.get(Selection, sid).status == "draft"
    assert jobs.work_one(fresh(session)) is None  # nothing left to claim

"""The job engine of selection imports: job rows with state, a worker, a heartbeat.

A job (``selection_jobs``) is queued by the page; a worker claims it with a conditional
UPDATE (``status = 'queued'`` → ``'running'``, its ``host:pid`` recorded), so two workers
never take the same job, and a partial unique index allows one queued or running job per
selection. Workers are ``flask --app app worker`` processes on any machine that reaches
the database, or — the embedded default (``SELECTIONS_WORKER = "thread"``) — a thread of
the web process started for the job it just queued. The same :func:`run_import` runs in
both.

A dead worker is noticed at once by whoever looks next (another worker, the page):
on PostgreSQL the worker holds a session advisory lock for its job, which the server
drops with the connection of a killed process; on any database, a worker on this host
whose pid is gone is dead, and one whose heartbeat (every progress step, at least every
few seconds) is older than ``ABANDONED_AFTER`` is presumed dead. An abandoned job's rows,
hits and issues are deleted and the job is queued again (``MAX_ATTEMPTS`` in all), then
failed. Cancel sets ``cancel_requested``; the worker stops at its next progress step and
removes what it loaded.

The job checks every row first (nothing is written but the issues); only a clean file —
or one whose specialist accepted importing the good rows only — is loaded, in chunks:
COPY on PostgreSQL, executemany on SQLite. Each chunk is committed with the job's
progress, so the SQLite write lock is held only for a moment.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from ..core import clock
from ..core.tables import FileProblem, Progress, header_names, read_table
from ..database import is_postgres
from ..extensions import db
from . import services
from .matching import RULE_ORDER, match_selection
from .models import (
    ImportJob,
    JobWorker,
    Selection,
    SelectionHit,
    SelectionIssue,
    SelectionRow,
)
from .parsing import Mapped, check_row, shape_problem

CHUNK = 5000
ABANDONED_AFTER = timedelta(seconds=30)
MAX_ATTEMPTS = 2
POLL_SECONDS = 1.0
# A polling worker process marks itself alive this often (selection_workers); a row
# silent for a day is a worker killed long ago and is forgotten.
WORKER_BEAT = timedelta(seconds=5)
FORGET_WORKER_AFTER = timedelta(days=1)
# A polling worker also cancels abandoned drafts (SELECTIONS_DRAFT_DAYS) this often.
DRAFT_SWEEP = timedelta(hours=1)
# Namespace of the advisory locks (pg_advisory_lock(int, int)): "SEL" in ASCII.
LOCK_NAMESPACE = 0x53454C
ROW_COLUMNS = ("selection_id", "line_no", "snils", "surname", "name", "patronymic",
               "birth_date", "event_type", "event_date", "name_key", "extra_json")
MATCH_PHASE = "сопоставление с получателями (совпало строк: {}), проверено правил"
CANCELLED_MESSAGE = "Загрузка остановлена специалистом; загруженные строки удалены."

_threads: dict[int, threading.Thread] = {}


class Cancelled(Exception):
    """The specialist asked the job to stop."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# ------------------------------------------------------------------ embedded worker


def start(app, job_id: int) -> threading.Thread | None:
    """Embedded engine: run the job in a thread of this process; the request returns."""
    if app.config.get("SELECTIONS_WORKER", "thread") != "thread":
        return None  # worker processes poll the queue
    thread = threading.Thread(target=_run_thread, args=(app, job_id), daemon=True,
                              name=f"selection-import-{job_id}")
    _threads[job_id] = thread
    thread.start()
    return thread


def wait(job_id: int, timeout: float | None = None) -> None:
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)


def _run_thread(app, job_id: int) -> None:
    with app.app_context():
        try:
            work_one(db.session, job_id=job_id)
        finally:
            db.session.remove()


# ------------------------------------------------------------------ worker processes


def work(app, *, once: bool = False, stop: threading.Event | None = None,
         log: Callable[[str], None] = print) -> int:
    """Worker loop: claim queued jobs and run them until stopped; returns jobs run."""
    done = 0
    stop = stop or threading.Event()
    name, started, last_beat, last_sweep = worker_name(), clock.now(), None, None
    with app.app_context():
        log(f"worker {name} polling for selection jobs")
        try:
            while not stop.is_set():
                try:
                    if last_beat is None or clock.now() - last_beat >= WORKER_BEAT:
                        last_beat = clock.now()
                        beat_worker(db.session, name=name, started_at=started, now=last_beat)
                        db.session.commit()
                    if last_sweep is None or clock.now() - last_sweep >= DRAFT_SWEEP:
                        last_sweep = clock.now()
                        purged = purge_drafts(db.session, now=last_sweep,
                                              days=app.config["SELECTIONS_DRAFT_DAYS"])
                        if purged:
                            log(f"{purged} draft selection(s) cancelled, files deleted")
                    job_id = work_one(db.session)
                finally:
                    db.session.remove()
                if job_id is not None:
                    done += 1
                    log(f"job {job_id} finished")
                    continue
                if once:
                    break
                stop.wait(POLL_SECONDS)
        finally:
            try:
                db.session.execute(delete(JobWorker).where(JobWorker.name == name))
                db.session.commit()
            finally:
                db.session.remove()
    return done


def purge_drafts(session: Session, *, days: int, now: datetime) -> int:
    """Cancel the drafts older than ``days``, commit, then delete their files."""
    files = services.purge_drafts(session, days=days, now=now)
    session.commit()
    for stored in files:
        Path(stored).unlink(missing_ok=True)
    return len(files)


def beat_worker(session: Session, *, name: str, started_at: datetime, now: datetime) -> None:
    """Mark the worker process ``name`` alive at ``now``; forget long-silent ones."""
    worker = session.get(JobWorker, name)
    if worker is None:
        session.add(JobWorker(name=name, started_at=started_at, beat_at=now))
    else:
        worker.beat_at = now
    session.execute(delete(JobWorker).where(JobWorker.beat_at < now - FORGET_WORKER_AFTER))
    session.flush()


def work_one(session: Session, *, job_id: int | None = None) -> int | None:
    """Recover abandoned jobs, claim one queued job (or the given one) and run it."""
    recover_abandoned(session, now=clock.now())
    session.commit()
    with _claimed(session, job_id) as claimed:
        if claimed is None:
            return None
        run_import(session, job_id=claimed)
        return claimed


@contextlib.contextmanager
def _claimed(session: Session, job_id: int | None):
    """Claim a queued job for this worker; on PostgreSQL hold its advisory lock meanwhile.

    The lock is taken before the claim commits, so whoever sees the job running also
    sees it locked; a killed worker's connection closes and the lock goes with it.
    """
    query = select(ImportJob.id).where(ImportJob.status == "queued").order_by(ImportJob.id)
    if job_id is not None:
        query = query.where(ImportJob.id == job_id)
    candidates = list(session.scalars(query.limit(10)))
    session.commit()
    postgres = is_postgres(session)
    for candidate in candidates:
        lock = _lock(session, candidate) if postgres else None
        if postgres and lock is None:
            continue
        now = clock.now()
        result = session.execute(update(ImportJob).where(
            ImportJob.id == candidate, ImportJob.status == "queued").values(
            status="running", worker=worker_name(), started_at=now, heartbeat_at=now,
            phase_started_at=now, attempts=ImportJob.attempts + 1, message=None))
        session.commit()
        if result.rowcount != 1:
            _unlock(lock, candidate)
            continue
        try:
            yield candidate
        finally:
            _unlock(lock, candidate)
        return
    yield None


def _lock(session: Session, job_id: int):
    connection = session.get_bind().connect()
    got = connection.execute(text("SELECT pg_try_advisory_lock(:ns, :id)"),
                             {"ns": LOCK_NAMESPACE, "id": job_id}).scalar()
    connection.commit()
    if not got:
        connection.close()
        return None
    return connection


def _unlock(connection, job_id: int) -> None:
    if connection is None:
        return
    with contextlib.suppress(Exception):
        connection.execute(text("SELECT pg_advisory_unlock(:ns, :id)"),
                           {"ns": LOCK_NAMESPACE, "id": job_id})
        connection.commit()
    connection.close()


# ------------------------------------------------------------------ abandoned jobs


def _pid_gone(worker: str | None) -> bool:
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # A zombie (killed, not yet reaped by its parent) is dead too.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rpartition(")")[2].split()[0] == "Z"
    return False


def is_abandoned(session: Session, job: ImportJob, *, now: datetime) -> bool:
    """A running job whose worker is dead (or silent for ABANDONED_AFTER)."""
    if job.status != "running":
        return False
    if job.worker == worker_name():
        thread = _threads.get(job.id)
        if thread is not None and thread.is_alive():
            return False
    elif is_postgres(session):
        # Free advisory lock: the worker's connection is gone. Taken for this
        # transaction only, so it is released by the caller's commit.
        return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:ns, :id)"),
                                    {"ns": LOCK_NAMESPACE, "id": job.id}).scalar())
    if _pid_gone(job.worker):
        return True
    beat = job.heartbeat_at or job.started_at
    return beat is None or now - beat > ABANDONED_AFTER


def recover_abandoned(session: Session, *, now: datetime,
                      selection_id: int | None = None) -> list[int]:
    """Clean up and requeue (or fail) the jobs whose worker died; flushes, never commits."""
    query = select(ImportJob).where(ImportJob.status == "running")
    if selection_id is not None:
        query = query.where(ImportJob.selection_id == selection_id)
    recovered = []
    for job in session.scalars(query).all():
        if not is_abandoned(session, job, now=now):
            continue
        selection = session.get(Selection, job.selection_id)
        _cleanup(session, selection.id)
        session.execute(delete(SelectionIssue).where(
            SelectionIssue.selection_id == selection.id))
        if job.attempts < MAX_ATTEMPTS and not job.cancel_requested:
            job.status, job.phase, job.worker = "queued", "в очереди (повтор)", None
            job.processed = job.total = 0
            job.message = "Обработчик загрузки остановился; загрузка начата заново."
            selection.status = "queued"
        else:
            job.status, job.finished_at = "failed", now
            job.message = ("Загрузка прервана: обработчик остановился. Загруженные строки "
                           "удалены; запустите загрузку заново.")
            selection.status, selection.error = "failed", job.message
        recovered.append(job.id)
    session.flush()
    return recovered


def mark_stale(session: Session, job: ImportJob, *, now: datetime) -> bool:
    """The page's look at a job: recover it at once when its worker is dead."""
    return bool(recover_abandoned(session, now=now, selection_id=job.selection_id))


def request_cancel(session: Session, job: ImportJob) -> None:
    """Ask the worker to stop; a queued job is cancelled at once."""
    if job.finished:
        return
    if job.status == "queued":
        job.status, job.finished_at, job.message = "cancelled", clock.now(), CANCELLED_MESSAGE
        selection = session.get(Selection, job.selection_id)
        selection.status, selection.error = "draft", None
    else:
        job.cancel_requested = True
    session.flush()


# ------------------------------------------------------------------ the job


def _progress(session: Session, job: ImportJob, *, phase: str, done: int, total: int,
              same_phase: bool = False) -> None:
    """Record the job's progress and commit; stop when cancel was asked.

    ``same_phase``: the text changed (a count in it) but not the phase, whose start
    the estimate of the remaining time keeps.
    """
    now = clock.now()
    if job.phase != phase and not same_phase:
        job.phase_started_at = now
    job.phase, job.processed, job.total = phase, done, total
    job.heartbeat_at = now
    session.commit()
    session.refresh(job, ["cancel_requested"])
    if job.cancel_requested:
        raise Cancelled


def _cleanup(session: Session, selection_id: int) -> None:
    session.execute(delete(SelectionHit).where(SelectionHit.selection_id == selection_id))
    session.execute(delete(SelectionRow).where(SelectionRow.selection_id == selection_id))


def run_import(session: Session, *, job_id: int,
               timings: dict[str, float] | None = None) -> ImportJob:
    """Check, load and match one selection; the job row tells how far it got."""
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    job = session.get(ImportJob, job_id)
    selection = session.get(Selection, job.selection_id)
    now = clock.now()
    if job.status == "queued":  # run directly (tests, benchmarks), not claimed
        job.status, job.worker, job.attempts = "running", worker_name(), job.attempts + 1
        job.started_at = now
    job.heartbeat_at = job.phase_started_at = now
    selection.status = "running"
    session.commit()
    try:
        t0 = time.perf_counter()
        ok = _check(session, job, selection)
        timings["check"] = time.perf_counter() - t0
        if ok:
            t0 = time.perf_counter()
            _load(session, job, selection)
            timings["load"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            _match(session, job, selection, timings)
            timings["match"] = time.perf_counter() - t0
            selection.status, selection.finished_at = "done", clock.now()
            job.status, job.phase = "done", "готово"
            job.processed = job.total = selection.rows_good
            job.finished_at = clock.now()
            _remove_file(selection)
            session.commit()
    except Exception as exc:  # noqa: BLE001 - any failure is reported on the job
        session.rollback()
        cancelled = isinstance(exc, Cancelled)
        message = CANCELLED_MESSAGE if cancelled else str(exc) if isinstance(
            exc, FileProblem) else (
            f"Ошибка загрузки: {exc.__class__.__name__}. Данные селекции не сохранены.")
        job = session.get(ImportJob, job_id)
        selection = session.get(Selection, job.selection_id)
        _cleanup(session, selection.id)
        selection.rows_good = 0
        if cancelled:
            selection.status, selection.error = "draft", None
        else:
            selection.status, selection.error = "failed", message
        job.status = "cancelled" if cancelled else "failed"
        job.message, job.finished_at = message, clock.now()
        session.commit()
        if not isinstance(exc, FileProblem | Cancelled):
            raise
    timings["total"] = time.perf_counter() - started
    return job


def _match(session: Session, job: ImportJob, selection: Selection,
           timings: dict[str, float]) -> None:
    """Match rule by rule; the counter shows the rules done and the rows matched so far.

    Each rule is a few statements in the database, committed with the counter (on SQLite
    the write lock is so held for one rule at a time, a few seconds at region scale).
    """
    total = len(RULE_ORDER)
    _progress(session, job, phase=MATCH_PHASE.format(0), done=0, total=total)

    def tick(rules_done: int, matched: int) -> None:
        _progress(session, job, phase=MATCH_PHASE.format(matched), done=rules_done,
                  total=total, same_phase=True)

    match_selection(session, selection, tick=tick, timings=timings)


def _rows(selection: Selection, progress: Progress):
    path = Path(selection.stored_path or "")
    if not path.is_file():
        raise FileProblem("Загруженный файл не найден — загрузите его заново")
    it = read_table(path, selection.file_format, encoding=selection.encoding,
                    delimiter=selection.delimiter, progress=progress)
    try:
        _line, raw_header = next(it)
    except StopIteration:
        raise FileProblem("Файл пуст") from None
    header = header_names(raw_header)
    mapping = selection.mapping
    for line_no, values in it:
        problem = shape_problem(line_no, values, progress)
        if problem:
            # The cause only: the fields of a shifted line mean nothing.
            yield Mapped(line_no=line_no, errors=[problem])
            continue
        mapped = check_row(line_no, values, header=header, mapping=mapping)
        if mapped.errors and progress.cut_line == line_no:
            mapped.errors.insert(0, "файл заканчивается посреди этой строки — файл обрезан?")
        yield mapped


def _check(session: Session, job: ImportJob, selection: Selection) -> bool:
    """First pass: count rows and collect the bad ones; write nothing else."""
    session.execute(delete(SelectionIssue).where(SelectionIssue.selection_id == selection.id))
    progress = Progress()
    total = good = bad = 0
    issues: list[dict] = []
    for mapped in _rows(selection, progress):
        total += 1
        if mapped.errors:
            bad += 1
            # Every bad line is kept: the specialist must be able to account for each.
            issues.append({"selection_id": selection.id, "line_no": mapped.line_no,
                           "reason": "; ".join(mapped.errors)})
            if len(issues) >= CHUNK:
                session.execute(insert(SelectionIssue), issues)
                issues = []
        else:
            good += 1
        if total % CHUNK == 0:
            _progress(session, job, phase="проверка строк", done=progress.done,
                      total=progress.total)
    if issues:
        session.execute(insert(SelectionIssue), issues)
    selection.rows_total, selection.rows_good, selection.rows_bad = total, good, bad
    if total == 0:
        raise FileProblem("В файле нет строк с данными")
    if bad and (not selection.accept_partial or good == 0):
        selection.status = "invalid"
        job.status, job.phase, job.finished_at = "invalid", "найдены ошибки", clock.now()
        job.message = f"Строк с ошибками: {bad} из {total}. Ничего не загружено."
        session.commit()
        return False
    session.commit()
    return True


def _load(session: Session, job: ImportJob, selection: Selection) -> None:
    """Second pass: stage the good rows in chunks (COPY on PostgreSQL)."""
    _cleanup(session, selection.id)
    progress = Progress()
    chunk: list[dict] = []
    loaded = 0
    postgres = is_postgres(session)
    for mapped in _rows(selection, progress):
        if mapped.errors:
            continue
        chunk.append(mapped.values)
        if len(chunk) >= CHUNK:
            loaded += _write(session, selection.id, chunk, postgres)
            chunk = []
            _progress(session, job, phase="загрузка строк", done=loaded,
                      total=selection.rows_good)
    if chunk:
        loaded += _write(session, selection.id, chunk, postgres)
    selection.rows_good = loaded
    _progress(session, job, phase="загрузка строк", done=loaded, total=selection.rows_good)


def _write(session: Session, selection_id: int, rows: list[dict], postgres: bool) -> int:
    if postgres:
        cursor = session.connection().connection.driver_connection.cursor()
        columns = ", ".join(ROW_COLUMNS)
        with cursor.copy(f"COPY selection_rows ({columns}) FROM STDIN") as copy:
            for values in rows:
                copy.write_row((selection_id, *(values[c] for c in ROW_COLUMNS[1:])))
        cursor.close()
    else:
        for values in rows:
            values["selection_id"] = selection_id
        session.execute(SelectionRow.__table__.insert(), rows)
    return len(rows)


def _remove_file(selection: Selection) -> None:
    if selection.stored_path:
        Path(selection.stored_path).unlink(missing_ok=True)
        selection.stored_path = None


def rerun_matching(session: Session, selection: Selection) -> dict[str, int]:
    """Match again (after a decision elsewhere changed the recipients)."""
    counts = match_selection(session, selection)
    session.execute(update(Selection).where(Selection.id == selection.id).values(
        finished_at=clock.now()))
    return counts

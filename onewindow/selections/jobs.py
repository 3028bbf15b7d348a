"""The background import: a thread with its own app context and session.

The job checks every row first (nothing is written); only a clean file — or one whose
specialist accepted importing the good rows only — is loaded, in chunks: COPY on
PostgreSQL, executemany on SQLite. Each chunk is committed with the job's progress, so
the SQLite write lock is held only for a moment and other users keep working; should the
load fail, the rows already staged are removed again (compensation), so a selection is
either fully loaded or not at all. Progress lives in ``selection_jobs``; the page polls it.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from ..core import clock
from ..database import is_postgres
from ..extensions import db
from .matching import match_selection
from .models import ImportJob, Selection, SelectionHit, SelectionIssue, SelectionRow
from .parsing import (
    FileProblem,
    Mapped,
    Progress,
    check_row,
    header_names,
    read_table,
    shape_problem,
)

CHUNK = 5000
STALE_AFTER = timedelta(minutes=5)
ROW_COLUMNS = ("selection_id", "line_no", "snils", "surname", "name", "patronymic",
               "birth_date", "event_type", "event_date", "name_key", "extra_json")

_threads: dict[int, threading.Thread] = {}


def start(app, job_id: int) -> threading.Thread:
    """Run the job in a daemon thread; the request returns at once."""
    thread = threading.Thread(target=_run, args=(app, job_id), daemon=True,
                              name=f"selection-import-{job_id}")
    _threads[job_id] = thread
    thread.start()
    return thread


def wait(job_id: int, timeout: float | None = None) -> None:
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)


def is_alive(job_id: int) -> bool:
    thread = _threads.get(job_id)
    return thread is not None and thread.is_alive()


def _run(app, job_id: int) -> None:
    with app.app_context():
        try:
            run_import(db.session, job_id=job_id)
        finally:
            db.session.remove()


def mark_stale(session: Session, job: ImportJob, *, now: datetime) -> bool:
    """A job whose thread died with the server is reported as failed, to be rerun."""
    if job.finished or is_alive(job.id):
        return False
    beat = job.heartbeat_at or job.started_at
    if beat is not None and now - beat < STALE_AFTER:
        return False
    if beat is None and job.status == "queued" and job.id in _threads:
        return False
    job.status, job.finished_at = "failed", now
    job.message = "Загрузка прервана (сервер перезапускался). Запустите её заново."
    selection = session.get(Selection, job.selection_id)
    _cleanup(session, selection.id)
    selection.status, selection.error = "failed", job.message
    session.flush()
    return True


def _progress(session: Session, job: ImportJob, *, phase: str, done: int, total: int) -> None:
    job.phase, job.processed, job.total = phase, done, total
    job.heartbeat_at = clock.now()
    session.commit()


def _cleanup(session: Session, selection_id: int) -> None:
    session.execute(delete(SelectionHit).where(SelectionHit.selection_id == selection_id))
    session.execute(delete(SelectionRow).where(SelectionRow.selection_id == selection_id))


def run_import(session: Session, *, job_id: int) -> ImportJob:
    """Check, load and match one selection; the job row tells how far it got."""
    job = session.get(ImportJob, job_id)
    selection = session.get(Selection, job.selection_id)
    now = clock.now()
    job.status, job.started_at, job.heartbeat_at = "running", now, now
    selection.status = "running"
    session.commit()
    try:
        ok = _check(session, job, selection)
        if ok:
            _load(session, job, selection)
            _progress(session, job, phase="сопоставление с получателями", done=0, total=0)
            match_selection(session, selection)
            selection.status, selection.finished_at = "done", clock.now()
            job.status, job.phase = "done", "готово"
            job.processed = job.total = selection.rows_good
            job.finished_at = clock.now()
            _remove_file(selection)
            session.commit()
    except Exception as exc:  # noqa: BLE001 - any failure is reported on the job
        session.rollback()
        message = str(exc) if isinstance(exc, FileProblem) else (
            f"Ошибка загрузки: {exc.__class__.__name__}. Данные селекции не сохранены.")
        job = session.get(ImportJob, job_id)
        selection = session.get(Selection, job.selection_id)
        _cleanup(session, selection.id)
        selection.status, selection.error = "failed", message
        selection.rows_good = 0
        job.status, job.message, job.finished_at = "failed", message, clock.now()
        session.commit()
        if not isinstance(exc, FileProblem):
            raise
    return job


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
    counts = match_selection(session, selection)
    session.execute(update(Selection).where(Selection.id == selection.id).values(
        finished_at=clock.now()))
    return counts

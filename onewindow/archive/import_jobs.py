"""The register's check and import as background jobs: a thread, its own app context and session.

A register of 20,000 rows takes seconds to check and to write; in a request that would
hold the SQLite write lock (a POST begins IMMEDIATE) and stall every desk meanwhile. So:

* the *check* reads the rows and checks them in a read transaction (on SQLite it
  begins deferred and takes no write lock), then stores them in the upload's state file;
* the *import* checks again (read only), then writes the good rows
  :data:`importing.IMPORT_CHUNK` at a time, each chunk in a write transaction of its own
  committed at once, with a short pause after it — a desk registering meanwhile waits
  at most one chunk. Should a
  chunk fail, the chunks already committed are cancelled by :func:`importing.undo_import`
  (the batch is undone with the cause), so a register is imported whole or not at all.

Progress (phase, rows done, rows in all; rows, never bytes) is written to a small JSON
file beside the upload, which the progress page polls. Jobs own their transactions; the
audit sees the archivist who started them (the request's actor is handed over).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ..core import clock
from ..database import is_postgres, reset_write_intent, set_write_intent
from ..errors import DomainError
from ..events import ACTOR_KEY
from ..extensions import db
from . import importing
from .models import ImportBatch

_threads: dict[str, threading.Thread] = {}
# The pause between two chunks on SQLite, longer than the busy handler's longest sleep.
SQLITE_PAUSE = 0.15


def start(app, key: str, work: Callable[[Session], None]) -> threading.Thread:
    """Run ``work(session)`` in a daemon thread with the app's context; returns at once."""
    def run():
        with app.app_context():
            try:
                work(db.session)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, daemon=True, name=f"archive-import-{key}")
    _threads[key] = thread
    thread.start()
    return thread


def wait(key: str, timeout: float | None = None) -> None:
    thread = _threads.get(key)
    if thread is not None:
        thread.join(timeout)


def is_alive(key: str) -> bool:
    thread = _threads.get(key)
    return thread is not None and thread.is_alive()


class ProgressFile:
    """The job's progress beside the upload: status, phase, rows done of rows in all.

    It names the user who started the job: only they are shown it.
    """

    PHASES = {"read": "Чтение строк", "check": "Проверка строк", "import": "Импорт строк"}

    def __init__(self, path: Path, *, user_id: int):
        self.path, self.user_id = path, user_id

    def write(self, **values) -> None:
        """Replace the file in one step (the page never reads half of it)."""
        values.update(user_id=self.user_id, at=clock.now().isoformat())
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.write(status="running", phase=self.PHASES.get(phase, phase), done=done,
                   total=total)


def read_progress(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_check(session: Session, *, upload: Path, fmt: str, head: importing.Head,
              mapping: dict[str, str], today: date, state_path: Path,
              progress: ProgressFile, chosen: dict[int, int] | None = None) -> None:
    """Read and check every row (read only); the checked rows go into the upload's state."""
    session.commit()  # the check must begin a read transaction of its own (no write lock)
    token = set_write_intent(False)
    try:
        progress("read", 0, 0)
        rows = importing.read_rows(upload, fmt, head=head, mapping=mapping)
        preview = importing.check_register(session, rows, today=today, progress=progress,
                                           chosen=chosen)
    except Exception as exc:
        progress.write(status="failed", message=_message(exc))
        if not isinstance(exc, DomainError):
            raise
        return
    finally:
        session.rollback()
        reset_write_intent(token)
    state = json.loads(state_path.read_text(encoding="utf-8"))
    state.update(mapping=mapping, rows=rows, checked=importing.rows_to_json(preview.rows))
    state_path.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    progress.write(status="checked", done=len(rows), total=len(rows))


def run_import(session: Session, *, rows: list[dict], filename: str, user_id: int,
               now: datetime, good_only: bool, progress: ProgressFile, actor=None,
               consumed: tuple[Path, ...] = (), chunk: int = importing.IMPORT_CHUNK,
               chosen: dict[int, int] | None = None) -> int | None:
    """Check again, then import in chunks, each committed; returns the batch id.

    The ``consumed`` files (the upload and its state) go once the import is committed.
    """
    if actor is not None:
        session.info[ACTOR_KEY] = actor
    batch_id = None
    session.commit()  # the check must begin a read transaction of its own (no write lock)
    intent = set_write_intent(False)
    try:
        preview = importing.check_register(session, rows, today=now.date(), progress=progress,
                                           chosen=chosen)
        session.rollback()  # the read ends: the chunks take the write lock one by one
        set_write_intent(True)
        batch = importing.begin_import(session, preview, filename=filename, user_id=user_id,
                                       now=now, good_only=good_only)
        batch_id = batch.id
        writer = importing.BatchWriter(session, batch, user_id=user_id, now=now)
        good = preview.good
        progress("import", 0, len(good))
        session.commit()
        pause = SQLITE_PAUSE if not is_postgres(session) else 0
        for start_at in range(0, len(good), chunk):
            writer.write(good[start_at:start_at + chunk])
            session.commit()
            progress("import", min(start_at + chunk, len(good)), len(good))
            # SQLite's busy handler polls (up to every 100 ms): without a gap, the next
            # chunk takes the lock again before a waiting desk wakes, and the desk starves.
            time.sleep(pause)
        batch = session.get(ImportBatch, batch_id)
        importing.finish_import(session, batch, preview, imported=writer.imported)
        done = {"batch_id": batch_id, "imported": batch.rows_imported,
                "skipped": batch.rows_skipped}
        session.commit()
    except Exception as exc:
        session.rollback()
        if batch_id is not None:
            _compensate(session, batch_id, user_id=user_id, cause=_message(exc))
        progress.write(status="failed", message=_message(exc))
        if not isinstance(exc, DomainError):
            raise
        return None
    finally:
        reset_write_intent(intent)
        session.info.pop(ACTOR_KEY, None)
    for path in consumed:
        path.unlink(missing_ok=True)
    progress.write(status="done", done=done["imported"], total=done["imported"], **done)
    return batch_id


def _compensate(session: Session, batch_id: int, *, user_id: int, cause: str) -> None:
    """Cancel what the committed chunks wrote: the batch is undone with the cause."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.undone_at is not None:
        return
    importing.undo_import(session, batch, reason=f"Импорт прерван: {cause}"[:500],
                          user_id=user_id, now=clock.now())
    session.commit()


def _message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    return f"Ошибка импорта: {exc.__class__.__name__}. Импорт отменён, загрузите реестр ещё раз."

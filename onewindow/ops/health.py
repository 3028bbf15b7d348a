"""The checks behind ``/healthz``: database reachable, migrations current, workers alive.

Job workers: a running selection job must have a fresh heartbeat; with worker processes
(``SELECTIONS_WORKER = "process"``) at least one must be polling (``selection_workers``)
or working. Each check returns ``None`` when all is well or a short English reason; the
view answers 200 or 503 naming the checks that failed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..selections.jobs import ABANDONED_AFTER
from ..selections.models import ImportJob, JobWorker

log = logging.getLogger(__name__)
NOT_CHECKED = "not checked"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def code_heads(directory: Path = MIGRATIONS) -> set[str]:
    """The Alembic heads of the migrations shipped with this code."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(directory))
    return set(ScriptDirectory.from_config(config).get_heads())


def check_database(session: Session) -> str | None:
    session.execute(text("SELECT 1")).scalar_one()
    return None


def check_migrations(session: Session, heads: set[str]) -> str | None:
    current = set(MigrationContext.configure(session.connection()).get_current_heads())
    if current == heads:
        return None
    return (f"database at {', '.join(sorted(current)) or 'no revision'}, "
            f"code at {', '.join(sorted(heads))}: run `flask --app app db upgrade`")


def check_workers(session: Session, *, now: datetime, processes: bool) -> str | None:
    """A running selection job whose worker has not beaten for ABANDONED_AFTER; and, when
    jobs are run by worker processes (``processes``), no such process alive at all."""
    since = now - ABANDONED_AFTER
    silent = session.scalars(
        select(ImportJob.id).where(ImportJob.status == "running",
                                   ImportJob.heartbeat_at < since)
        .order_by(ImportJob.id)).all()
    if silent:
        return (f"selection job(s) {', '.join(map(str, silent))}: no worker heartbeat for "
                f"over {int(ABANDONED_AFTER.total_seconds())} s")
    if not processes:
        return None  # the web process runs each job in a thread of its own
    polling = session.scalar(select(func.count()).select_from(JobWorker)
                             .where(JobWorker.beat_at >= since))
    busy = session.scalar(select(func.count()).select_from(ImportJob)
                          .where(ImportJob.status == "running",
                                 ImportJob.heartbeat_at >= since))
    if polling or busy:
        return None
    return (f"no worker process alive (none has beaten for "
            f"{int(ABANDONED_AFTER.total_seconds())} s): start `flask --app app worker`")


def run_checks(session: Session, *, heads: set[str], now: datetime,
               worker_processes: bool) -> dict[str, str | None]:
    """Every check in order; once the database is unreachable the others are not run."""
    results: dict[str, str | None] = {}
    try:
        results["database"] = check_database(session)
    except Exception:  # noqa: BLE001 - any driver error means "unreachable"
        # The reason goes to the log only: the answer is public and must not show hosts.
        log.exception("health check: database unreachable")
        session.rollback()
        return {"database": "unreachable", "migrations": NOT_CHECKED,
                "workers": NOT_CHECKED}
    results["migrations"] = check_migrations(session, heads)
    results["workers"] = check_workers(session, now=now, processes=worker_processes)
    return results

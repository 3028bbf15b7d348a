"""The archive register import at an office's volume: preview and import of 20,000 rows.

Measures, on a fresh migrated database (SQLite file by default, ``--db postgresql`` for a
throwaway PostgreSQL database):

* the preview: the header, then the check job — reading the XLSX register, checking
  every row and storing them (what the archivist waits for after the columns step);
* the import: the background job (re-check, then chunks of 1,000 rows, each committed);
* a desk meanwhile: a thread registering an applicant card every 0.2 s in its own
  transaction, the latency of each (max and p95) — the write lock must never be held long.

Run: ``python -m benchmarks.archive_import [--rows 20000] [--db sqlite|postgresql]``.
The machine's load average is printed with the figures (it is shared).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from flask_migrate import upgrade
from openpyxl import Workbook
from sqlalchemy import create_engine, func, select, text

from onewindow import create_app
from onewindow.applicants.services import create_applicant
from onewindow.archive import import_jobs, importing
from onewindow.archive.models import CaseFile
from onewindow.auth.services import create_user
from onewindow.catalog.models import Service
from onewindow.catalog.services import seed_catalog
from onewindow.core import clock
from onewindow.core.snils import format_snils, make_snils
from onewindow.extensions import db

HEADER = ["№ дела", "Фамилия", "Имя", "Отчество", "Д.р.", "СНИЛС", "Вид выплаты",
          "Год открытия", "Короб", "Стеллаж/полка", "Листов", "Примечание"]
SURNAMES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Волков"]
NAMES = ["Иван", "Пётр", "Сергей", "Алексей", "Николай", "Михаил"]
PATRONYMICS = ["Иванович", "Петрович", "Сергеевич", "Алексеевич", "Николаевич"]
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def register(rows: int, services: list[str], *, seed: int = 1) -> bytes:
    """An XLSX register: every row a new person, half with the office's own number."""
    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADER)
    for i in range(rows):
        ws.append([
            f"ЕДВ-{2010 + i % 15}-{i:05d}" if i % 2 else None,
            rng.choice(SURNAMES), rng.choice(NAMES),
            rng.choice(PATRONYMICS), date(1930 + i % 60, 1 + i % 12, 1 + i % 28),
            format_snils(make_snils(100_000_000 + i * 7)), services[i % len(services)],
            2010 + i % 15, f"К-{i // 40 + 1:03d}", f"Ст.{i // 2000 + 1}/П.{i // 400 % 5 + 1}",
            rng.randint(1, 200), None])
    path = Path(tempfile.mkstemp(suffix=".xlsx")[1])
    wb.save(path)
    data = path.read_bytes()
    path.unlink()
    return data


def _desk(url: str, ready, stop, results) -> None:
    """A desk (its own process, as a web worker is) registering an applicant every 0.2 s."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    latencies = []
    with app.app_context():
        while not stop.is_set():
            started, at = time.perf_counter(), time.time()
            create_applicant(db.session, values={
                "surname": "Настольная", "name": "Анна", "patronymic": "Петровна",
                "sex": "F", "birth_date": date(1980, 1, 1), "snils": None},
                today=clock.today(), confirm_duplicate=True)
            db.session.commit()
            latencies.append((at, time.perf_counter() - started))
            ready.set()  # warmed up: the first registration compiles and connects
            time.sleep(0.2)
        db.session.remove()
    results.put(latencies)


class _TimedProgress(import_jobs.ProgressFile):
    """The job's progress, with the time of each report (a chunk = write + commit)."""

    def __init__(self, path: Path, *, user_id: int):
        super().__init__(path, user_id=user_id)
        self.marks: list[tuple[str, float]] = []

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.marks.append((phase, time.perf_counter()))
        super().__call__(phase, done, total)

    def chunk_seconds(self) -> list[float]:
        times = [t for phase, t in self.marks if phase == "import"]
        return [b - a for a, b in zip(times, times[1:], strict=False)]


def run(rows: int, url: str) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        seed_catalog(db.session)
        user = create_user(db.session, username="bench-archivist", full_name="Архивова А. А.",
                           role="archivist", password="bench-password-1", position="Архивист")
        db.session.commit()
        user_id = user.id
        services = [s.code for s in db.session.scalars(select(Service).limit(4))]
        db.session.rollback()  # (on SQLite that read began as a write transaction)
        data = register(rows, services)
        folder = Path(tempfile.mkdtemp())
        path = folder / "register.xlsx"
        path.write_bytes(data)

        # The preview as the app makes it: the header, then the check job (read the rows,
        # check them in a read transaction, store them for the preview page).
        started = time.perf_counter()
        head = importing.read_head(path, "xlsx")
        mapping = importing.clean_mapping(importing.guess_mapping(head.columns), head.columns)
        read_s = time.perf_counter() - started
        state_path = folder / "state.json"
        state_path.write_text("{}", encoding="utf-8")
        import_jobs.run_check(db.session, upload=path, fmt="xlsx", head=head, mapping=mapping,
                              today=clock.today(), state_path=state_path,
                              progress=import_jobs.ProgressFile(folder / "check.json",
                                                                user_id=user_id))
        preview_s = time.perf_counter() - started
        state = json.loads(state_path.read_text(encoding="utf-8"))
        parsed = state["rows"]
        problems = sum(1 for r in state["checked"] if r["errors"])

        context = multiprocessing.get_context("spawn")
        ready, stop, results = context.Event(), context.Event(), context.Queue()
        desk = context.Process(target=_desk, args=(url, ready, stop, results))
        desk.start()
        ready.wait(120)
        time.sleep(1)  # a few registrations before the import, for comparison
        progress = _TimedProgress(folder / "progress.json", user_id=user_id)
        started, began = time.perf_counter(), time.time()
        batch_id = import_jobs.run_import(
            db.session, rows=parsed, filename="register.xlsx", user_id=user_id,
            now=clock.now(), good_only=True, progress=progress)
        import_s, ended = time.perf_counter() - started, time.time()
        stop.set()
        latencies = results.get()
        desk.join()
        # The registrations begun while the import ran.
        during = [seconds for at, seconds in latencies if began <= at <= ended]
        before = [seconds for at, seconds in latencies if at < began]
        worst = sorted(((seconds, at - began) for at, seconds in latencies
                        if began <= at <= ended), reverse=True)[:3]
        phases = [(phase, t - started) for phase, t in progress.marks]
        first_import = next((t for phase, t in phases if phase == "import"), None)
        imported = db.session.scalar(select(func.count(CaseFile.id)).where(
            CaseFile.import_batch_id == batch_id))
        db.session.remove()
        db.engine.dispose()
    return {"rows": rows, "read_s": read_s, "preview_s": preview_s, "problems": problems,
            "import_s": import_s, "imported": imported, "desk_writes": len(during),
            "desk_max_ms": max(during) * 1000 if during else None,
            "desk_p95_ms": statistics.quantiles(during, n=20)[-1] * 1000
            if len(during) >= 20 else None,
            "chunk_max_s": max(progress.chunk_seconds(), default=0),
            "worst": worst, "writes_from_s": first_import,
            "desk_before_ms": statistics.median(before) * 1000 if before else None,
            "desk_median_ms": statistics.median(during) * 1000 if during else None,
            "load": os.getloadavg()}


#: Rows per scale when the main run (``python -m benchmarks run``) measures the import.
ROWS = {"tiny": 200, "district": 20_000, "region": 20_000}
TARGETS = {"preview_s": 10, "import_s": 60}  # the archive issue's targets


def measure(db_kind: str, rows: int) -> dict:
    """Preview and import ``rows`` on a fresh database of ``db_kind`` (dropped afterwards)."""
    if db_kind == "sqlite":
        folder = Path(tempfile.mkdtemp())
        try:
            return run(rows, "sqlite:///" + str(folder / "bench.sqlite3"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"bench_archive_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
    try:
        return run(rows, PG_ADMIN.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def summary(result: dict) -> dict[str, str]:
    """The figures as the main run's report prints them."""
    out = {
        "rows": str(result["rows"]),
        "preview": f"{result['preview_s']:.1f} s (≤ {TARGETS['preview_s']} s: "
                   f"{'yes' if result['preview_s'] <= TARGETS['preview_s'] else 'no'})",
        "import": f"{result['import_s']:.1f} s (≤ {TARGETS['import_s']} s: "
                  f"{'yes' if result['import_s'] <= TARGETS['import_s'] else 'no'}), "
                  f"{result['imported']} case files",
        "longest chunk": f"{result['chunk_max_s']:.2f} s",
        "load average": " ".join(f"{x:.1f}" for x in result["load"]),
    }
    if result["desk_writes"]:
        out["desk meanwhile"] = (f"median {result['desk_median_ms']:.0f} ms, max "
                                 f"{result['desk_max_ms']:.0f} ms")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    result = measure(args.db, args.rows)
    load = " ".join(f"{x:.2f}" for x in result["load"])
    print(f"{args.db}: {result['rows']} rows; load average {load}")
    print(f"  preview (header {result['read_s']:.1f} s + rows read and checked): "
          f"{result['preview_s']:.1f} s,"
          f" problem rows {result['problems']}")
    print(f"  import (re-check + chunks of {importing.IMPORT_CHUNK}): {result['import_s']:.1f} s,"
          f" case files {result['imported']}")
    print(f"  longest chunk (write lock held): {result['chunk_max_s']:.2f} s; writing from "
          f"{result['writes_from_s']:.1f} s (the re-check before it takes no write lock)")
    print("  longest desk waits (s, at s of the import): " + ", ".join(
        f"{w:.2f} at {t:.1f}" for w, t in result["worst"]))
    if result["desk_writes"]:
        p95 = result["desk_p95_ms"]
        print(f"  desk meanwhile: {result['desk_writes']} registrations, median "
              f"{result['desk_median_ms']:.0f} ms, max {result['desk_max_ms']:.0f} ms"
              + (f", p95 {p95:.0f} ms" if p95 else "")
              + (f" (before the import: median {result['desk_before_ms']:.0f} ms)"
                 if result["desk_before_ms"] is not None else ""))


if __name__ == "__main__":
    main()

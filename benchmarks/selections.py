"""Selections at scale: check, load and match a СФР list against the recipients.

    python -m benchmarks.selections --scale district --db sqlite
    python -m benchmarks.selections --scale region --db postgresql

district = 20 000 rows against 50 000 recipients; region = 200 000 rows against
1 000 000 recipients (every applicant has an active case file). The list mixes what real
lists hold: 25 % СНИЛС of recipients, 15 % name + birth date of recipients without
СНИЛС, 2 % one letter off, 1 % same СНИЛС with another name, the rest people the office
does not know. Reported: seconds per phase (check, load, match), the applicants streamed
per second, peak RSS of this process, and the **floor** — the same two joins (СНИЛС;
name key + birth date) written directly in SQL, run on the same database. Figures are
printed and written to ``benchmarks/results/selections-<scale>-<db>.md``; nothing here
asserts a time (the README table carries the targets).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, text

from onewindow import create_app, demo
from onewindow.catalog.services import seed_catalog
from onewindow.core import clock
from onewindow.core.tables import preview
from onewindow.extensions import db
from onewindow.selections import jobs, services
from onewindow.selections.parsing import guess_mapping

from .datagen import (
    APPLICANT_COLUMNS,
    SCALES,
    BulkWriter,
    _archive,
    _table,
    applicant_rows,
)

SIZES = {"district": (20_000, 50_000), "region": (200_000, 1_000_000)}
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RESULTS = Path(__file__).parent / "results"
FLOOR_SQL = """
SELECT
 (SELECT count(*) FROM selection_rows r JOIN applicants a ON a.snils = r.snils
   WHERE r.selection_id = :sid AND EXISTS (SELECT 1 FROM case_files c
     WHERE c.applicant_id = a.id AND c.status = 'active')),
 (SELECT count(*) FROM selection_rows r JOIN applicants a
     ON a.birth_date = r.birth_date
    AND replace(replace(a.search_name, '-', ''), ' ', '') = r.name_key
   WHERE r.selection_id = :sid AND EXISTS (SELECT 1 FROM case_files c
     WHERE c.applicant_id = a.id AND c.status = 'active'))
"""


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _people(conn, count: int, rng: random.Random):
    rows = conn.execute(text(
        "SELECT snils, surname, name, patronymic, birth_date FROM applicants "
        "WHERE id % :step = 0 LIMIT :n"), {"step": 3, "n": count}).all()
    rng.shuffle(rows)
    return rows


def build_csv(path: Path, conn, rows: int, rng: random.Random) -> None:
    known = _people(conn, rows // 2, rng)
    lines = ["СНИЛС;Фамилия;Имя;Отчество;Дата рождения;Событие;Дата события"]

    def date_ru(value) -> str:
        value = str(value)
        return f"{value[8:10]}.{value[5:7]}.{value[:4]}"

    for i in range(rows):
        share = i % 100
        if share < 25 or (share < 43 and i // 100 < len(known) // 100):
            p = known[i % len(known)]
            snils, surname, name, patronymic, born = p
            if 25 <= share < 40:
                snils = ""  # name + birth date only
            elif 40 <= share < 42:
                snils, surname = "", surname[:-1] + ("а" if surname[-1] != "а" else "о")
            elif share == 42:
                surname = "Другая"
            lines.append(f"{snils};{surname};{name};{patronymic or ''};{date_ru(born)};"
                         f"умер;01.11.2026")
        else:
            p = demo.random_person(rng)
            lines.append(f";{p['surname']};{p['name']};{p['patronymic'] or ''};"
                         f"{p['birth_date']:%d.%m.%Y};переезд;")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="cp1251")


def run(scale: str, dbname: str, seed: int = 1) -> dict:
    rows, recipients = SIZES[scale]
    rng = random.Random(seed)
    workdir = Path(tempfile.mkdtemp(prefix="bench-selections-"))
    admin = None
    if dbname == "postgresql":
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        name = f"onewindow_bench_sel_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "SELECTIONS_UPLOAD_DIR": str(workdir), "SELECTIONS_WORKER": "none"})
    figures: dict = {"scale": scale, "db": dbname, "rows": rows, "recipients": recipients}
    try:
        with app.app_context():
            from flask_migrate import upgrade

            t0 = time.perf_counter()
            upgrade()
            seed_catalog(db.session)
            staff = demo.ensure_staff(db.session)
            db.session.commit()
            from sqlalchemy import select

            from onewindow.catalog.models import Service

            svc = [(s.id, s.code, s.deadline_days) for s in
                   db.session.scalars(select(Service).where(Service.active).order_by(Service.id))]
            archivist_id = staff["archivist"].id
            db.session.commit()
            now = clock.now()
            with db.engine.begin() as conn:
                writer = BulkWriter(conn)
                writer.write(_table("applicants"), APPLICANT_COLUMNS,
                             applicant_rows(recipients, rng, now=now))
                writer.fix_sequences(["applicants"])
                shape = replace(SCALES["tiny"], applicants=recipients, case_files=recipients,
                                boxes=max(10, recipients // 1000), label_sheet=0)
                _archive(writer, shape, rng, now=now, services=svc,
                         user_id=archivist_id)
                if dbname == "postgresql":
                    conn.execute(text("ANALYZE"))
                build_csv(workdir / "sfr.csv", conn, rows, rng)
            figures["data_s"] = round(time.perf_counter() - t0, 1)
            path = workdir / "upload.csv"
            path.write_bytes((workdir / "sfr.csv").read_bytes())
            selection = services.register_upload(
                db.session, source="sfr", period="11.2026", filename="sfr.csv",
                stored_path=path, user_id=None, now=now)
            header, _r = preview(path, "csv", encoding="auto", delimiter="auto", rows=0)
            job = services.start_import(db.session, selection, mapping=guess_mapping(header),
                                        header=header, profile=None, accept_partial=True,
                                        confirm_duplicate=True, now=now)
            db.session.commit()
            phases: dict[str, float] = {}
            jobs.run_import(db.session, job_id=job.id, timings=phases)
            figures.update({f"{k}_s": round(v, 2) for k, v in phases.items()})
            figures["hits"] = db.session.execute(text(
                "SELECT count(*) FROM selection_hits WHERE selection_id = :s"),
                {"s": selection.id}).scalar()
            figures["rss_mb"] = round(rss_mb(), 1)
            t0 = time.perf_counter()
            by_snils, by_name = db.session.execute(text(FLOOR_SQL),
                                                   {"sid": selection.id}).one()
            figures["floor_s"] = round(time.perf_counter() - t0, 2)
            figures["floor_pairs"] = by_snils + by_name
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return figures


def report(figures: dict) -> str:
    f = figures
    lines = [
        f"#### selections · {f['scale']} · {f['db']} · "
        f"{clock.now():%Y-%m-%d %H:%M}",
        "",
        f"{f['rows']:,} rows against {f['recipients']:,} recipients; CPU: {os.cpu_count()} "
        f"cores; load average {os.getloadavg()[0]:.1f}.".replace(",", " "),
        "",
        "| check s | load s | match s | total s | hits | floor (2 joins in SQL) s | "
        "peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {f.get('check_s', 0)} | {f.get('load_s', 0)} | {f.get('match_s', 0)} | "
        f"{f.get('total_s', 0)} | {f['hits']} | {f['floor_s']} | {f['rss_mb']} |",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=SIZES, default="district")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    figures = run(args.scale, args.db, args.seed)
    text_ = report(figures)
    print(text_)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"selections-{args.scale}-{args.db}.md").write_text(text_, encoding="utf-8")


if __name__ == "__main__":
    main()

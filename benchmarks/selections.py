"""Selections at scale: check, load and match a СФР list against the recipients.

    python -m benchmarks selections --scale district --db sqlite
    python -m benchmarks selections --scale region --db postgresql
    python -m benchmarks.selections …        (the same)

district = 20 000 rows against 50 000 recipients; region = 200 000 rows against
1 000 000 recipients (every applicant has an active case file). The list mixes what real
lists hold: 25 % СНИЛС of recipients, 15 % name + birth date of recipients without
СНИЛС, 2 % one letter off, 1 % same СНИЛС with another name, the rest people the office
does not know.

The data (``benchmarks/datagen.py``) is generated in this process; the import and the
matching then run in a **fresh child process**, as a worker would, so the peak RSS
reported is the job's own and not the generator's. Reported: seconds per phase (check,
load, match) and per matching rule, rows matched per second, the job's peak RSS, and the
**floor** — the same four joins (rules 1–3 and rule 4's narrowing) written directly in
SQL and only counted, run on the same database right after. ``--keep`` keeps the
generated database (its URL and the list's path are printed) and ``--url URL --csv PATH``
measures again on it without generating anything. Figures are printed and written to
``benchmarks/results/selections-<scale>-<db>.md``; nothing here asserts a time (the
README carries the targets).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from onewindow import create_app, demo
from onewindow.catalog.models import Service
from onewindow.catalog.services import seed_catalog
from onewindow.core import clock
from onewindow.core.tables import preview
from onewindow.extensions import db
from onewindow.selections import jobs, matching, services
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
RECIPIENT = ("EXISTS (SELECT 1 FROM case_files c WHERE c.applicant_id = a.id "
             "AND c.status = 'active')")
NEAR = ("a.name_key <> r.name_key AND abs(length(a.name_key) - length(r.name_key)) <= 1 "
        f"AND {RECIPIENT}")
# The floor: each rule's join as plain SQL, counted (no hits written, no rule order).
FLOOR_SQL = {
    "snils": f"""SELECT count(*) FROM selection_rows r JOIN applicants a ON a.snils = r.snils
        WHERE r.selection_id = :sid AND (r.name_key IS NULL OR r.name_key = a.name_key)
          AND {RECIPIENT}""",
    "name_birth": f"""SELECT count(*) FROM selection_rows r JOIN applicants a
        ON a.birth_date = r.birth_date AND a.name_key = r.name_key
        WHERE r.selection_id = :sid AND {RECIPIENT}""",
    "snils_other_name": f"""SELECT count(*) FROM selection_rows r
        JOIN applicants a ON a.snils = r.snils
        WHERE r.selection_id = :sid AND r.name_key <> a.name_key AND {RECIPIENT}""",
    "fuzzy_name": f"""SELECT count(*) FROM (
        SELECT r.id, a.id FROM selection_rows r JOIN applicants a
          ON a.birth_date = r.birth_date AND a.name_head = substr(r.name_key, 1, 6)
        WHERE r.selection_id = :sid AND length(r.name_key) >= 12 AND {NEAR}
        UNION
        SELECT r.id, a.id FROM selection_rows r JOIN applicants a
          ON a.birth_date = r.birth_date
         AND a.name_tail = substr(r.name_key, length(r.name_key) - 5)
        WHERE r.selection_id = :sid AND length(r.name_key) >= 12 AND {NEAR}
        UNION
        SELECT r.id, a.id FROM selection_rows r JOIN applicants a
          ON a.birth_date = r.birth_date
        WHERE r.selection_id = :sid AND length(r.name_key) < 12 AND {NEAR}) pairs""",
}


def rss_mb() -> float:
    """This process's peak RSS. Linux keeps ``ru_maxrss`` across fork and exec, so a child
    started by the data generator would report the generator's peak (306 MB where the job
    itself peaked at 154 MB): the peak of the process's own memory (VmHWM) is read instead."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
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


def _app(url: str, workdir: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "SELECTIONS_UPLOAD_DIR": str(workdir), "SELECTIONS_WORKER": "none"})


def prepare(scale: str, dbname: str, workdir: Path, seed: int = 1) -> tuple[str, dict]:
    """A migrated database with the recipients, and the list at ``workdir/sfr.csv``."""
    rows, recipients = SIZES[scale]
    rng = random.Random(seed)
    if dbname == "postgresql":
        name = f"onewindow_bench_sel_{scale}_{os.getpid()}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
        admin.dispose()
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    t0 = time.perf_counter()
    app = _app(url, workdir)
    with app.app_context():
        upgrade()
        seed_catalog(db.session)
        staff = demo.ensure_staff(db.session)
        db.session.commit()
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
            _archive(writer, shape, rng, now=now, services=svc, user_id=archivist_id)
            build_csv(workdir / "sfr.csv", conn, rows, rng)
        if dbname == "postgresql":  # as autovacuum would have by then
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
        db.session.remove()
        db.engine.dispose()
    return url, {"data_s": round(time.perf_counter() - t0, 1)}


def drop(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def measure(url: str, csv: Path) -> dict:
    """Import and match the list once (in this process), then the floor; figures."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-selections-job-"))
    app = _app(url, workdir)
    figures: dict = {}
    with app.app_context():
        with db.engine.begin() as conn:  # an earlier measurement on a kept database
            conn.execute(text("DELETE FROM selections"))
        now = clock.now()
        path = workdir / "upload.csv"
        path.write_bytes(csv.read_bytes())
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
        figures["rss_mb"] = round(rss_mb(), 1)
        figures.update({f"{k}_s": round(v, 2) for k, v in phases.items()
                        if not k.startswith("rule_")})
        figures["rules_s"] = {k.removeprefix("rule_"): round(v, 2)
                              for k, v in phases.items() if k.startswith("rule_")}
        figures["rows_loaded"] = selection_rows = db.session.scalar(text(
            "SELECT count(*) FROM selection_rows WHERE selection_id = :s"),
            {"s": selection.id})
        figures["hits"] = db.session.scalar(text(
            "SELECT count(*) FROM selection_hits WHERE selection_id = :s"), {"s": selection.id})
        figures["rows_matched"] = matching.rows_matched(db.session, selection.id)
        figures["not_recipient"] = db.session.scalar(text(
            "SELECT count(*) FROM selection_rows WHERE selection_id = :s "
            "AND match_note = 'not_recipient'"), {"s": selection.id})
        figures["rows_per_s"] = round(selection_rows / max(phases.get("match", 0), 1e-9))
        db.session.commit()
        floor: dict[str, float] = {}
        for rule, sql in FLOOR_SQL.items():
            t0 = time.perf_counter()
            db.session.execute(text(sql), {"sid": selection.id}).scalar()
            floor[rule] = round(time.perf_counter() - t0, 2)
        figures["floor_rules_s"] = floor
        figures["floor_s"] = round(sum(floor.values()), 2)
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    return figures


def run(scale: str, dbname: str, *, seed: int = 1, keep: bool = False,
        url: str | None = None, csv: Path | None = None) -> dict:
    rows, recipients = SIZES[scale]
    figures: dict = {"scale": scale, "db": dbname, "rows": rows, "recipients": recipients}
    workdir = Path(tempfile.mkdtemp(prefix="bench-selections-"))
    made = url is None
    if made:
        url, data = prepare(scale, dbname, workdir, seed)
        figures.update(data)
        csv = workdir / "sfr.csv"
    try:
        figures["load_before"] = round(os.getloadavg()[0], 1)
        # A fresh process: the job's RSS, not the generator's.
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.selections", "--measure", url,
             "--csv", str(csv)], check=True, stdout=subprocess.PIPE, text=True,
            cwd=Path(__file__).parent.parent)
        figures.update(json.loads(child.stdout.strip().splitlines()[-1]))
        figures["load_after"] = round(os.getloadavg()[0], 1)
    finally:
        if made and not keep:
            drop(url)
            shutil.rmtree(workdir, ignore_errors=True)
    if not made:
        shutil.rmtree(workdir, ignore_errors=True)
    if keep or not made:
        figures["url"], figures["csv"] = url, str(csv)
    return figures


def report(figures: dict) -> str:
    f = figures
    rules = f.get("rules_s", {})
    floor = f.get("floor_rules_s", {})
    lines = [
        f"#### selections · {f['scale']} · {f['db']} · {clock.now():%Y-%m-%d %H:%M} office time",
        "",
        f"{f['rows']:,} rows against {f['recipients']:,} recipients; CPU: {os.cpu_count()} "
        f"cores, shared with other work: load average {f['load_before']} before the job, "
        f"{f['load_after']} after it.".replace(",", " ").replace("  ", ", "),
        "",
        "| check s | load s | match s | total s | rows matched | hits | rows/s matched "
        "| floor s | job peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {f.get('check_s', 0)} | {f.get('load_s', 0)} | {f.get('match_s', 0)} | "
        f"{f.get('total_s', 0)} | {f['rows_matched']} | {f['hits']} | {f['rows_per_s']} | "
        f"{f['floor_s']} | {f['rss_mb']} |",
        "",
        "| rule | ours s | floor s (the join, counted) |",
        "|---|---:|---:|",
        *(f"| {rule} | {rules.get(rule, '—')} | {floor.get(rule, '—')} |"
          for rule in matching.RULE_ORDER),
        "",
        f"Rows noted «not a recipient»: {f['not_recipient']}. Match = the rules plus the "
        "notes and the profile's actions; total = check + load + match.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks selections",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=SIZES, default="district")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated database (its URL is printed)")
    parser.add_argument("--url", help="measure on this kept database (with --csv)")
    parser.add_argument("--csv", type=Path, help="the list generated with the kept database")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:  # the child process
        print(json.dumps(measure(args.measure, args.csv)))
        return
    if bool(args.url) != bool(args.csv):
        parser.error("--url and --csv go together")
    figures = run(args.scale, args.db, seed=args.seed, keep=args.keep, url=args.url,
                  csv=args.csv)
    text_ = report(figures)
    print(text_)
    if "url" in figures:
        print(f"database: {figures['url']}\nlist: {figures['csv']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"selections-{args.scale}-{args.db}.md").write_text(text_, encoding="utf-8")
    (RESULTS / f"selections-{args.scale}-{args.db}.json").write_text(
        json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

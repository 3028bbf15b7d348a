"""The data generator at tiny scale: counts, realistic names, valid СНИЛС, working app."""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime

import pytest
from sqlalchemy import create_engine, func, select, text

from benchmarks.datagen import SCALES, BulkWriter, applicant_rows, generate
from onewindow import create_app
from onewindow.core import clock
from onewindow.core.snils import validate_snils

from ..conftest import _pg_admin_engine, missing

SMALL = dataclasses.replace(SCALES["tiny"], applicants=300, applications=600, case_files=200,
                            boxes=5, ticket_days=2, tickets_per_day=10, label_sheet=30,
                            waiting_tickets=12)


def _generate(url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-test"})
    generated = generate(app, SMALL, log=lambda _m: None)
    return app, generated


def _check(app, generated) -> None:
    from onewindow.applicants.queries import search_applicants
    from onewindow.archive.queries import find_box, find_case_file
    from onewindow.extensions import db
    from onewindow.intake.models import Application
    from onewindow.queue.models import Ticket

    assert generated.counts["applicants"] == SMALL.applicants
    assert generated.counts["applications"] == SMALL.applications
    assert generated.counts["application_documents"] >= SMALL.applications
    assert generated.counts["case_files"] == SMALL.case_files
    assert set(generated.areas) >= {"archive", "queue"}
    with app.app_context():
        s = db.session
        snils = [r[0] for r in s.execute(text("SELECT snils FROM applicants"))]
        assert len(set(snils)) == SMALL.applicants
        assert all(validate_snils(v) == v for v in snils)
        surnames = [r[0] for r in s.execute(text("SELECT surname FROM applicants"))]
        assert any("ё" in n.lower() for n in surnames)
        assert any("-" in n for n in surnames)
        # The app's own search finds generated people by their normalised keys.
        assert search_applicants(s, snils[0])[0].snils == snils[0]
        assert search_applicants(s, surnames[0][:4])
        # Counters continue after the bulk rows: numbers stay unique.
        year = clock.now().year
        top = s.scalar(select(func.max(Application.seq)).where(Application.year == year))
        counter = s.execute(text("SELECT value FROM number_counters WHERE journal = "
                                 "'applications' AND period = :p"), {"p": str(year)}).scalar()
        assert counter == top
        assert find_box(s, "BOX000001") is not None
        number = s.execute(text("SELECT number FROM case_files WHERE id = 1")).scalar()
        assert find_case_file(s, number).applicant is not None
        waiting = s.scalar(select(func.count(Ticket.id)).where(Ticket.status == "waiting"))
        assert waiting == SMALL.waiting_tickets
        db.session.remove()
        db.engine.dispose()


def test_generate_sqlite(tmp_path):
    app, generated = _generate("sqlite:///" + str(tmp_path / "bench.sqlite3"))
    _check(app, generated)


def test_generate_postgresql_uses_copy():
    engine, error = _pg_admin_engine()
    if engine is None:
        missing("PostgreSQL", str(error))
    name = f"onewindow_bench_test_{random.randrange(10**8)}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))
    url = str(engine.url.set(database=name).render_as_string(hide_password=False))
    try:
        app, generated = _generate(url)
        _check(app, generated)
        # Sequences were moved past the COPYed ids: a normal insert gets a fresh id.
        bench = create_engine(url)
        with bench.begin() as conn:
            new_id = conn.execute(text(
                "INSERT INTO archive_rooms (name) VALUES ('Новая') RETURNING id")).scalar()
        bench.dispose()
        assert new_id > 1
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def test_applicant_rows_are_deterministic():
    now = datetime(2026, 1, 1)
    first = list(applicant_rows(50, random.Random(3), now=now))
    again = list(applicant_rows(50, random.Random(3), now=now))
    assert first == again
    assert [r[0] for r in first] == list(range(1, 51))


def test_bulk_writer_executemany_on_sqlite(tmp_path):
    from onewindow.extensions import db

    engine = create_engine("sqlite:///" + str(tmp_path / "w.sqlite3"))
    table = db.metadata.tables["archive_rooms"]
    table.create(engine)
    with engine.begin() as conn:
        n = BulkWriter(conn).write(table, ("id", "name"),
                                   ((i, f"Комната {i}") for i in range(1, 45_001)))
    with engine.connect() as conn:
        assert n == conn.execute(select(func.count()).select_from(table)).scalar() == 45_000
    engine.dispose()


@pytest.mark.parametrize("name", ["tiny", "district", "region"])
def test_scales_match_the_issue(name):
    scale = SCALES[name]
    if name == "district":
        assert (scale.applicants, scale.applications, scale.case_files, scale.boxes) == (
            50_000, 150_000, 75_000, 1_000)
    if name == "region":
        assert (scale.applicants, scale.applications, scale.case_files, scale.boxes) == (
            1_000_000, 3_000_000, 1_500_000, 20_000)
    assert scale.label_sheet <= scale.case_files

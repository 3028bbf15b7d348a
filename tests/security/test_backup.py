"""Backup/restore round trip on both databases; migrations down to base and up again."""

from __future__ import annotations

import shutil

from sqlalchemy import MetaData, inspect, select, text

from onewindow.core import clock
from onewindow.extensions import db
from onewindow.security import audit

from ..conftest import make_test_app, missing
from ..factories import make_applicant, make_application


def _snapshot(session) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    session.rollback()
    reflected = MetaData()
    reflected.reflect(bind=session.get_bind())
    tables = {}
    for table in reflected.sorted_tables:
        rows = session.execute(select(table)).all()
        tables[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return tables


def _require_pg_tools(session):
    if session.get_bind().dialect.name == "postgresql":
        for tool in ("pg_dump", "pg_restore"):
            if shutil.which(tool) is None:
                missing(tool, "apt-get install postgresql-client")


def test_backup_restore_round_trip(app, session, users, tmp_path):
    _require_pg_tools(session)
    applicant = make_applicant(session, surname="До-копии")
    make_application(session, applicant=applicant, user=users["specialist"])
    audit.record(session, action="view", now=clock.now(), username="x",
                 object_type="applicant", object_id=str(applicant.id))
    session.commit()
    before = _snapshot(session)
    assert before["applicants"] and before["applications"] and before["audit_entries"]
    session.remove()

    runner = app.test_cli_runner()
    path = tmp_path / "onewindow.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0

    # Change things after the backup: a new applicant, an edited one.
    make_applicant(session, surname="После-копии")
    session.execute(text("UPDATE applicants SET surname = 'Изменено' WHERE surname = 'До-копии'"))
    session.commit()
    assert _snapshot(session) != before
    session.remove()

    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    after = _snapshot(session)
    # The restore records itself in the restored database.
    *kept, restored = after.pop("audit_entries")
    assert kept == before.pop("audit_entries") and "restore" in restored
    assert after == before


def test_restore_refuses_a_missing_file(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "nope"), "--yes"])
    assert result.exit_code != 0




def test_migrations_down_to_base_and_up_again(scratch_url):
    from flask_migrate import downgrade, upgrade

    application = make_test_app(scratch_url)
    try:
        with application.app_context():
            upgrade()
            tables = set(inspect(db.engine).get_table_names())
            assert {"audit_entries", "applicants", "users"} <= tables
            downgrade(revision="base")
            db.engine.dispose()
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            db.engine.dispose()
            after = set(inspect(db.engine).get_table_names())
            assert after == tables
            expected = {t.name for t in db.metadata.sorted_tables}
            assert expected <= after
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()

"""Backup/restore round trip on both databases; migrations down to base and up again."""

from __future__ import annotations

import shutil
import stat
from datetime import datetime, timedelta

from sqlalchemy import MetaData, inspect, select

from onewindow.core import clock
from onewindow.extensions import db
from onewindow.security.backup import prune, rotated_name, taken_at, to_keep

from ..conftest import make_test_app, missing


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


# The round trip (backup, damage, restore) is the restore drill: tests/ops/test_restore_drill.py


def test_restore_refuses_a_missing_file(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "nope"), "--yes"])
    assert result.exit_code != 0



def test_an_existing_file_is_made_private(app, session, tmp_path):
    _require_pg_tools(session)
    path = tmp_path / "old.backup"
    path.write_bytes(b"old")
    path.chmod(0o644)
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() != b"old"


def test_a_failed_backup_leaves_no_file(app, tmp_path, monkeypatch):
    monkeypatch.setattr("onewindow.security.backup._copy",
                        lambda engine, target: (_ for _ in ()).throw(OSError("disk full")))
    path = tmp_path / "nightly.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code != 0
    assert not path.exists()


def test_rotated_backups_into_a_directory_with_retention(app, session, tmp_path):
    _require_pg_tools(session)
    directory = tmp_path / "backups"
    directory.mkdir()
    # Twenty days of nightly backups before today, two of them yesterday, and a stranger.
    today = clock.now().replace(hour=1, minute=0, second=0, microsecond=0)
    for days in range(1, 21):
        (directory / rotated_name(today - timedelta(days=days))).write_bytes(b"x")
    (directory / rotated_name(today - timedelta(days=1, hours=-5))).write_bytes(b"x")
    (directory / "keep-me.txt").write_text("not a backup")

    result = app.test_cli_runner().invoke(
        args=["backup", str(directory), "--keep-daily", "3", "--keep-monthly", "2"])
    assert result.exit_code == 0, result.output
    made = [p for p in directory.iterdir() if taken_at(p) and taken_at(p) > today]
    assert len(made) == 1 and stat.S_IMODE(made[0].stat().st_mode) == 0o600
    assert made[0].stat().st_size > 0
    left = sorted(taken_at(p) for p in directory.iterdir() if taken_at(p))
    stamps = [taken_at(made[0])] + [today - timedelta(days=d) for d in range(1, 21)]
    stamps.append(today - timedelta(days=1, hours=-5))
    assert left == sorted(to_keep(stamps, keep_daily=3, keep_monthly=2))
    assert (directory / "keep-me.txt").exists()
    # Today's, yesterday's later one, the day before; and the newest of the month before.
    days = {stamp.date() for stamp in left}
    assert {today.date(), (today - timedelta(days=1)).date(),
            (today - timedelta(days=2)).date()} <= days
    assert today - timedelta(days=1) not in left  # yesterday's earlier copy went
    assert len(left) in (3, 4)  # + the previous month's newest, unless all 20 days are in it


def test_retention_keeps_the_newest_of_each_day_and_month(tmp_path):
    stamps = [datetime(2026, 12, 7, 2), datetime(2026, 12, 7, 1), datetime(2026, 12, 6, 2),
              datetime(2026, 12, 1, 2), datetime(2026, 11, 30, 2), datetime(2026, 11, 3, 2),
              datetime(2026, 10, 15, 2), datetime(2026, 9, 1, 2)]
    assert to_keep(stamps, keep_daily=2, keep_monthly=3) == {
        datetime(2026, 12, 7, 2), datetime(2026, 12, 6, 2),
        datetime(2026, 11, 30, 2), datetime(2026, 10, 15, 2)}
    assert to_keep(stamps, keep_daily=1, keep_monthly=0) == {datetime(2026, 12, 7, 2)}
    for stamp in stamps:
        (tmp_path / rotated_name(stamp)).write_bytes(b"x")
    (tmp_path / "onewindow-20261399-000000.backup").write_bytes(b"not a date")
    deleted = prune(tmp_path, keep_daily=2, keep_monthly=3)
    assert len(deleted) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [rotated_name(s) for s in (datetime(2026, 12, 7, 2), datetime(2026, 12, 6, 2),
                                   datetime(2026, 11, 30, 2), datetime(2026, 10, 15, 2))]
        + ["onewindow-20261399-000000.backup"])


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

"""The restore drill of the README, on SQLite and PostgreSQL: back up, damage, restore; the
data equals the backup, the migrations are current, /healthz answers 200 and the restore
is in the audit. And a backup made before an update: restored, then migrated."""

from __future__ import annotations

import stat

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from onewindow.extensions import db
from onewindow.ops import health
from onewindow.security.models import AuditEntry

from ..conftest import make_test_app
from ..factories import make_applicant, make_application
from ..security.test_backup import _require_pg_tools, _snapshot


def _healthz(application) -> tuple[int, dict]:
    response = application.test_client().get("/healthz")
    return response.status_code, response.json


def _restores(session) -> list[AuditEntry]:
    session.rollback()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "restore")
                                .order_by(AuditEntry.id)))


def test_restore_drill(app, session, users, tmp_path):
    _require_pg_tools(session)
    for n in range(3):
        applicant = make_applicant(session, surname=f"Копийная-{n}")
        make_application(session, applicant=applicant, user=users["specialist"])
    session.commit()
    before = _snapshot(session)
    session.remove()
    runner = app.test_cli_runner()
    path = tmp_path / "drill.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # every applicant's personal data
    backed_up = _snapshot(session)  # with the backup's own audit row
    session.remove()

    # The damage: rows dropped, rows changed, new rows.
    session.execute(text("DELETE FROM application_events"))
    session.execute(text("UPDATE applicants SET surname = 'Испорчено'"))
    make_applicant(session, surname="Лишний")
    session.commit()
    assert _snapshot(session) != backed_up
    session.remove()

    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    after = _snapshot(session)
    # The backup's own audit row is written after the copy is made: not in it.
    *kept, _restore_row = after.pop("audit_entries")
    assert kept == before.pop("audit_entries")
    backed_up.pop("audit_entries")
    assert after == backed_up
    assert after == before
    # The schema is the code's, the app is healthy, the restore is in the audit.
    assert health.check_migrations(session, health.code_heads()) is None
    assert _healthz(app) == (200, {"status": "ok", "failing": [], "checks": {
        "database": "ok", "migrations": "ok", "workers": "ok"}})
    restores = _restores(session)
    assert len(restores) == 1 and restores[0].result == "ok"
    assert str(path.resolve()) in restores[0].details
    assert restores[0].username.startswith("cli:")


def test_a_backup_made_before_an_update_is_restored_and_migrated(scratch_url, tmp_path):
    """The copy of last week, made before the update's migration: restored onto the updated
    code, it is migrated at once (unless --no-upgrade), and the app is healthy."""
    application = make_test_app(scratch_url)
    try:
        with application.app_context():
            _require_pg_tools(db.session)
            heads = health.code_heads()
            upgrade()
            downgrade(revision="-1")  # the database as it was before the update
            older = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
            db.session.remove()
            runner = application.test_cli_runner()
            path = tmp_path / "before-update.backup"
            assert runner.invoke(args=["backup", str(path)]).exit_code == 0
            upgrade()  # the update
            db.session.remove()
            assert _healthz(application)[0] == 200

            result = runner.invoke(args=["restore", str(path), "--yes", "--no-upgrade"])
            assert result.exit_code == 0, result.output
            assert "отстаёт" in result.output
            status, body = _healthz(application)
            assert status == 503 and body["failing"] == ["migrations"]
            assert older in body["checks"]["migrations"]

            upgrade()
            db.session.remove()
            result = runner.invoke(args=["restore", str(path), "--yes"])
            assert result.exit_code == 0, result.output
            assert "миграции применены" in result.output
            assert health.check_migrations(db.session, heads) is None
            assert _healthz(application)[0] == 200
            assert [r.result for r in _restores(db.session)] == ["ok"]
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_damaged_backup_changes_nothing(app, session, users, tmp_path):
    _require_pg_tools(session)
    make_applicant(session, surname="Копийная")
    session.commit()
    session.remove()
    runner = app.test_cli_runner()
    path = tmp_path / "whole.backup"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    make_applicant(session, surname="После-копии")
    session.commit()
    before = _snapshot(session)
    session.remove()
    data = path.read_bytes()
    for name, damaged in (("cut.backup", data[: len(data) * 2 // 3]),
                          ("garbage.backup", b"not a backup at all" * 100)):
        broken = tmp_path / name
        broken.write_bytes(damaged)
        result = runner.invoke(args=["restore", str(broken), "--yes"])
        assert result.exit_code != 0, result.output
        assert "База данных восстановлена" not in result.output
        after = _snapshot(session)
        *kept, failed = after.pop("audit_entries")
        assert after == {k: v for k, v in before.items() if k != "audit_entries"}
        assert kept == before["audit_entries"] and "failed" in failed
        before = _snapshot(session)
        session.remove()

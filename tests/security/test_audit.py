"""The audit log: entries for views, changes, prints and exports; append-only; exports."""

from __future__ import annotations

import csv
import io
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onewindow.core import clock
from onewindow.security import audit
from onewindow.security.models import AuditEntry, AuditRefused

from ..conftest import login
from ..factories import make_applicant, make_application


def _entries(session, **where):
    session.rollback()
    query = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    return list(session.scalars(query))


def test_card_view_edit_and_create_are_audited(specialist_client, session, users):
    applicant = make_applicant(session, snils="112-233-445 95")
    session.commit()
    applicant_id = applicant.id
    assert specialist_client.get(f"/applicants/{applicant_id}").status_code == 200
    (view,) = _entries(session, action="view", object_type="applicant")
    assert view.object_id == str(applicant_id)
    assert view.username == users["specialist"].username
    assert view.role == "specialist" and view.result == "ok"
    assert view.remote_addr == "127.0.0.1"
    row = " ".join(str(v) for v in (view.details, view.object_id, view.username))
    assert "11223344595" not in row and "112-233-445 95" not in row


def test_application_view_print_status_cancel_are_audited(specialist_client, session, users):
    application = make_application(session, user=users["specialist"])
    session.commit()
    app_id = application.id
    assert specialist_client.get(f"/applications/{app_id}").status_code == 200
    assert specialist_client.get(f"/applications/{app_id}/receipt.pdf").status_code == 200
    r = specialist_client.post(f"/applications/{app_id}/cancel", data={"reason": "ошибка"})
    assert r.status_code in (302, 303)
    actions = [(e.action, e.object_type, e.object_id)
               for e in _entries(session, object_type="application")]
    assert ("view", "application", str(app_id)) in actions
    assert ("print", "application", str(app_id)) in actions
    assert ("cancel", "application", str(app_id)) in actions


def test_register_print_is_audited(specialist_client, session, users):
    make_application(session, user=users["specialist"], now=clock.now())
    session.commit()
    assert specialist_client.get("/applications/register.pdf").status_code == 200
    (entry,) = _entries(session, action="print", object_type="register")
    assert entry.object_id.endswith(f"/{users['specialist'].id}")


def test_failed_change_leaves_no_audit_entry(specialist_client, session):
    before = session.scalar(select(func.count(AuditEntry.id)))
    r = specialist_client.post("/applicants/new", data={"surname": ""})
    assert r.status_code == 422
    session.rollback()
    assert session.scalar(select(func.count(AuditEntry.id))) == before


def test_change_rolls_back_when_the_audit_row_cannot_be_written(
        specialist_client, session, monkeypatch):
    """Same transaction: a failing audit write leaves the applicant unchanged."""
    from onewindow.applicants.models import Applicant

    applicant = make_applicant(session, surname="Прежняя")
    session.commit()
    applicant_id, version = applicant.id, applicant.version

    def broken(*_a, **_k):
        raise RuntimeError("audit storage unavailable")

    form = specialist_client.get(f"/applicants/{applicant_id}/edit").get_data(as_text=True)
    assert "Прежняя" in form
    monkeypatch.setattr("onewindow.security.audit.entry_values", broken)
    data = {"surname": "Новая", "name": "Анна", "patronymic": "Петровна",
            "birth_date": "01.05.1980", "sex": "F", "id_doc_type": "passport_ru",
            "id_doc_series": "1804", "id_doc_number": "123456", "version": str(version)}
    with pytest.raises(RuntimeError):
        specialist_client.post(f"/applicants/{applicant_id}/edit", data=data)
    session.rollback()
    assert session.get(Applicant, applicant_id).surname == "Прежняя"


def test_logins_logouts_and_failures_are_audited(client, session, users):
    user = users["chief"]
    client.post("/login", data={"username": user.username, "password": "wrong-password"})
    login(client, user)
    client.post("/logout")
    actions = [(e.action, e.result) for e in _entries(session, username=user.username)]
    assert actions == [("login_failed", "failed"), ("login", "ok"), ("logout", "ok")]


def test_audit_entries_refuse_update_and_delete(session):
    entry = audit.record(session, action="view", now=clock.now(), username="x")
    session.commit()
    entry.result = "denied"
    with pytest.raises(AuditRefused):
        session.flush()
    session.rollback()
    session.delete(session.get(AuditEntry, entry.id))
    with pytest.raises(AuditRefused):
        session.flush()
    session.rollback()
    assert session.get(AuditEntry, entry.id).result == "ok"


def test_log_line_stays_one_line_and_has_no_snils(session, caplog):
    with caplog.at_level(logging.INFO, logger="onewindow.audit"):
        entry = audit.record(session, action="login_failed", now=clock.now(),
                             username="evil\nadmin login ok\r", result="failed")
    assert "\n" not in entry.username and "\\x0a" in entry.username
    (message,) = [r.getMessage() for r in caplog.records if r.name == "onewindow.audit"]
    assert "\n" not in message and "\r" not in message
    session.rollback()


def test_admin_search_and_exports_neutralise_formulas(client, session, users):
    audit.record(session, action="login_failed", now=clock.now(), username="=cmd|' /C calc'!A0",
                 result="failed", remote_addr="10.0.0.9")
    audit.record(session, action="login_failed", now=clock.now(), username="+SUM(1)",
                 result="failed")
    session.commit()
    login(client, users["admin"])
    page = client.get("/admin/audit/?action=login_failed").get_data(as_text=True)
    assert "=cmd|&#39; /C calc&#39;!A0" in page
    r = client.get("/admin/audit/export.csv?action=login_failed")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig")), delimiter=";"))
    names = {row[1] for row in rows[1:]}
    assert names == {"'=cmd|' /C calc'!A0", "'+SUM(1)"}
    x = client.get("/admin/audit/export.xlsx?action=login_failed")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(x.get_data())).active
    cells = [c.value for c in sheet["B"]][1:]
    assert set(cells) == {"'=cmd|' /C calc'!A0", "'+SUM(1)"}
    assert all(c.data_type == "s" for c in sheet["B"])
    exports = _entries(session, action="export")
    assert [e.details.split(":")[0] for e in exports] == ["csv", "xlsx"]


def test_audit_screen_filters_by_user_and_dates(client, session, users):
    old = clock.now() - timedelta(days=40)
    audit.record(session, action="view", now=old, username="olduser", object_type="applicant",
                 object_id="7")
    audit.record(session, action="view", now=clock.now(), username="newuser",
                 object_type="applicant", object_id="7")
    session.commit()
    login(client, users["admin"])
    since = (clock.now() - timedelta(days=1)).strftime("%d.%m.%Y")
    page = client.get(f"/admin/audit/?object_type=applicant&object_id=7&date_from={since}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "newuser" in body and "olduser" not in body
    assert client.get("/admin/audit/?date_from=31.02.2026").status_code == 422


def test_audit_screen_is_admin_only(client, users):
    login(client, users["chief"])
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403


def test_purge_is_the_only_deletion_and_is_logged(app, session):
    audit.record(session, action="view", now=clock.now() - timedelta(days=4000),
                 username="ancient")
    audit.record(session, action="view", now=clock.now(), username="recent")
    session.commit()
    result = app.test_cli_runner().invoke(args=["audit-purge", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Удалено записей журнала: 1" in result.output
    names = [e.username for e in _entries(session)]
    assert "ancient" not in names and "recent" in names
    (purge,) = _entries(session, action="audit_purge")
    assert purge.username.startswith("cli:") and "удалено записей: 1" in purge.details


def test_concurrent_card_views_and_writes_do_not_lock(app, session, users):
    """GET views write their audit row under load beside POST writers (SQLite too)."""
    import threading

    from onewindow.extensions import db

    applicants = [make_applicant(session) for _ in range(3)]
    session.commit()
    ids = [a.id for a in applicants]
    username = users["specialist"].username
    session.close()
    errors: list[str] = []

    def worker(n: int):
        client = app.test_client()
        with app.app_context():
            try:
                r = client.post("/login", data={"username": username,
                                                "password": "Test-password-42"})
                assert r.status_code == 302
                for i in range(6):
                    applicant_id = ids[(n + i) % len(ids)]
                    status = client.get(f"/applicants/{applicant_id}").status_code
                    if status != 200:
                        errors.append(f"view {status}")
                    status = client.post("/applicants/search", data={"q": "Иванова"}).status_code
                    if status != 200:
                        errors.append(f"search {status}")
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(_entries(session, action="view", object_type="applicant")) == 36

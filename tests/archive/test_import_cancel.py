"""Undoing an import cancels its case files: nothing is deleted, nothing stays live."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select, text

from onewindow.archive import importing, queries, services
from onewindow.archive.models import CaseFile
from onewindow.errors import Conflict
from onewindow.extensions import db
from onewindow.selections.matching import recipient_ids

from ..conftest import login, make_test_app
from ..factories import make_application, make_user
from .helpers import make_box
from .test_import import _csv, _people, _rows

NOW = datetime(2026, 11, 28, 12)


def _import(session, users, box_code=""):
    a, b, c = _people(session)
    raw = importing.read_register(_csv(_rows(a, b, c, box_code)), "r.csv")
    batch, _ = importing.import_register(session, raw, filename="r.csv",
                                         user_id=users["archivist"].id, now=NOW,
                                         good_only=True)
    files = session.scalars(select(CaseFile).where(CaseFile.import_batch_id == batch.id)
                            .order_by(CaseFile.import_row)).all()
    return (a, b, c), raw, batch, files


def test_cancelled_files_are_no_longer_live_anywhere(session, users):
    box = make_box(session)
    (a, b, _c), raw, batch, files = _import(session, users, box.barcode)
    importing.undo_import(session, batch, reason="строки перепутаны",
                          user_id=users["archivist"].id, now=NOW)
    session.commit()
    numbers = [f.number for f in files]
    assert numbers == ["EDV/15/00001", "LEG/1999/7"]
    # Lists and lookups: not in the archive search, the applicant card, the box, the
    # selections' recipients; found (as cancelled) only when asked for.
    assert queries.search_case_files(session, q="") == []
    assert queries.search_case_files(session, q="Петров") == []
    assert [f.number for f in queries.search_case_files(session, status="cancelled")] == \
        sorted(numbers, reverse=True)
    assert queries.case_files_of_applicant(session, a.id) == []
    assert queries.box_contents(session, box) == []
    assert services.box_count(session, box.id) == 0
    assert not session.scalars(recipient_ids()).all()
    assert services.find_case_file(session, applicant_id=a.id, service_id=files[0].service_id) \
        is None
    hit = queries.resolve_code(session, "LEG/1999/7")
    assert hit.kind == "case" and hit.obj.status == "cancelled"

    # The corrected register goes in again: the numbers and pairs are free.
    again = importing.check_register(session, raw, today=date(2026, 11, 28)).rows
    assert [r.ok for r in again][:2] == [True, True]
    batch2, _ = importing.import_register(session, raw, filename="r2.csv",
                                          user_id=users["archivist"].id, now=NOW,
                                         good_only=True)
    session.commit()
    live = session.scalars(select(CaseFile).where(CaseFile.import_batch_id == batch2.id)
                           .order_by(CaseFile.import_row)).all()
    # The same rows get the same numbers back: labels printed for the first import hold.
    assert [f.number for f in live] == ["EDV/15/00001", "LEG/1999/7"]
    for number, file in (("EDV/15/00001", live[0]), ("LEG/1999/7", live[1])):
        assert queries.find_case_file(session, number) is file  # the live one first
        assert queries.find_case_file(session, number, card=True) is file
    assert session.scalar(select(func.count(CaseFile.id))) == 4  # nothing was deleted


def test_cancelled_file_takes_no_placement_issue_or_closing(session, users):
    box = make_box(session)
    _people_, _raw, batch, files = _import(session, users)
    importing.undo_import(session, batch, reason="ошибка", user_id=users["archivist"].id,
                          now=NOW)
    cancelled = files[0]
    for attempt in (
        lambda: services.place_case_file(session, case_file=cancelled, box=box, user_id=None,
                                         now=NOW),
        lambda: services.issue_case_file(session, case_file=cancelled,
                                         to_user_id=users["specialist"].id,
                                         due_on=date(2026, 12, 10), user_id=None, now=NOW),
        lambda: services.close_case_file(session, cancelled, reason="died", note=None,
                                         user_id=users["archivist"].id, now=NOW),
    ):
        with pytest.raises(Conflict, match="аннулировано"):
            attempt()
    assert cancelled.status == "cancelled" and cancelled.box_id is None


def test_new_application_opens_a_new_file_after_undo(session, users):
    (a, _b, _c), _raw, batch, files = _import(session, users)
    importing.undo_import(session, batch, reason="ошибка", user_id=users["archivist"].id,
                          now=NOW)
    application = make_application(session, applicant=a, user=users["specialist"],
                                   service_code="EDV")
    live = services.find_case_file(session, applicant_id=a.id,
                                   service_id=application.service.id)
    assert live is not None and live.id != files[0].id and live.status == "active"
    assert live.applications == [application] and files[0].applications == []


def test_undo_refused_once_an_application_joined(session, users):
    (a, _b, _c), _raw, batch, files = _import(session, users)
    make_application(session, applicant=a, user=users["specialist"], service_code="EDV")
    assert files[0].applications
    with pytest.raises(Conflict, match="заявления"):
        importing.undo_import(session, batch, reason="ошибка",
                              user_id=users["archivist"].id, now=NOW)
    assert all(f.status == "active" for f in files)


def test_scanning_a_cancelled_folder_alarms(client, session, users):
    _people_, _raw, batch, files = _import(session, users)
    importing.undo_import(session, batch, reason="не тот реестр",
                          user_id=users["archivist"].id, now=NOW)
    session.commit()
    login(client, users["archivist"])
    response = client.post("/archive/scan", data={"mode": "lookup", "code": "LEG/1999/7"},
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert 'data-alarm="1"' in html and "аннулировано" in html and "не тот реестр" in html
    page = client.get(f"/archive/cases/{files[1].id}").get_data(as_text=True)
    assert "аннулировано" in page and "не тот реестр" in page
    found = client.get("/archive/?q=LEG/1999/7", headers={"HX-Request": "true"})
    assert "LEG/1999/7" not in found.get_data(as_text=True)
    listed = client.get("/archive/?status=cancelled", headers={"HX-Request": "true"})
    assert "LEG/1999/7" in listed.get_data(as_text=True)


# ------------------------------------------------------------------ the migration




CHILDREN = ("case_file_events", "case_file_moves", "case_file_checkouts",
            "case_file_applications")


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("case_files", *CHILDREN)}


def test_migration_keeps_every_row_up_and_down(scratch_url):
    """The case_files table is rebuilt (SQLite): no row of it or of its children is lost."""
    from flask_migrate import downgrade, upgrade

    from onewindow.catalog.services import seed_catalog

    application = make_test_app(scratch_url)
    try:
        with application.app_context():
            upgrade()
            session = db.session
            seed_catalog(session)
            users = {r: make_user(session, role=r) for r in ("archivist", "specialist")}
            box = make_box(session)
            (_a, _b, c), _raw, batch, files = _import(session, users, box.barcode)
            make_application(session, applicant=c, user=users["specialist"])
            services.issue_case_file(session, case_file=files[0],
                                     to_user_id=users["specialist"].id,
                                     due_on=date(2026, 12, 10), user_id=None, now=NOW)
            other = importing.import_register(
                session, importing.read_register(_csv([["", "Кузнецов Иван", "02.01.1960",
                                                        "", "GAZ", "2019", "", "", ""]]),
                                                 "k.csv"),
                filename="k.csv", user_id=users["archivist"].id, now=NOW, good_only=True)[0]
            importing.undo_import(session, other, reason="ошибка",
                                  user_id=users["archivist"].id, now=NOW)
            session.commit()
            other_id = other.id
            session.remove()
            before = _counts()
            assert all(before.values()), before

            downgrade(revision="0012")  # takes 0013 down
            db.engine.dispose()
            assert _counts() == before
            with db.engine.connect() as conn:
                assert conn.execute(text(
                    "SELECT status, close_note FROM case_files WHERE import_batch_id = :b"),
                    {"b": other_id}).one() == ("closed", "Аннулировано: ошибка")

            upgrade()
            if db.engine.dialect.name == "sqlite":
                # The pooled connection the migration used has foreign keys on again.
                with db.engine.connect() as conn:
                    assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            db.engine.dispose()
            assert _counts() == before
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()

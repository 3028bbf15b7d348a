"""Upload → mapping → background import: reports, duplicates, profiles, atomicity."""

from __future__ import annotations

import io
import socket
import subprocess
from datetime import date

import pytest
from sqlalchemy import func, select

from onewindow.core import clock
from onewindow.selections import jobs
from onewindow.selections.models import (
    MappingProfile,
    Selection,
    SelectionIssue,
    SelectionRow,
)

from ..conftest import make_test_app
from .helpers import (
    csv_bytes,
    dbf_bytes,
    fresh,
    import_file,
    make_recipient,
    snils,
    wait_for_jobs,
    xlsx_bytes,
)

GOOD = [[snils(1), "Иванова", "Анна", "Петровна", "01.05.1980", "умер", "02.11.2026", ""],
        [snils(2), "Сидоров", "Пётр", "", "02.01.1990", "переезд", "", ""]]


def _upload(client, data: bytes, name="sfr.csv", **extra):
    form = {"source": "sfr", "period": "11.2026", "encoding": "auto", "delimiter": "auto",
            "file": (io.BytesIO(data), name)}
    form.update(extra)
    return client.post("/selections/upload", data=form, content_type="multipart/form-data")


def _mapping_form(**extra):
    form = {"snils": "СНИЛС", "surname": "Фамилия", "name": "Имя", "patronymic": "Отчество",
            "birth_date": "Дата рождения", "event_type": "Событие",
            "event_date": "Дата события", "encoding": "auto", "delimiter": "auto"}
    form.update(extra)
    return form


def _rows(session, selection_id):
    return session.scalar(select(func.count()).select_from(SelectionRow).where(
        SelectionRow.selection_id == selection_id))


def test_upload_map_and_import_in_background(specialist_client, session, users):
    anna = make_recipient(session, surname="Иванова", name="Анна", snils=snils(1))
    anna_id = anna.id
    session.commit()
    response = _upload(specialist_client, csv_bytes(GOOD, encoding="cp1251"))
    assert response.status_code == 303
    mapping_url = response.headers["Location"]
    page = specialist_client.get(mapping_url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Сидоров" in text and "Пётр" in text  # first rows shown, cp1251 decoded
    selection_id = int(mapping_url.split("/")[-2])
    response = specialist_client.post(f"/selections/{selection_id}/import",
                                      data=_mapping_form(profile_name="СФР — умершие"))
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    job = wait_for_jobs(session)
    assert job.status == "done" and job.percent == 100
    selection = session.get(Selection, selection_id)
    assert (selection.status, selection.rows_total, selection.rows_good) == ("done", 2, 2)
    assert selection.imported_by_id == users["specialist"].id
    assert len(selection.sha256) == 64 and selection.stored_path is None
    assert _rows(session, selection_id) == 2
    page = specialist_client.get(f"/selections/{selection_id}")
    text = page.get_data(as_text=True)
    assert "СНИЛС совпал" in text and f"/applicants/{anna_id}" in text
    # The progress endpoint reports the final state and asks the page to refresh.
    progress = specialist_client.get(f"/selections/{selection_id}/progress",
                                     headers={"HX-Request": "true"})
    assert progress.headers.get("HX-Refresh") == "true"
    assert "готово" in progress.get_data(as_text=True)
    assert "<html" not in progress.get_data(as_text=True)


def test_progress_is_polled_while_running(specialist_client, session):
    from onewindow.selections.models import ImportJob

    selection = Selection(source="sfr", period="2026-11", filename="a.csv", file_format="csv",
                          sha256="0" * 64, status="running")
    session.add(selection)
    session.flush()
    job = ImportJob(selection_id=selection.id, status="running", phase="загрузка строк",
                    processed=250, total=1000, worker=jobs.worker_name(),
                    heartbeat_at=clock.now())
    session.add(job)
    session.flush()
    sid, job_id = selection.id, job.id
    session.commit()
    session.close()
    jobs._threads[job_id] = _AliveThread()
    response = specialist_client.get(f"/selections/{sid}/progress",
                                     headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in text and "250 из 1000" in text
    assert 'value="25"' in text and "HX-Refresh" not in response.headers
    jobs._threads.pop(job_id)


class _AliveThread:
    def is_alive(self):
        return True

    def join(self, timeout=None):
        return None


def test_job_of_a_dead_worker_is_failed_at_once_after_its_last_attempt(
        specialist_client, session):
    from onewindow.selections.models import ImportJob

    selection = Selection(source="sfr", period="2026-11", filename="a.csv", file_format="csv",
                          sha256="1" * 64, status="running")
    session.add(selection)
    session.flush()
    # Its worker was seen a second ago, but the process is gone (SQLite: by pid; on
    # PostgreSQL its advisory lock is free): no five minutes, no page view needed.
    session.add(ImportJob(selection_id=selection.id, status="running", phase="загрузка строк",
                          worker=f"{socket.gethostname()}:{_dead_pid()}",
                          heartbeat_at=clock.now(), attempts=jobs.MAX_ATTEMPTS))
    session.add(SelectionRow(selection_id=selection.id, line_no=2, surname="Сирота"))
    sid = selection.id
    session.commit()
    session.close()
    text = specialist_client.get(f"/selections/{sid}").get_data(as_text=True)
    assert "прервана" in text
    assert fresh(session).get(Selection, sid).status == "failed"
    assert _rows(session, sid) == 0


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_bad_rows_are_reported_and_nothing_imported(specialist_client, session, tmp_path):
    rows = GOOD + [["123", "Плохой", "СНИЛС", "", "01.01.1980", "", "", ""],
                   [snils(3), "Плохая", "Дата", "", "32.13.1980", "", "", ""]]
    selection, job = import_file(session, tmp_path, csv_bytes(rows))
    assert job.status == "invalid" and selection.status == "invalid"
    assert (selection.rows_total, selection.rows_good, selection.rows_bad) == (4, 2, 2)
    assert _rows(session, selection.id) == 0
    issues = session.scalars(select(SelectionIssue).order_by(SelectionIssue.line_no)).all()
    assert [i.line_no for i in issues] == [4, 5]
    assert "СНИЛС «123»" in issues[0].reason and "32.13.1980" in issues[1].reason
    page = specialist_client.get(f"/selections/{selection.id}").get_data(as_text=True)
    assert "Строки с ошибками: 2 из 4" in page and "Загрузить только строки без ошибок" in page
    # Explicitly accepting the good rows loads them.
    sid = selection.id
    session.close()
    response = specialist_client.post(f"/selections/{sid}/accept-partial",
                                      data={"accept": "1"})
    assert response.status_code == 303
    job = wait_for_jobs(session)
    assert job.status == "done"
    assert session.get(Selection, sid).rows_good == 2
    assert _rows(session, sid) == 2


def test_missing_mapped_column_is_refused(specialist_client, session):
    response = _upload(specialist_client, csv_bytes(GOOD))
    sid = int(response.headers["Location"].split("/")[-2])
    response = specialist_client.post(f"/selections/{sid}/import",
                                      data=_mapping_form(snils="", surname="", name=""))
    assert response.status_code == 422
    assert "Укажите столбец СНИЛС или фамилию" in response.get_data(as_text=True)
    assert fresh(session).get(Selection, sid).status == "draft"


def test_duplicate_file_is_flagged(specialist_client, session, tmp_path):
    data = csv_bytes(GOOD)
    first, _job = import_file(session, tmp_path, data)
    first_id = first.id
    session.close()
    response = _upload(specialist_client, data)
    sid = int(response.headers["Location"].split("/")[-2])
    page = specialist_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Этот файл уже загружался" in page
    assert fresh(session).get(Selection, sid).duplicate_of_id == first_id
    session.rollback()
    response = specialist_client.post(f"/selections/{sid}/import", data=_mapping_form())
    assert response.status_code == 422
    assert "загрузить повторно" in response.get_data(as_text=True)
    response = specialist_client.post(f"/selections/{sid}/import",
                                      data=_mapping_form(confirm_duplicate="y"))
    assert response.status_code == 303
    assert wait_for_jobs(session).status == "done"


def test_profile_is_saved_and_applied_next_time(specialist_client, session):
    header = ["SNILS", "FAM", "IM", "OT", "DR", "SOB"]
    data = csv_bytes([[snils(1), "Иванова", "Анна", "", "01.05.1980", "умер"]], header=header)
    response = _upload(specialist_client, data)
    sid = int(response.headers["Location"].split("/")[-2])
    form = {"snils": "SNILS", "surname": "FAM", "name": "IM", "patronymic": "OT",
            "birth_date": "DR", "event_type": "SOB", "encoding": "auto", "delimiter": "auto",
            "profile_name": "ЦЗН — трудоустроенные"}
    assert specialist_client.post(f"/selections/{sid}/import", data=form).status_code == 303
    wait_for_jobs(session)
    profile = session.scalar(select(MappingProfile))
    assert profile.name == "ЦЗН — трудоустроенные"
    assert profile.mapping["surname"] == "FAM"
    session.rollback()
    other = csv_bytes([[snils(2), "Петров", "Иван", "", "01.05.1970", "трудоустроен"]],
                      header=header)
    response = _upload(specialist_client, other)
    page = specialist_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Применён профиль «ЦЗН — трудоустроенные»" in page
    assert '<option selected value="FAM">' in page or 'value="FAM" selected' in page


def test_xlsx_and_dbf_import(session, tmp_path):
    rows = [[snils(1), "Иванова", "Анна", "Петровна", date(1980, 5, 1), "умер", None, "x"]]
    selection, job = import_file(session, tmp_path, xlsx_bytes(rows), name="a.xlsx")
    assert job.status == "done" and selection.rows_good == 1
    fields = [("SNILS", "C", 14), ("FAM", "C", 30), ("IM", "C", 20), ("DR", "D", 8)]
    data = dbf_bytes(fields, [(snils(2), "Ёлкина", "Анна", date(1980, 5, 1))])
    selection, job = import_file(session, tmp_path, data, name="a.dbf")
    assert job.status == "done" and selection.rows_good == 1
    row = session.scalar(select(SelectionRow).where(SelectionRow.selection_id == selection.id))
    assert row.surname == "Ёлкина" and row.name_key == "елкинаанна"


def test_failure_midway_leaves_nothing(session, tmp_path, monkeypatch):
    calls = {"n": 0}
    real_write = jobs._write

    def failing_write(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_write(*args)

    monkeypatch.setattr(jobs, "CHUNK", 10)
    monkeypatch.setattr(jobs, "_write", failing_write)
    rows = [[snils(i), "Иванова", "Анна", "", "01.05.1980", "", "", ""] for i in range(1, 31)]
    with pytest.raises(RuntimeError):
        import_file(session, tmp_path, csv_bytes(rows))
    session.rollback()
    selection = session.scalar(select(Selection))
    assert selection.status == "failed" and "не сохранены" in selection.error
    assert _rows(session, selection.id) == 0
    assert calls["n"] == 2


def test_too_large_upload_has_a_clear_message(session, users, database_url):
    from ..conftest import login

    small = make_test_app(database_url, MAX_CONTENT_LENGTH=100 * 1024)
    try:
        client = small.test_client()
        login(client, users["specialist"])
        response = _upload(client, b"x" * (200 * 1024))
        assert response.status_code == 413
        text = response.get_data(as_text=True)
        assert "Файл больше допустимых 100 КБ" in text and "<form" in text
    finally:
        from onewindow.extensions import db

        with small.app_context():
            db.session.remove()
            db.engine.dispose()


def test_hundred_thousand_rows_smoke(session, tmp_path):
    """A smoke check of the bulk path (COPY / executemany); speed is not asserted."""
    make_recipient(session, surname="Иванова", name="Анна", snils=snils(77))
    session.commit()
    lines = ["СНИЛС;Фамилия;Имя;Отчество;Дата рождения;Событие"]
    lines += [f";Фамилия{i};Имя;Отчество;{1 + i % 28:02d}.0{1 + i % 9}.19{50 + i % 40};умер"
              for i in range(100_000)]
    lines.append(f"{snils(77)};Иванова;Анна;Петровна;01.05.1980;умер")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    selection, job = import_file(session, tmp_path, data)
    assert job.status == "done"
    assert selection.rows_good == 100_001
    assert _rows(session, selection.id) == 100_001
    from onewindow.selections.queries import stats

    assert stats(session, [selection.id]).by_rule["snils"] == 1


def test_cancel_draft_removes_the_file(specialist_client, session):
    response = _upload(specialist_client, csv_bytes(GOOD))
    sid = int(response.headers["Location"].split("/")[-2])
    stored = fresh(session).get(Selection, sid).stored_path
    session.rollback()
    assert specialist_client.post(f"/selections/{sid}/cancel",
                                  data={"reason": ""}).status_code == 422
    assert specialist_client.post(f"/selections/{sid}/cancel",
                                  data={"reason": "не тот файл"}).status_code == 303
    selection = fresh(session).get(Selection, sid)
    assert selection.status == "cancelled" and selection.stored_path is None
    import os

    assert not os.path.exists(stored)

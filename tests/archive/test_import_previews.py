"""Import previews: kept under a generated name, gone on confirm, cancel or after a day."""

from __future__ import annotations

import os
import time

from sqlalchemy import func, select

from onewindow.archive.models import CaseFile, ImportBatch

from ..conftest import login
from . import registers
from .test_import import _people, _rows, _xlsx


def _upload(client, session):
    a, b, c = _people(session)
    session.commit()
    token, _html = registers.upload_and_check(client, _xlsx(_rows(a, b, c, "")), "r.xlsx")
    return token


def _previews(upload_dir):
    folder = upload_dir / "archive-imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_preview_file_goes_on_confirm(client, users, session, upload_dir):
    login(client, users["archivist"])
    token = _upload(client, session)
    assert _previews(upload_dir) == [f"{token}.json", f"{token}.progress.json",
                                     f"{token}.xlsx"]
    assert registers.confirm(client, token, good_only=True).status_code == 303
    assert _previews(upload_dir) == []
    response = client.post("/archive/import/confirm", data={"token": token})
    assert response.status_code == 422 and "загрузите файл ещё раз" in response.get_data(
        as_text=True)
    session.rollback()
    assert session.scalar(select(func.count(ImportBatch.id))) == 1


def test_preview_file_goes_on_cancel(client, users, session, upload_dir):
    login(client, users["archivist"])
    token = _upload(client, session)
    page = client.get("/archive/import").get_data(as_text=True)
    assert "Предпросмотр" not in page  # a preview lives only in its response
    response = client.post("/archive/import/cancel", data={"token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/archive/import")
    assert _previews(upload_dir) == []
    assert client.post("/archive/import/confirm", data={"token": token}).status_code == 422
    session.rollback()
    assert session.scalar(select(func.count(ImportBatch.id))) == 0
    assert session.scalar(select(func.count(CaseFile.id))) == 0


def test_someone_elses_preview_is_not_cancelled(client, users, session, upload_dir):
    login(client, users["archivist"])
    token = _upload(client, session)
    client.post("/logout")
    login(client, users["chief"])
    assert client.post("/archive/import/cancel", data={"token": token}).status_code == 303
    assert _previews(upload_dir) == [f"{token}.json", f"{token}.progress.json",
                                     f"{token}.xlsx"]


def test_previews_older_than_a_day_are_swept_on_upload(client, users, session, upload_dir):
    folder = upload_dir / "archive-imports"
    folder.mkdir(parents=True)
    now = time.time()
    for name, age_hours in (("a" * 32, 25), ("b" * 32, 23)):
        path = folder / f"{name}.json"
        path.write_text("{}", encoding="utf-8")
        os.utime(path, (now - age_hours * 3600, now - age_hours * 3600))
    login(client, users["archivist"])
    token = _upload(client, session)
    assert _previews(upload_dir) == sorted([f"{'b' * 32}.json", f"{token}.json",
                                            f"{token}.progress.json", f"{token}.xlsx"])

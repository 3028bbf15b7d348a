"""The register written in chunks by the background job: same outcome, audit, undo, failure."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from onewindow.applicants.models import Applicant
from onewindow.archive import import_jobs, importing
from onewindow.archive.models import CaseFile, CaseFileEvent, CaseFileMove, ImportBatch
from onewindow.archive.services import take_case_numbers
from onewindow.catalog.models import Service
from onewindow.core.snils import make_snils
from onewindow.events import Actor
from onewindow.security.models import AuditEntry

from ..conftest import login
from ..factories import make_applicant
from ..pdfcheck import pdf_text
from . import registers
from .helpers import make_case_file
from .test_register_import import HEADER, NOW, _people, _register_rows


def _rows(tmp_path):
    data = registers.xlsx(HEADER, _register_rows(), title="Реестр личных дел ОСЗН")
    return registers.read(data, "reestr.xlsx", tmp_path)[2]


def _outcome(session, batch_id: int) -> dict[int, tuple]:
    """Per register line: number, person, service, box, events and moves of its folder."""
    files = session.scalars(select(CaseFile).where(CaseFile.import_batch_id == batch_id))
    return {c.import_row: (
        c.number, c.applicant.full_name, c.applicant.snils, c.service.code, c.year,
        c.end_year, c.sheets, c.note, c.box.location if c.box else None,
        [(e.kind, e.comment) for e in session.scalars(select(CaseFileEvent).where(
            CaseFileEvent.case_file_id == c.id))],
        [(m.from_box_id, m.to_box_id is not None, m.warning) for m in session.scalars(
            select(CaseFileMove).where(CaseFileMove.case_file_id == c.id))])
        for c in files}


def _run(session, rows, users, tmp_path, *, chunk: int, actor=None):
    progress = import_jobs.ProgressFile(tmp_path / "p.json", user_id=users["archivist"].id)
    batch_id = import_jobs.run_import(
        session, rows=rows, filename="reestr.xlsx", user_id=users["archivist"].id, now=NOW,
        good_only=True, progress=progress, actor=actor, chunk=chunk)
    return batch_id, json.loads(progress.path.read_text(encoding="utf-8"))


def test_chunks_of_two_give_what_one_transaction_gives(session, users, tmp_path):
    _people(session)
    session.commit()
    rows = _rows(tmp_path)
    whole, _ = importing.import_register(session, rows, filename="reestr.xlsx",
                                         user_id=users["archivist"].id, now=NOW,
                                         good_only=True)
    expected = _outcome(session, whole.id)
    session.rollback()
    assert session.scalar(select(func.count(CaseFile.id))) == 0
    batch_id, progress = _run(session, rows, users, tmp_path, chunk=2)
    session.expire_all()
    assert _outcome(session, batch_id) == expected
    assert sorted(expected) == [3, 4, 5, 6, 7]
    # The new person of lines 6 and 7 (two chunks) is one applicant.
    assert session.scalar(select(func.count(Applicant.id)).where(
        Applicant.surname == "Новикова")) == 1
    batch = session.get(ImportBatch, batch_id)
    assert (batch.rows_total, batch.rows_imported, batch.rows_skipped) == (14, 5, 9)
    assert "строка 8: Иванов Иван Иванович" in batch.report
    assert progress == {"status": "done", "done": 5, "total": 5, "batch_id": batch_id,
                        "imported": 5, "skipped": 9, "user_id": users["archivist"].id,
                        "at": progress["at"]}


def test_each_created_file_and_person_is_audited(session, users, tmp_path):
    _people(session)
    session.commit()
    archivist = users["archivist"]
    actor = Actor(id=archivist.id, username=archivist.username, role=archivist.role,
                  remote_addr="10.0.0.7")
    batch_id, _ = _run(session, _rows(tmp_path), users, tmp_path, chunk=2, actor=actor)
    files = session.scalars(select(CaseFile.id).where(
        CaseFile.import_batch_id == batch_id)).all()
    created = session.execute(select(AuditEntry.object_type, AuditEntry.object_id).where(
        AuditEntry.action == "create", AuditEntry.user_id == archivist.id,
        AuditEntry.remote_addr == "10.0.0.7")).all()
    assert sorted(int(i) for t, i in created if t == "case_file") == sorted(files)
    novikova = session.scalar(select(Applicant.id).where(Applicant.surname == "Новикова"))
    assert [i for t, i in created if t == "applicant"] == [str(novikova)]


def test_undo_and_chunked_reimport_keep_the_numbers(session, users, tmp_path):
    _people(session)
    session.commit()
    rows = _rows(tmp_path)
    first, _ = _run(session, rows, users, tmp_path, chunk=2)
    numbers = {line: o[0] for line, o in _outcome(session, first).items()}
    importing.undo_import(session, session.get(ImportBatch, first), reason="не та полка",
                          user_id=users["archivist"].id, now=NOW)
    session.commit()
    second, _ = _run(session, rows, users, tmp_path, chunk=3)
    assert {line: o[0] for line, o in _outcome(session, second).items()} == numbers
    assert numbers[6].startswith("ESP/20/") and numbers[7].startswith("ASP/20/")


def test_a_failing_chunk_undoes_the_committed_ones(session, users, tmp_path, monkeypatch):
    _people(session)
    session.commit()
    real_write, calls = importing.BatchWriter.write, []

    def write(self, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real_write(self, rows)

    monkeypatch.setattr(importing.BatchWriter, "write", write)
    with pytest.raises(RuntimeError):
        _run(session, _rows(tmp_path), users, tmp_path, chunk=2)
    progress = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert progress["status"] == "failed" and "RuntimeError" in progress["message"]
    batch = session.scalar(select(ImportBatch))
    assert batch.undone_at is not None and batch.undo_reason.startswith("Импорт прерван")
    # The first chunk's two folders were committed, then cancelled: none is live.
    assert session.scalars(select(CaseFile.status)).all() == ["cancelled", "cancelled"]


def test_progress_page_counts_rows_for_its_user_only(client, session, users, upload_dir):
    login(client, users["archivist"])
    token = "c" * 32
    folder = upload_dir / "archive-imports"
    folder.mkdir(parents=True, exist_ok=True)
    progress = import_jobs.ProgressFile(folder / f"{token}.progress.json",
                                        user_id=users["archivist"].id)
    progress("import", 3000, 20000)
    response = client.get(f"/archive/import/{token}/progress", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Импорт строк" in html and 'id="import-done">3000<' in html
    assert 'id="import-total">20000<' in html and 'value="15"' in html
    assert 'hx-trigger="every 1s"' in html
    progress.write(status="failed", message="Ошибка импорта: RuntimeError.")
    html = client.get(f"/archive/import/{token}/progress").get_data(as_text=True)
    assert "Ошибка импорта: RuntimeError." in html and "every 1s" not in html
    client.post("/logout")
    login(client, users["chief"])
    response = client.get(f"/archive/import/{token}/progress")
    assert response.status_code == 422


def test_labels_for_a_range_of_register_rows(client, session, users, tmp_path):
    _people(session)
    session.commit()
    batch_id, _ = _run(session, _rows(tmp_path), users, tmp_path, chunk=2)
    numbers = {line: o[0] for line, o in _outcome(session, batch_id).items()}
    login(client, users["archivist"])
    page = client.get(f"/archive/import/{batch_id}").get_data(as_text=True)
    assert f'action="/archive/import/{batch_id}/labels.pdf"' in page
    response = client.get(f"/archive/import/{batch_id}/labels.pdf?row_from=4&row_to=6"
                          "&format=thermal")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    # Register order; lines 3 and 7 are outside the range.
    assert [n for n in numbers.values() if n in text] == [numbers[4], numbers[5], numbers[6]]
    assert text.index(numbers[4]) < text.index(numbers[5]) < text.index(numbers[6])
    response = client.get(f"/archive/import/{batch_id}/labels.pdf?row_from=8&row_to=16")
    assert response.status_code == 422
    assert "нет импортированных дел" in response.get_data(as_text=True)
    response = client.get(f"/archive/import/{batch_id}/labels.pdf?row_from=6&row_to=4")
    assert response.status_code == 422


def test_archivist_picks_among_namesakes_in_the_preview(client, session, users):
    born = date(1950, 3, 4)
    first = make_applicant(session, surname="Орлова", name="Анна", patronymic="Ивановна",
                           birth_date=born, snils=make_snils(456_789_012))
    second = make_applicant(session, surname="Орлова", name="Анна", patronymic="Ивановна",
                            birth_date=born, snils=make_snils(567_890_123))
    stranger = make_applicant(session, surname="Чужая", name="Вера", patronymic="Ивановна",
                              birth_date=born)
    session.commit()
    login(client, users["archivist"])
    data = registers.xlsx(["ФИО", "Дата рождения", "Услуга", "Годы"],
                          [["Орлова Анна Ивановна", born, "ESP", 2015]])
    token, page = registers.upload_and_check(client, data, "r.xlsx")
    assert 'id="import-good">0<' in page and 'name="person-2"' in page
    assert f'<option value="{first.id}">Орлова Анна Ивановна, 04.03.1950, СНИЛС' in page
    assert f'<option value="{second.id}">' in page
    # Someone not offered for the row is not taken.
    response = registers.after_job(client, token, client.post(
        f"/archive/import/{token}/people", data={"person-2": str(stranger.id)}))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="import-good">0<' in page
    response = registers.after_job(client, token, client.post(
        f"/archive/import/{token}/people", data={"person-2": str(second.id)}))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="import-good">1<' in page and "заявитель выбран архивистом" in page
    assert registers.confirm(client, token).status_code == 303
    session.expire_all()
    assert session.scalars(select(CaseFile.applicant_id)).all() == [second.id]


def test_numbers_taken_at_once_skip_legacy_ones(session):
    service = session.scalar(select(Service).where(Service.code == "ESP"))
    make_case_file(session, number="ESP/20/00002")  # an office's folder, imported before
    taken = take_case_numbers(session, service=service, year=2020, count=3)
    assert taken == ["ESP/20/00001", "ESP/20/00003", "ESP/20/00004"]
    # The counter goes on after the block: a desk's next folder gets the next number.
    assert take_case_numbers(session, service=service, year=2020, count=1) == ["ESP/20/00005"]

"""Importing an existing register: preview, unmatched report, batch labels, one-step undo."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from onewindow.archive import importing, services
from onewindow.archive.models import ArchiveBox, CaseFile, ImportBatch
from onewindow.errors import Conflict, InvalidInput

from ..conftest import login
from ..factories import make_applicant
from ..pdfcheck import decode_barcodes, require_tool
from . import registers
from .helpers import make_box

HEADER = ["№ дела", "ФИО", "Дата рождения", "СНИЛС", "Услуга", "Годы", "Короб", "Полка",
          "Листов"]
NOW = datetime(2026, 11, 28, 12)


def _people(session):
    a = make_applicant(session, surname="Петров", name="Пётр", patronymic="Петрович",
                       sex="M", birth_date=date(1950, 3, 4))
    b = make_applicant(session, surname="Сидорова", name="Мария", patronymic="Ивановна",
                       birth_date=date(1945, 7, 8))
    c = make_applicant(session, surname="Кузнецов", name="Иван", patronymic=None, sex="M",
                       birth_date=date(1960, 1, 2))
    return a, b, c


def _rows(a, b, c, box_code):
    return [
        ["", "Петров Пётр Петрович", "04.03.1950", "", "EDV", "2015–2020", box_code, "", "34"],
        ["LEG/1999/7", "Сидорова Мария Ивановна", "", b.snils, "esp", "2018", "3", "2/4", "5"],
        # Not in the base, but born in the future: not created.
        ["", "Неизвестный Некто", "01.01.2070", "", "ESP", "2019", "", "", ""],
        ["", "Кузнецов Иван", "02.01.1960", "", "НЕТ ТАКОЙ", "2019", "", "", ""],
        ["", "Кузнецов Иван", "02.01.1960", "", "GAZ", "20-19", "", "", ""],
    ]


def _csv(rows) -> bytes:
    lines = [";".join(HEADER)] + [";".join(r) for r in rows]
    return "\n".join(lines).encode("cp1251")


def _xlsx(rows) -> bytes:
    return registers.xlsx(HEADER, rows)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_preview_import_and_undo(session, users, kind):
    a, b, c = _people(session)
    box = make_box(session, capacity=10)
    rows = _rows(a, b, c, box.barcode)
    data = _csv(rows) if kind == "csv" else _xlsx(rows)
    raw = importing.read_register(data, f"reestr.{kind}")
    assert len(raw) == 5 and raw[0]["full_name"] == "Петров Пётр Петрович"
    preview = importing.check_register(session, raw, today=date(2026, 11, 28)).rows
    assert [r.ok for r in preview] == [True, True, False, False, False]
    assert "в будущем" in preview[2].errors[0]
    assert "услуга" in preview[3].errors[0]
    assert "годы" in preview[4].errors[0]
    assert session.scalar(select(func.count(CaseFile.id))) == 0  # preview writes nothing

    batch, _ = importing.import_register(session, raw, filename="reestr", user_id=users[
        "archivist"].id, now=NOW, good_only=True)
    assert (batch.rows_total, batch.rows_imported, batch.rows_skipped) == (5, 2, 3)
    assert "Неизвестный Некто" in batch.report
    files = session.scalars(select(CaseFile).where(CaseFile.import_batch_id == batch.id)
                            .order_by(CaseFile.import_row)).all()
    assert [f.applicant_id for f in files] == [a.id, b.id]
    assert files[0].number == "EDV/15/00001" and files[0].end_year == 2020
    assert files[0].box_id == box.id and files[0].sheets == 34
    assert files[1].number == "LEG/1999/7"
    assert files[1].box.location == "Архив, стеллаж 2, полка 4, короб 3"
    assert files[1].box.import_batch_id == batch.id
    assert files[0].end_dates == "2015–2020"

    # Importing the same register again finds the existing files.
    again = importing.check_register(session, raw, today=date(2026, 11, 28)).rows
    assert not again[0].ok and "уже есть дело" in again[0].errors[0]

    with pytest.raises(InvalidInput, match="причину"):
        importing.undo_import(session, batch, reason="  ", user_id=users["archivist"].id,
                              now=NOW)
    cancelled = importing.undo_import(session, batch, reason="не тот реестр",
                                      user_id=users["archivist"].id, now=NOW)
    assert cancelled == 2
    # Nothing is deleted: the rows stay, cancelled, with who, when and why.
    assert session.scalar(select(func.count(CaseFile.id))) == 2
    for case_file in files:
        assert case_file.status == "cancelled" and case_file.box_id is None
        assert (case_file.cancelled_at, case_file.cancelled_by_id, case_file.cancel_reason) \
            == (NOW, users["archivist"].id, "не тот реестр")
        assert case_file.events[-1].kind == "cancelled"
    assert "лежало: Архив, стеллаж 2, полка 4, короб 3" in files[1].events[-1].comment
    # The box the batch created keeps the cancelled folder's move history, empty.
    assert session.scalar(select(func.count(ArchiveBox.id))) == 2
    assert not files[1].moves[0].to_box.case_files
    assert (batch.undone_at, batch.undo_reason) == (NOW, "не тот реестр")
    with pytest.raises(Conflict):
        importing.undo_import(session, batch, reason="ещё раз",
                              user_id=users["archivist"].id, now=NOW)


def test_undo_refused_after_checkout(session, users):
    a, b, c = _people(session)
    raw = importing.read_register(_csv(_rows(a, b, c, "")), "r.csv")
    batch, _ = importing.import_register(session, raw, filename="r.csv",
                                         user_id=users["archivist"].id, now=NOW,
                                         good_only=True)
    case_file = session.scalar(select(CaseFile).where(CaseFile.import_batch_id == batch.id))
    services.issue_case_file(session, case_file=case_file, to_user_id=users["specialist"].id,
                             due_on=date(2026, 12, 10), user_id=None, now=NOW)
    with pytest.raises(Conflict, match="выдавались"):
        importing.undo_import(session, batch, reason="ошибка",
                              user_id=users["archivist"].id, now=NOW)


def test_bad_files(session):
    with pytest.raises(InvalidInput):
        importing.read_register(b"whatever", "r.pdf")
    with pytest.raises(InvalidInput, match="ФИО"):
        importing.read_register(b"a;b\n1;2\n", "r.csv")
    with pytest.raises(InvalidInput):
        importing.read_register(b"not a zip", "r.xlsx")


def test_import_through_the_web_with_batch_labels(client, users, session):
    a, b, c = _people(session)
    box = make_box(session)
    data = _xlsx(_rows(a, b, c, box.barcode))
    session.commit()
    login(client, users["archivist"])
    token, html = registers.upload_and_check(client, data, "reestr.xlsx")
    assert "Предпросмотр" in html
    assert 'id="import-good">2<' in html and 'id="import-bad">3<' in html
    assert session.scalar(select(func.count(CaseFile.id))) == 0
    # With problem rows, only an explicit "good rows only" imports.
    r = registers.confirm(client, token)
    assert r.status_code == 422 and "строк с ошибками: 3" in r.get_data(as_text=True)
    r = registers.confirm(client, token, good_only=True)
    assert r.status_code == 303 and "/archive/import/" in r.headers["Location"]
    session.rollback()
    batch = session.scalar(select(ImportBatch))
    assert batch.rows_imported == 2
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Неизвестный Некто" in page and "EDV/15/00001" in page
    pdf = client.get(f"/archive/labels.pdf?selection=batch&batch_id={batch.id}")
    require_tool("zbarimg")
    assert sorted(decode_barcodes(pdf.data, dpi=300)) == ["EDV/15/00001", "LEG/1999/7"]
    thermal = client.get(f"/archive/labels.pdf?selection=batch&batch_id={batch.id}"
                         "&format=thermal")
    # One label per page: register order is page order.
    assert decode_barcodes(thermal.data, dpi=203, mono=True) == ["EDV/15/00001",
                                                                 "LEG/1999/7"]
    r = client.post(f"/archive/import/{batch.id}/undo", data={"reason": ""})
    assert r.status_code == 422 and "Укажите причину отмены импорта" in r.get_data(as_text=True)
    r = client.post(f"/archive/import/{batch.id}/undo", data={"reason": "не тот реестр"})
    assert r.status_code == 303
    session.rollback()
    assert session.scalar(select(func.count(CaseFile.id))
                          .where(CaseFile.status != "cancelled")) == 0
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "не тот реестр" in page and "аннулировано" in page
    r = client.post("/archive/import", data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Выберите файл" in r.get_data(as_text=True)

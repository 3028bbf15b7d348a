"""The register as offices keep it: messy headers, people created, every problem by row."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from onewindow.applicants.models import Applicant
from onewindow.archive import importing
from onewindow.archive.models import ArchiveBox, CaseFile
from onewindow.core.snils import format_snils, make_snils
from onewindow.errors import InvalidInput

from ..conftest import login
from ..factories import make_applicant
from . import registers

NOW = datetime(2026, 11, 28, 12)
TODAY = NOW.date()
S1 = make_snils(112_233_445)
S2 = make_snils(234_567_890)
S_NEW = make_snils(345_678_901)
S_BAD = S1[:9] + f"{(int(S1[9:]) + 1) % 100:02d}"
SPACED_NEW = f"{S_NEW[:3]} {S_NEW[3:6]} {S_NEW[6:9]} {S_NEW[9:]}"

HEADER = ["№ дела", "Фамилия", "Имя", "Отчество", "Д.р.", "СНИЛС", "Вид выплаты",
          "Год открытия", "Короб", "Стеллаж/полка", "Листов", "Примечание"]


def _people(session):
    petrov = make_applicant(session, surname="Петров", name="Пётр", patronymic="Петрович",
                            sex="M", birth_date=date(1950, 3, 4), snils=S1)
    sidorova = make_applicant(session, surname="Сидорова", name="Мария",
                              patronymic="Ивановна", birth_date=date(1945, 7, 8), snils=S2)
    vodkina = make_applicant(session, surname="Петрова-Водкина", name="Анна",
                             patronymic="Ивановна", birth_date=date(1960, 1, 2), snils=None)
    return petrov, sidorova, vodkina


def _register_rows():
    """Line numbers as in the file: title on line 1, header on line 2, rows from line 3."""
    return [
        # 3: existing person (ё written as е), Cyrillic number, box and shelf notations.
        ["ЕДВ-2015-00123", "Петров", "Петр", "Петрович", date(1950, 3, 4), format_snils(S1),
         "Адресное социальное пособие", 2015, "К-001", "Ст.3/П.2", 34, "ветхое"],
        # 4: СНИЛС as bare digits, a date as text, years as a range.
        ["12/2019", "Сидорова", "Мария", "Ивановна", "08.07.1945", S2, "esp",
         "2019–2021", "Короб 12", "3-2", 5, None],
        # 5: double surname written with a space and in capitals, no СНИЛС.
        ["Л-345", "ПЕТРОВА ВОДКИНА", "Анна", "Ивановна", date(1960, 1, 2), None, "ESP", 2018,
         "№5", "стеллаж 3 полка 2", None, None],
        # 6: a person not in the base: created; the box К-001 from line 3.
        [None, "Новикова", "Ольга", "Павловна", date(1970, 5, 6), SPACED_NEW, "ESP", 2020,
         "К-001", None, None, None],
        # 7: the same new person, another service: one applicant for both.
        [None, "Новикова", "Ольга", "Павловна", date(1970, 5, 6), S_NEW,
         "Адресное социальное пособие", 2020, None, None, None, None],
        # 8: Petrov's СНИЛС under another name.
        [None, "Иванов", "Иван", "Иванович", date(1980, 1, 1), S1, "ESP", 2019, None, None,
         None, None],
        # 9: wrong checksum.
        [None, "Орлов", "Олег", "Олегович", date(1981, 1, 1), S_BAD, "ESP", 2019, None, None,
         None, None],
        # 10: empty surname.
        [None, None, "Нина", "Ивановна", date(1982, 1, 1), None, "ESP", 2019, None, None,
         None, None],
        # 11: birth date in the future.
        [None, "Юдин", "Юрий", "Юрьевич", date(2030, 1, 1), None, "ESP", 2019, None, None,
         None, None],
        # 12: an exact repeat of line 4.
        ["12/2019", "Сидорова", "Мария", "Ивановна", "08.07.1945", S2, "esp",
         "2019–2021", "Короб 12", "3-2", 5, None],
        # 13: unknown service.
        [None, "Зайцев", "Захар", "Захарович", date(1983, 1, 1), None, "НЕТ ТАКОЙ", 2019,
         None, None, None, None],
        # 14: unreadable year.
        [None, "Зайцева", "Зоя", "Захаровна", date(1984, 1, 1), None, "ESP", "20-19", None,
         None, None, None],
        # 15: line 6's СНИЛС for another new person.
        [None, "Смирнов", "Олег", "Ильич", date(1985, 1, 1), S_NEW, "ESP", 2019, None, None,
         None, None],
        # 16: a typo in the service's name.
        [None, "Кузнецова", "Вера", "Павловна", date(1986, 1, 1), None,
         "Единовремeное социальное посбие", 2019, None, None, None, None],
    ]


def _check(session, tmp_path, data=None, filename="reestr.xlsx"):
    data = data or registers.xlsx(HEADER, _register_rows(), title="Реестр личных дел ОСЗН")
    head, mapping, rows = registers.read(data, filename, tmp_path)
    return head, mapping, rows, importing.check_register(session, rows, today=TODAY)


def test_separate_name_columns_and_real_header_spellings_are_mapped(tmp_path):
    data = registers.xlsx(HEADER, _register_rows(), title="Реестр личных дел ОСЗН")
    head, mapping, rows = registers.read(data, "r.xlsx", tmp_path)
    assert head.line == 2  # the title above the table is skipped
    assert mapping == {
        "number": "№ дела", "surname": "Фамилия", "name": "Имя", "patronymic": "Отчество",
        "birth_date": "Д.р.", "snils": "СНИЛС", "service": "Вид выплаты",
        "years": "Год открытия", "box": "Короб", "shelf": "Стеллаж/полка", "sheets": "Листов",
        "note": "Примечание"}
    assert [r["line"] for r in rows] == list(range(3, 17))
    # An Excel date cell reads as дд.мм.гггг.
    assert rows[0]["birth_date"] == "04.03.1950" and rows[0]["years"] == "2015"


@pytest.mark.parametrize("header, expected", [
    (["Ф.И.О.", "Дата рождения", "МСП", "Годы"], {"full_name": "Ф.И.О.",
                                                  "birth_date": "Дата рождения",
                                                  "service": "МСП", "years": "Годы"}),
    (["ФИО получателя", "Фам.", "Д. р.", "Услуга", "Кол-во листов"],
     {"surname": "Фам.", "birth_date": "Д. р.", "service": "Услуга", "sheets": "Кол-во листов"}),
])
def test_header_synonyms(header, expected):
    assert importing.guess_mapping(header) == expected


def test_mapping_without_a_name_or_service_is_refused():
    with pytest.raises(InvalidInput, match="ФИО"):
        importing.clean_mapping({"service": "Услуга"}, ["Услуга"])
    with pytest.raises(InvalidInput, match="услуги"):
        importing.clean_mapping({"full_name": "ФИО"}, ["ФИО"])
    with pytest.raises(InvalidInput, match="двумя полями"):
        importing.clean_mapping({"full_name": "ФИО", "service": "ФИО"}, ["ФИО"])


def test_every_row_outcome_and_line_number(session, tmp_path):
    petrov, sidorova, vodkina = _people(session)
    _head, _mapping, _rows, preview = _check(session, tmp_path)
    by_line = {r.line: r for r in preview.rows}
    assert [line for line, r in by_line.items() if r.ok] == [3, 4, 5, 6, 7]
    assert by_line[3].applicant_id == petrov.id and by_line[3].number == "ЕДВ-2015-00123"
    assert by_line[4].applicant_id == sidorova.id and (by_line[4].year,
                                                       by_line[4].end_year) == (2019, 2021)
    assert by_line[5].applicant_id == vodkina.id
    assert by_line[6].new_person["snils"] == S_NEW and by_line[6].new_person["sex"] == "F"
    assert by_line[7].person_line == 6 and by_line[7].applicant_id is None
    assert by_line[3].new_box == {"room": "Архив", "rack": 3, "shelf": 2, "number": 1,
                                  "label": "К-001"}
    assert by_line[6].new_box == by_line[3].new_box  # К-001 without a shelf: as on line 3
    assert by_line[5].new_box["number"] == 5 and by_line[4].new_box["number"] == 12

    def problem(line):
        row = by_line[line]
        return row.kinds, "; ".join(row.errors)

    kinds, text = problem(8)
    assert kinds == ["identity"] and "Петров Пётр Петрович, 04.03.1950" in text
    assert problem(9) == (["snils"], f"СНИЛС «{S_BAD}»: неверная контрольная сумма")
    assert problem(10) == (["surname"], "не указана фамилия")
    assert problem(11) == (["birth_date"], "дата рождения 01.01.2030 — в будущем")
    assert problem(12) == (["duplicate"], "точный повтор строки 4")
    assert problem(13) == (["service"], "услуга «НЕТ ТАКОЙ» не найдена в перечне")
    kinds, text = problem(14)
    assert kinds == ["year"] and "«20-19»" in text
    kinds, text = problem(15)
    assert kinds == ["identity"] and "уже указан в строке 6" in text and "Новикова" in text
    kinds, text = problem(16)
    assert kinds == ["service"] and "Единовремeное социальное посбие" in text
    assert "Единовременное социальное пособие" in text  # the proposal
    assert {k: n for k, _name, n in preview.counts} == {
        "duplicate": 1, "surname": 1, "birth_date": 1, "snils": 1, "identity": 2,
        "service": 2, "year": 1}
    assert preview.new_people == 1
    assert session.scalar(select(func.count(CaseFile.id))) == 0  # the check writes nothing


def test_identity_conflict_is_never_attached(session, users, tmp_path):
    petrov, _s, _v = _people(session)
    _head, _mapping, rows, _preview = _check(session, tmp_path)
    with pytest.raises(InvalidInput, match="строк с ошибками: 9"):
        importing.import_register(session, rows, filename="r.xlsx",
                                  user_id=users["archivist"].id, now=NOW)
    batch, _ = importing.import_register(session, rows, filename="r.xlsx",
                                         user_id=users["archivist"].id, now=NOW,
                                         good_only=True)
    assert (batch.rows_total, batch.rows_imported, batch.rows_skipped) == (14, 5, 9)
    assert "строка 8: Иванов Иван Иванович — СНИЛС" in batch.report
    petrov_files = session.scalars(select(CaseFile).where(
        CaseFile.applicant_id == petrov.id)).all()
    assert [c.number for c in petrov_files] == ["ЕДВ-2015-00123"]
    assert session.scalar(select(func.count(Applicant.id)).where(
        Applicant.surname == "Иванов")) == 0


def test_import_creates_people_keeps_office_numbers_and_boxes(session, users, tmp_path):
    _people(session)
    _head, _mapping, rows, _preview = _check(session, tmp_path)
    batch, _ = importing.import_register(session, rows, filename="r.xlsx",
                                         user_id=users["archivist"].id, now=NOW,
                                         good_only=True)
    files = {c.import_row: c for c in session.scalars(select(CaseFile).where(
        CaseFile.import_batch_id == batch.id))}
    assert sorted(files) == [3, 4, 5, 6, 7]
    assert [files[n].number for n in (3, 4, 5)] == ["ЕДВ-2015-00123", "12/2019", "Л-345"]
    assert files[3].note == "ветхое" and files[3].sheets == 34
    assert files[3].box.location == "Архив, стеллаж 3, полка 2, короб К-001"
    assert files[6].box_id == files[3].box_id
    assert files[4].box.location == "Архив, стеллаж 3, полка 2, Короб 12"
    novikova = session.scalars(select(Applicant).where(Applicant.surname == "Новикова")).all()
    assert len(novikova) == 1 and novikova[0].snils == S_NEW and novikova[0].sex == "F"
    assert files[6].applicant_id == files[7].applicant_id == novikova[0].id
    # New folders without a number get the app's format.
    assert files[6].number.startswith("ESP/20/") and files[7].number.startswith("ASP/20/")
    assert session.scalar(select(func.count(ArchiveBox.id))) == 3


def test_confirmed_spelling_is_remembered(session, users, tmp_path):
    _people(session)
    *_, preview = _check(session, tmp_path)
    assert preview.spellings == [("НЕТ ТАКОЙ", None, 1),
                                 ("Единовремeное социальное посбие", "ESP", 1)]
    importing.remember_spellings(session, {"Единовремeное социальное посбие": "ESP"},
                                 user_id=users["archivist"].id, now=NOW)
    *_, again = _check(session, tmp_path)
    row = next(r for r in again.rows if r.line == 16)
    assert row.ok and row.service_code == "ESP"


@pytest.mark.parametrize("encoding, delimiter", [("cp1251", ";"), ("utf-8-sig", ","),
                                                 ("utf-8", ";")])
def test_csv_with_one_name_column_and_snils_spellings(session, tmp_path, encoding, delimiter):
    petrov, sidorova, vodkina = _people(session)
    header = ["Ф.И.О.", "Дата рождения", "СНИЛС", "Услуга", "Годы"]
    rows = [
        ["Петров Пётр Петрович", "04.03.1950", format_snils(S1), "ESP", "2015"],
        ["Сидорова Мария Ивановна", "8.7.1945", f"{S2[:3]} {S2[3:6]} {S2[6:9]} {S2[9:]}",
         "ESP", "2016"],
        ["Петрова-Водкина Анна Ивановна", "02.01.1960", "", "ESP", "2017 г."],
        ["Петрова Водкина Анна Ивановна", "02.01.1960", "", "ASP", "2017"],
        ["Ёлкин Семён Ильич", "03.03.1933", "", "ESP", ""],
        ["Сидорова Мария", "08.07.1945", S2, "ASP", "2018"],
    ]
    data = registers.text(header, rows, encoding=encoding, delimiter=delimiter)
    *_, preview = _check(session, tmp_path, data=data, filename="reestr.csv")
    assert [r.errors for r in preview.rows] == [[]] * 6
    assert [r.applicant_id for r in preview.rows] == [
        petrov.id, sidorova.id, vodkina.id, vodkina.id, None, sidorova.id]
    assert preview.rows[4].new_person["surname"] == "Ёлкин"
    assert preview.rows[4].new_person["sex"] == "M"


def test_undo_and_reimport_keep_the_numbers(session, users, tmp_path):
    _people(session)
    header = ["ФИО", "Дата рождения", "Услуга", "Годы"]
    rows = [["Новиков Павел Петрович", "01.02.1960", "ESP", "2015"],
            ["Сидорова Мария Ивановна", "08.07.1945", "ESP", "2016"],
            ["Петров Пётр Петрович", "04.03.1950", "ASP", "2017"]]
    data = registers.text(header, rows)
    *_, raw, _preview = _check(session, tmp_path, data=data, filename="r.csv")
    first, _ = importing.import_register(session, raw, filename="r.csv",
                                         user_id=users["archivist"].id, now=NOW)
    numbers = [c.number for c in sorted(first_files(session, first), key=lambda c: c.import_row)]
    importing.undo_import(session, first, reason="не та полка",
                          user_id=users["archivist"].id, now=NOW)
    *_, raw, _preview = _check(session, tmp_path, data=data, filename="r.csv")
    second, _ = importing.import_register(session, raw, filename="r.csv",
                                          user_id=users["archivist"].id, now=NOW)
    again = [c.number for c in sorted(first_files(session, second), key=lambda c: c.import_row)]
    assert again == numbers
    assert session.scalar(select(func.count(Applicant.id)).where(
        Applicant.surname == "Новиков")) == 1


def first_files(session, batch):
    return session.scalars(select(CaseFile).where(CaseFile.import_batch_id == batch.id)).all()


@pytest.mark.parametrize("raw, expected", [
    ("К-001", 1), ("Короб 12", 12), ("№5", 5), ("к.7", 7), ("12", 12), ("кор. 3", 3)])
def test_box_notations(raw, expected):
    assert importing.parse_box(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("Ст.3/П.2", (3, 2)), ("3-2", (3, 2)), ("3/2", (3, 2)), ("стеллаж 3 полка 2", (3, 2)),
    ("ст 10, п 4", (10, 4))])
def test_shelf_notations(raw, expected):
    assert importing.parse_shelf(raw) == expected


def test_problem_rows_export(session, tmp_path):
    _people(session)
    _head, mapping, _rows, preview = _check(session, tmp_path)
    columns = {f: c for f, c in mapping.items()}
    ws = load_workbook(BytesIO(importing.problems_xlsx(preview.rows, columns=columns))).active
    table = list(ws.iter_rows(values_only=True))
    assert table[0][0] == "Строка реестра" and table[0][-1] == "Причина"
    assert [r[0] for r in table[1:]] == list(range(8, 17))
    assert table[5][-1] == "точный повтор строки 4"


def test_wizard_through_the_pages(client, session, users):
    _people(session)
    session.commit()
    login(client, users["archivist"])
    data = registers.xlsx(HEADER, _register_rows(), title="Реестр личных дел ОСЗН")
    token, html = registers.upload(client, data, "reestr.xlsx")
    assert "Шаг 1. Столбцы" in html and "Заголовки — в строке 2" in html
    mapping = registers.proposed_mapping(html)
    assert mapping["surname"] == "Фамилия" and mapping["shelf"] == "Стеллаж/полка"
    # A broken mapping comes back with the reason, nothing checked.
    bad = registers.check_columns(client, token, {"surname": "Фамилия"})
    assert bad.status_code == 422 and "Укажите столбец услуги" in bad.get_data(as_text=True)
    # The archivist corrects nothing, saves the mapping as a profile.
    mapping.pop("note")
    response = registers.check_columns(client, token, mapping, profile_name="Реестр ОСЗН")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="import-good">5<' in page and 'id="import-bad">9<' in page
    assert 'id="import-new-people">1<' in page
    assert '<li data-kind="identity">СНИЛС другого человека: <strong>2</strong></li>' in page
    only = client.get(f"/archive/import/{token}?only=problems").get_data(as_text=True)
    assert 'data-line="8"' in only and 'data-line="3"' not in only
    assert 'data-line="3"' in page
    export = client.get(f"/archive/import/{token}/problems.xlsx")
    assert export.status_code == 200
    table = list(load_workbook(BytesIO(export.data)).active.iter_rows(values_only=True))
    assert [r[0] for r in table[1:]] == list(range(8, 17)) and "Примечание" not in table[0]
    # The typo's spelling is confirmed once: the row is good now.
    assert "«Единовремeное социальное посбие» (1 стр.)" in page
    response = registers.after_job(client, token, client.post(
        f"/archive/import/{token}/services", data={
            "spelling-1": "НЕТ ТАКОЙ", "service-1": "",
            "spelling-2": "Единовремeное социальное посбие", "service-2": "ESP"}))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="import-good">6<' in page
    response = registers.confirm(client, token, good_only=True)
    assert response.status_code == 303
    session.rollback()
    assert session.scalar(select(func.count(CaseFile.id))) == 6
    # The next file with these columns picks the profile up by itself.
    _token, html = registers.upload(client, data, "next.xlsx")
    assert "Применён профиль «Реестр ОСЗН»" in html
    assert "note" not in registers.proposed_mapping(html)

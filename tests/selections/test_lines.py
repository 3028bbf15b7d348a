"""Every line accounted for: files built with the mess real СФР/ЦЗН files have.

Each file is built here in its own encoding and layout; the tests assert every reported
line number and its cause, and that no line is loaded shifted.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from onewindow.core.snils import make_snils
from onewindow.core.tables import Progress, detect_text_encoding, read_table
from onewindow.selections.models import SelectionIssue, SelectionRow
from onewindow.selections.parsing import shape_problem

from .helpers import HEADER, csv_bytes, dbf_bytes, import_file, snils, xlsx_bytes

# Men and women of a district: enough Russian letters for any encoding to be told apart.
PEOPLE = [
    ("Иванова", "Анна", "Петровна", "01.05.1980"),
    ("Сидоров", "Пётр", "Николаевич", "02.01.1990"),
    ("Кузнецова", "Ольга", "Дмитриевна", "15.07.1955"),
    ("Смирнов", "Владимир", "Алексеевич", "30.11.1948"),
    ("Попова", "Татьяна", "Сергеевна", "09.03.1962"),
    ("Соколов", "Михаил", "Юрьевич", "21.08.1971"),
    ("Лебедева", "Екатерина", "Ивановна", "05.12.1984"),
    ("Новиков", "Андрей", "Викторович", "17.04.1959"),
]


def _line(n, person=None, *, event="умер", note=""):
    surname, name, patronymic, born = person or PEOPLE[n % len(PEOPLE)]
    return [snils(n), surname, name, patronymic, born, event, "02.11.2026", note]


def _issues(session, selection_id):
    return [(i.line_no, i.reason) for i in session.scalars(
        select(SelectionIssue).where(SelectionIssue.selection_id == selection_id)
        .order_by(SelectionIssue.line_no))]


def _loaded(session, selection_id):
    return {r.line_no: r for r in session.scalars(
        select(SelectionRow).where(SelectionRow.selection_id == selection_id))}


def _text(lines, *, encoding="cp1251", delimiter=";", ending="\r\n", bom=False) -> bytes:
    data = ending.join(delimiter.join(v) for v in lines).encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def test_cp1251_semicolon_file_with_every_kind_of_bad_line(session, tmp_path):
    short = _line(4)
    del short[3]  # a field fewer: the birth date would land in «Отчество»
    extra = _line(5)
    extra[3:3] = ["ДМИТРИЕВНА"]  # an extra separator: everything after moves right
    ten_digits = _line(7)
    ten_digits[0] = make_snils(123_456_789)[:10]
    cut = _line(9)[:3]  # the transfer broke off after the name
    lines = [HEADER, _line(1), _line(2), [], short, extra, _line(6), ten_digits, [""],
             _line(8), cut]
    # Physical lines: 1 header, 2-3 good, 4 empty, 5 short, 6 extra, 7 good,
    # 8 ten digits, 9 empty, 10 good, 11 cut (the file ends without a line end).
    data = _text(lines)
    selection, job = import_file(session, tmp_path, data, accept_partial=True)
    assert job.status == "done"
    assert _issues(session, selection.id) == [
        (5, "в строке 7 полей вместо 8: не хватает поля. "
            "Строка не загружена, чтобы данные не сдвинулись"),
        (6, "в строке 9 полей вместо 8: лишний разделитель? "
            "Строка не загружена, чтобы данные не сдвинулись"),
        (8, f"СНИЛС «{ten_digits[0]}» — 10 цифр вместо 11"),
        (11, "строка оборвана: файл заканчивается посреди неё (в строке 3 поля вместо 8) "
             "— файл обрезан?"),
    ]
    assert (selection.rows_total, selection.rows_good, selection.rows_bad) == (8, 4, 4)
    rows = _loaded(session, selection.id)
    assert sorted(rows) == [2, 3, 7, 10]
    # Nothing shifted: every loaded line has its own person in its own fields.
    for line_no, n in ((2, 1), (3, 2), (7, 6), (10, 8)):
        surname, name, patronymic, born = PEOPLE[n % len(PEOPLE)]
        row = rows[line_no]
        assert (row.snils, row.surname, row.name, row.patronymic) == (
            snils(n), surname, name, patronymic)
        assert row.birth_date.strftime("%d.%m.%Y") == born


def test_last_line_without_line_end_is_not_truncated_when_whole(session, tmp_path):
    data = _text([HEADER, _line(1), _line(2)])  # no final CRLF, but whole
    selection, job = import_file(session, tmp_path, data)
    assert job.status == "done" and selection.rows_good == 2
    assert _issues(session, selection.id) == []


def test_utf8_bom_quoted_commas_and_a_quoted_line_break(session, tmp_path):
    def q(values):
        return ['"' + v.replace('"', '""') + '"' for v in values]

    note = 'ул. Ленина, д. 5, "угловой"'
    multi = _line(3, note="первая строка\r\nвторая строка")
    lines = [q(HEADER), q(_line(1, note=note)), q(multi), q(_line(4)[:7]), q(_line(5))]
    data = _text(lines, encoding="utf-8", delimiter=",", bom=True) + b"\r\n"
    selection, job = import_file(session, tmp_path, data, accept_partial=True)
    # The quoted line break makes line 3 span two physical lines: the next starts at 5.
    assert _issues(session, selection.id) == [
        (5, "в строке 7 полей вместо 8: не хватает поля. "
            "Строка не загружена, чтобы данные не сдвинулись")]
    rows = _loaded(session, selection.id)
    assert sorted(rows) == [2, 3, 6]
    assert rows[2].extra == {"Примечание": note}
    assert rows[3].extra == {"Примечание": "первая строка\r\nвторая строка"}
    assert rows[6].surname == PEOPLE[5][0]


@pytest.mark.parametrize("encoding", ["cp866", "koi8-r", "cp1251"])
def test_single_byte_encodings_are_told_apart(session, tmp_path, encoding):
    lines = [HEADER] + [_line(n) for n in range(1, 9)]
    data = _text(lines, encoding=encoding) + b"\r\n"
    path = tmp_path / "probe.csv"
    path.write_bytes(data)
    detection = detect_text_encoding(path)
    assert (detection.codec, detection.guessed, detection.confident) == (encoding, True, True)
    selection, job = import_file(session, tmp_path, data)
    assert job.status == "done" and selection.rows_good == 8
    assert selection.encoding == encoding  # the guess is recorded, not re-guessed
    rows = _loaded(session, selection.id)
    assert [rows[n + 1].surname for n in range(1, 9)] == [
        PEOPLE[n % len(PEOPLE)][0] for n in range(1, 9)]


def test_utf8_with_and_without_bom_is_not_a_guess(tmp_path):
    for bom in (False, True):
        path = tmp_path / f"u{bom}.csv"
        path.write_bytes(csv_bytes([_line(1)], bom=bom))
        detection = detect_text_encoding(path)
        assert detection.codec == ("utf-8-sig" if bom else "utf-8")
        assert not detection.guessed and detection.confident


def test_too_few_letters_to_tell_is_not_confident(tmp_path):
    path = tmp_path / "few.csv"
    path.write_bytes("СНИЛС;ФИО\r\n12345678901;Ли\r\n".encode("koi8-r"))
    assert not detect_text_encoding(path).confident


def test_unsure_encoding_must_be_chosen_before_import(session, tmp_path):
    from onewindow.errors import InvalidInput

    data = f"СНИЛС;ФИО;ДР\r\n{snils(1)};Ли Ян;01.01.1980\r\n".encode("koi8-r")
    with pytest.raises(InvalidInput, match="Кодировку не удалось определить"):
        import_file(session, tmp_path, data, mapping={"snils": "СНИЛС"})
    selection, job = import_file(session, tmp_path, data, mapping={"snils": "СНИЛС"},
                                 encoding="koi8-r")
    assert job.status == "done"
    assert _loaded(session, selection.id)[2].extra["ФИО"] == "Ли Ян"


DBF_FIELDS = [("SNILS", "C", 14), ("FAM", "C", 30), ("IM", "C", 20), ("OT", "C", 20),
              ("DR", "D", 8)]


def _record(n):
    surname, name, patronymic, born = PEOPLE[n % len(PEOPLE)]
    day, month, year = (int(p) for p in born.split("."))
    return (snils(n), surname, name, patronymic, date(year, month, day))


def test_dbf_records_are_numbered_as_a_dbf_viewer_shows_them(session, tmp_path):
    records = [_record(n) for n in range(1, 9)]
    records[6] = (make_snils(555_000_111)[:10],) + records[6][1:]  # record 7: 10 digits
    data = dbf_bytes(DBF_FIELDS, records, deleted={2})  # record 3 deleted
    selection, job = import_file(session, tmp_path, data, name="sfr.dbf",
                                 accept_partial=True)
    assert job.status == "done"
    assert _issues(session, selection.id) == [
        (7, f"СНИЛС «{records[6][0]}» — 10 цифр вместо 11")]
    rows = _loaded(session, selection.id)
    assert sorted(rows) == [1, 2, 4, 5, 6, 8]
    assert rows[8].surname == records[7][1] and rows[1].surname == records[0][1]


def test_truncated_dbf_is_refused_at_upload_and_its_cut_record_named(session, tmp_path):
    from onewindow.errors import InvalidInput

    data = dbf_bytes(DBF_FIELDS, [_record(n) for n in range(1, 6)])
    record_len = 1 + sum(length for _n, _t, length in DBF_FIELDS)
    cut = data[:-1 - record_len // 2]  # half of record 5 and the EOF mark are gone
    with pytest.raises(InvalidInput, match="файл обрезан"):
        import_file(session, tmp_path, cut, name="sfr.dbf")
    # The reader itself names the cut record, should such a file reach it.
    path = tmp_path / "cut.dbf"
    for size, whole in ((len(cut), 4), (32 + 32 * len(DBF_FIELDS) + 1 + 3 * record_len, 3)):
        path.write_bytes(data[:size])
        progress = Progress()
        lines = list(read_table(path, "dbf", progress=progress))
        assert [n for n, _v in lines] == [0, *range(1, whole + 2)]
        problems = [(n, shape_problem(n, v, progress)) for n, v in lines[1:]]
        assert problems[-1] == (whole + 1, "запись оборвана: файл DBF обрезан (в заголовке "
                                           f"5 записей, целых в файле {whole})")
        assert all(p is None for _n, p in problems[:-1])


def test_unknown_dbf_code_page_is_told_by_its_letters(tmp_path):
    records = [_record(n) for n in range(1, 9)]
    path = tmp_path / "a.dbf"
    path.write_bytes(dbf_bytes(DBF_FIELDS, records, encoding="cp1251", language_driver=0))
    rows = list(read_table(path, "dbf"))
    assert rows[1] == (1, list(records[0]))


def test_xlsx_value_right_of_the_header_is_a_shifted_line(session, tmp_path):
    good = _line(1)
    shifted = _line(2, note="прим.")
    shifted[3:3] = ["ЛИШНЕЕ"]
    data = xlsx_bytes([good, shifted])
    selection, job = import_file(session, tmp_path, data, name="a.xlsx", accept_partial=True)
    assert _issues(session, selection.id) == [
        (3, "значение в столбце 9, правее последнего столбца заголовка (8): строка сдвинута?")]
    assert sorted(_loaded(session, selection.id)) == [2]


def test_shape_problem_agrees_on_field_words():
    progress = Progress(width=3, strict_width=True)
    assert shape_problem(2, ["a"], progress).startswith("в строке 1 поле вместо 3")
    assert shape_problem(2, ["a"] * 5, progress).startswith("в строке 5 полей вместо 3")
    assert shape_problem(2, ["a"] * 3, progress) is None


@pytest.mark.parametrize("header,expected", [
    (["СНИЛС", "ФАМИЛИЯ", "ИМЯ", "ОТЧЕСТВО", "ДАТА_РОЖД", "ДАТА_СМЕРТИ"],
     {"snils": "СНИЛС", "surname": "ФАМИЛИЯ", "name": "ИМЯ", "patronymic": "ОТЧЕСТВО",
      "birth_date": "ДАТА_РОЖД", "event_date": "ДАТА_СМЕРТИ"}),
    (["SS", "FAM", "IM", "OT", "DR", "DATE_TR"],
     {"snils": "SS", "surname": "FAM", "name": "IM", "patronymic": "OT", "birth_date": "DR",
      "event_date": "DATE_TR"}),
    (["SNILS", "FIO", "DATE_BIRTH", "DATE_DEATH", "PRICHINA"],
     {"snils": "SNILS", "full_name": "FIO", "birth_date": "DATE_BIRTH",
      "event_date": "DATE_DEATH", "event_type": "PRICHINA"}),
    (["Страховой номер", "Фамилия", "Имя", "Отчество", "Дата рождения", "Дата события"],
     {"snils": "Страховой номер", "surname": "Фамилия", "name": "Имя",
      "patronymic": "Отчество", "birth_date": "Дата рождения",
      "event_date": "Дата события"}),
])
def test_usual_headers_are_mapped_without_a_profile(header, expected):
    from onewindow.selections.parsing import guess_mapping

    assert guess_mapping(header) == expected


def _upload(client, data: bytes, name="sfr.csv"):
    import io

    form = {"source": "sfr", "period": "11.2026", "encoding": "auto", "delimiter": "auto",
            "file": (io.BytesIO(data), name)}
    response = client.post("/selections/upload", data=form,
                           content_type="multipart/form-data")
    assert response.status_code == 303
    return response.headers["Location"]


def test_mapping_page_says_the_encoding_was_guessed(specialist_client):
    data = _text([HEADER] + [_line(n) for n in range(1, 9)], encoding="koi8-r")
    page = specialist_client.get(_upload(specialist_client, data)).get_data(as_text=True)
    assert "Кодировка определена по буквам: <strong>KOI8-R</strong>" in page
    assert PEOPLE[1][0] in page
    # Chosen by hand against the letters: a warning and the way back.
    location = _upload(specialist_client, data) + "?encoding=cp1251"
    page = specialist_client.get(location).get_data(as_text=True)
    assert "Выбрана кодировка Windows-1251, но буквы файла говорят о KOI8-R" in page


def test_unsure_encoding_shows_samples_and_refuses_the_import(specialist_client):
    data = f"СНИЛС;ФИО;ДР\r\n{snils(1)};Ли Ян;01.01.1980\r\n".encode("koi8-r")
    location = _upload(specialist_client, data)
    page = specialist_client.get(location).get_data(as_text=True)
    assert "Кодировку не удалось определить уверенно" in page
    assert "Ли Ян" in page  # the KOI8-R sample reads right
    sid = location.split("/")[-2]
    response = specialist_client.post(f"/selections/{sid}/import", data={
        "snils": "СНИЛС", "encoding": "auto", "delimiter": "auto"})
    assert response.status_code == 422
    assert "Кодировку не удалось определить уверенно" in response.get_data(as_text=True)


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("where", ["surname", "note"])
def test_utf8_cut_inside_a_character_is_truncated_not_another_encoding(session, tmp_path,
                                                                        bom, where):
    # The transfer broke off in the middle of a two-byte letter: the last byte is the
    # lead byte of «м» (or of «н» in the last field, where the field count is still right).
    last = _line(3, note="поздно" if where == "note" else "")
    data = _text([HEADER, _line(1), _line(2), last], encoding="utf-8", bom=bom)
    marker = (PEOPLE[3][0] if where == "surname" else "поздно").encode()
    cut_at = data.rindex(marker) + (3 if where == "surname" else 11)
    data = data[:cut_at]
    assert data[-1] >= 0xC0  # a lead byte with nothing after it
    detection = detect_text_encoding(_write(tmp_path, data))
    assert detection.codec == ("utf-8-sig" if bom else "utf-8")
    assert not detection.guessed
    selection, job = import_file(session, tmp_path, data, accept_partial=True)
    assert job.status == "done"
    assert selection.encoding == "utf-8"
    issues = _issues(session, selection.id)
    assert len(issues) == 1 and issues[0][0] == 4
    assert "файл обрезан посреди символа UTF-8" in issues[0][1]
    assert sorted(_loaded(session, selection.id)) == [2, 3]
    assert _loaded(session, selection.id)[2].surname == PEOPLE[1][0]


def _write(tmp_path, data: bytes):
    path = tmp_path / "cut.csv"
    path.write_bytes(data)
    return path


def test_reader_without_progress_refuses_a_file_cut_inside_a_character(tmp_path):
    # The archive register reads without a progress: the cut line must not load short.
    from onewindow.core.tables import FileProblem

    data = _text([HEADER, _line(1), _line(2)], encoding="utf-8")
    path = _write(tmp_path, data[:data.rindex(PEOPLE[2][0].encode()) + 1])
    with pytest.raises(FileProblem, match="Строка 3: файл обрезан посреди символа UTF-8"):
        list(read_table(path, "csv"))
    whole = _write(tmp_path, data)
    assert [n for n, _v in read_table(whole, "csv")] == [1, 2, 3]

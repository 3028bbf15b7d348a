"""Reading files: encodings, delimiters, XLSX, DBF; checking rows (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from onewindow.core.tables import FileProblem, header_names, preview, read_table
from onewindow.selections.documents import safe_cell
from onewindow.selections.matching import one_edit_apart
from onewindow.selections.parsing import check_row, guess_mapping

from .helpers import HEADER, csv_bytes, dbf_bytes, snils, xlsx_bytes

ROWS = [[snils(1), "Ёлкина", "Анна", "Петровна", "01.05.1980", "умер", "02.11.2026", "x"],
        [snils(2), "Петрова-Водкина", "Мария", "", "1975-03-09", "переезд", "", ""]]


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _all(path, fmt, **kwargs):
    rows = list(read_table(path, fmt, **kwargs))
    return header_names(rows[0][1]), rows[1:]


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1251", False)])
def test_csv_encodings_are_detected(tmp_path, encoding, bom):
    path = _write(tmp_path, "a.csv", csv_bytes(ROWS, encoding=encoding, bom=bom))
    header, rows = _all(path, "csv")
    assert header == HEADER  # no BOM garbage in the first column
    assert rows[0][1][1] == "Ёлкина"
    assert rows[1][1][1] == "Петрова-Водкина"
    assert [line for line, _ in rows] == [2, 3]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_csv_delimiters_are_detected(tmp_path, delimiter):
    path = _write(tmp_path, "a.csv", csv_bytes(ROWS, delimiter=delimiter))
    header, rows = _all(path, "csv")
    assert len(header) == len(HEADER)
    assert rows[0][1][0] == snils(1)


def test_csv_delimiter_override(tmp_path):
    # A semicolon file whose notes contain many commas: auto would still pick ";",
    # and an explicit "," splits on commas as the specialist asked.
    data = csv_bytes([["1,2,3,4,5,6,7,8,9"]], header=["а;б"], delimiter=";")
    path = _write(tmp_path, "a.csv", data)
    header, _rows = _all(path, "csv", delimiter=";")
    assert header == ["а", "б"]
    header, _rows = _all(path, "csv", delimiter=",")
    assert header == ["а;б"]


def test_wrong_explicit_encoding_is_a_file_problem(tmp_path):
    path = _write(tmp_path, "a.csv", csv_bytes(ROWS, encoding="cp1251"))
    with pytest.raises(FileProblem, match="кодировке UTF-8"):
        _all(path, "csv", encoding="utf-8")


def test_xlsx_rows_keep_types(tmp_path):
    rows = [[snils(1), "Иванова", "Анна", "Петровна", date(1980, 5, 1), "умер", None, 12]]
    path = _write(tmp_path, "a.xlsx", xlsx_bytes(rows))
    header, body = _all(path, "xlsx")
    assert header == HEADER
    assert body[0][1][4].date() == date(1980, 5, 1)
    checked = check_row(2, body[0][1], header=header, mapping=guess_mapping(header))
    assert checked.errors == []
    assert checked.values["birth_date"] == date(1980, 5, 1)
    assert '"Примечание": "12"' in checked.values["extra_json"]


DBF_FIELDS = [("SNILS", "C", 14), ("FAM", "C", 30), ("IM", "C", 20), ("OT", "C", 20),
              ("DR", "D", 8), ("SOB", "C", 30)]
DBF_RECORDS = [("123-456-789 64", "Ёлкина", "Анна", "Петровна", date(1980, 5, 1), "умер"),
               ("", "Сидоров", "Пётр", "", date(1990, 1, 2), "трудоустроен")]


@pytest.mark.parametrize("encoding,driver", [("cp866", 0x65), ("cp1251", 0xC9)])
def test_dbf_codepage_from_language_driver(tmp_path, encoding, driver):
    path = _write(tmp_path, "a.dbf", dbf_bytes(DBF_FIELDS, DBF_RECORDS, encoding=encoding,
                                               language_driver=driver))
    header, body = _all(path, "dbf")
    assert header == ["SNILS", "FAM", "IM", "OT", "DR", "SOB"]
    assert body[0][1][1] == "Ёлкина"
    assert body[1][1][2] == "Пётр"
    assert body[0][1][4] == date(1980, 5, 1)
    mapping = guess_mapping(header)
    assert mapping["surname"] == "FAM" and mapping["birth_date"] == "DR"
    checked = check_row(body[0][0], body[0][1], header=header, mapping=mapping)
    assert checked.values["snils"] == "12345678964"


def test_dbf_explicit_encoding_override(tmp_path):
    # No language driver byte: cp866 is assumed; cp1251 can be forced.
    data = dbf_bytes(DBF_FIELDS, DBF_RECORDS, encoding="cp1251", language_driver=0)
    path = _write(tmp_path, "a.dbf", data)
    _header, body = _all(path, "dbf", encoding="cp1251")
    assert body[0][1][1] == "Ёлкина"


def test_preview_shows_first_rows(tmp_path):
    path = _write(tmp_path, "a.csv", csv_bytes(ROWS * 10))
    header, rows = preview(path, "csv", encoding="auto", delimiter="auto", rows=5)
    assert header == HEADER and len(rows) == 5


def test_check_row_reasons():
    mapping = guess_mapping(HEADER)
    bad = check_row(7, ["123", "Иванов", "И", "", "31.02.1980", "", "", ""], header=HEADER,
                    mapping=mapping)
    assert any("СНИЛС «123»" in e for e in bad.errors)
    assert any("31.02.1980" in e for e in bad.errors)
    wrong_sum = check_row(8, ["123-456-789 00", "Иванов", "", "", "", "", "", ""],
                          header=HEADER, mapping=mapping)
    assert any("контрольная сумма" in e for e in wrong_sum.errors)
    nothing = check_row(9, ["", "Иванов", "", "", "", "", "", ""], header=HEADER,
                        mapping=mapping)
    assert nothing.errors and "не с чем сопоставить" in nothing.errors[0]


def test_full_name_column_is_split_and_keyed():
    header = ["ФИО", "ДР"]
    checked = check_row(2, ["Петрова Водкина  Ёлка", "01.01.1970"], header=header,
                        mapping={"full_name": "ФИО", "birth_date": "ДР"})
    assert checked.values["surname"] == "Петрова"
    assert checked.values["name_key"] == "петроваводкинаелка"


def test_one_edit_apart():
    assert one_edit_apart("ивановаанна", "ивановаана")
    assert one_edit_apart("ивановаанна", "иванованнна")
    assert one_edit_apart("ивановаанна", "ивоноваанна")
    assert not one_edit_apart("ивановаанна", "ивановаанна")
    assert not one_edit_apart("ивановаанна", "ивоновааннн")


def test_safe_cell_neutralises_formulas():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-5") == "'-5"
    assert safe_cell("Иванова") == "Иванова"
    assert safe_cell(5) == 5

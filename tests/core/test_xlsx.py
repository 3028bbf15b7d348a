"""The fast XLSX reader gives what openpyxl gives, for what registers hold."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from onewindow.core import xlsx


def _book(tmp_path, *, write_only: bool = False, date1904: bool = False):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("Реестр") if write_only else wb.active
    if date1904:
        wb.epoch = datetime(1904, 1, 1)
    rows = [
        ["Реестр личных дел"],
        [],
        ["№ дела", "ФИО", "Д.р.", "СНИЛС", "Листов", "Вес", "Годы", "Архив", "Когда"],
        ["ЕДВ-2015-00123", "Петров Пётр", date(1950, 3, 4), "112-233-445 95", 34, 2.5,
         "2015–2020", True, datetime(2020, 5, 6, 7, 8, 9)],
        [None, "Ёлкин Семён", date(1899, 12, 31), 11223344595, 0, -1.25, 2019, False, None],
        ["=1+1", "", date(1900, 2, 27), None, 10**12, 1e-7, None, None, date(2024, 2, 29)],
    ]
    for r in rows:
        ws.append(r)
    if not write_only:
        ws["B8"] = "строка 8 через пустую"
        ws["J5"] = 45000
        ws["J5"].number_format = "dd.mm.yyyy"  # a number shown as a date
        ws["J6"] = 1.5
        ws["J6"].number_format = 'd" "mmm yyyy" г."'  # a custom date format
        ws["K4"] = "дальний столбец"
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def _openpyxl(path):
    wb = load_workbook(path, read_only=True, data_only=True)
    rows = [list(r) for r in wb.active.iter_rows(values_only=True)]
    wb.close()
    return [[v for v in r] for r in rows]


def _trim(row):
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return row


@pytest.mark.parametrize("write_only", [False, True])
@pytest.mark.parametrize("date1904", [False, True])
def test_same_values_as_openpyxl(tmp_path, write_only, date1904):
    path = _book(tmp_path, write_only=write_only, date1904=date1904)
    ours = list(xlsx.iter_rows(path))
    theirs = _openpyxl(path)
    assert [line for line, _ in ours] == list(range(1, len(theirs) + 1))
    assert [_trim(values) for _, values in ours] == [_trim(r) for r in theirs]
    values = dict(ours)
    assert values[4][2] == datetime(1950, 3, 4) and values[4][4] == 34
    assert values[4][7] is True and values[6][0] is None  # a formula never computed
    if not write_only:
        assert values[5][9] == (datetime(2027, 3, 16) if date1904 else datetime(2023, 3, 15))


def test_not_a_workbook(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(xlsx.XlsxProblem):
        list(xlsx.iter_rows(path))

"""Uploaded tables beyond the office's limits are refused while they are read."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from onewindow.core import tables
from onewindow.core.tables import FileProblem, read_table


def _rows(path, fmt):
    return list(read_table(path, fmt))


def test_a_csv_with_thousands_of_columns_is_refused_before_its_header_is_split(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes((";".join(f"c{i}" for i in range(50_000)) + "\n1;2\n").encode())
    with pytest.raises(FileProblem, match=r"Строка 1: 50000 столбцов — больше предела 200"):
        _rows(path, "csv")


def test_a_row_wider_than_the_limit_names_its_line(tmp_path):
    path = tmp_path / "row.csv"
    path.write_bytes(("a;b\n1;2\n" + ";".join("x" * 3 for _ in range(300)) + "\n").encode())
    with pytest.raises(FileProblem, match=r"Строка 3: 300 столбцов"):
        _rows(path, "csv")


def test_a_huge_header_or_cell_is_refused(tmp_path):
    path = tmp_path / "header.csv"
    path.write_bytes(("Ф" * 500 + ";b\n1;2\n").encode("utf-8"))
    with pytest.raises(FileProblem, match=r"заголовок столбца длиннее 200 знаков"):
        _rows(path, "csv")
    path.write_bytes(("a;b\n1;" + "x" * 5000 + "\n").encode())
    with pytest.raises(FileProblem, match=r"Строка 2, столбец 2: значение длиннее 4000"):
        _rows(path, "csv")


def test_xlsx_width_declared_by_formatting_is_not_a_problem_but_values_are(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Фамилия", "СНИЛС"])
    ws.append(["Иванова", "112-233-445 95"])
    ws.cell(row=1, column=5000).number_format = "@"  # formatting far right, no value
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "ok.xlsx"
    path.write_bytes(buf.getvalue())
    rows = _rows(path, "xlsx")
    assert rows[0][1][:2] == ["Фамилия", "СНИЛС"] and len(rows) == 2
    ws.cell(row=2, column=tables.MAX_COLUMNS + 5, value="лишнее")
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    with pytest.raises(FileProblem, match=r"больше предела 200"):
        _rows(path, "xlsx")


def test_more_rows_than_the_limit_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 5)
    path = tmp_path / "long.csv"
    path.write_bytes(("a;b\n" + "1;2\n" * 10).encode())
    with pytest.raises(FileProblem, match=r"больше 5 строк"):
        _rows(path, "csv")

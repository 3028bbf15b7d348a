"""XLSX and CSV exports of a report: numbers as numbers, dates as dates, no formulas.

A text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return,
which some spreadsheets strip before looking) is prefixed with an apostrophe, so a
spreadsheet shows it as text and never evaluates it (formula injection, CSV injection).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..reporting.tables import DATE, DATETIME, DECIMAL, INT, PERCENT, Report, Table

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_MAX = 31


def neutralise(value):
    """Make a text cell inert for spreadsheets; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _cell_value(value, kind: str):
    if value is None:
        return None
    if kind in (INT,) and isinstance(value, int | float):
        return int(value)
    if kind in (DECIMAL, PERCENT) and isinstance(value, int | float):
        return float(value)
    if kind == DATE and isinstance(value, date):
        return value
    if kind == DATETIME and isinstance(value, datetime):
        return value
    return neutralise(str(value))


NUMBER_FORMATS = {INT: "0", DECIMAL: "0.0", PERCENT: "0.0%", DATE: "DD.MM.YYYY",
                  DATETIME: "DD.MM.YYYY HH:MM"}


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\")[:SHEET_TITLE_MAX] or "Лист"
    name, n = clean, 2
    while name in used:
        suffix = f" ({n})"
        name = clean[: SHEET_TITLE_MAX - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def to_xlsx(report: Report) -> bytes:
    """One sheet per table: a title line, the header row (frozen below it), the rows."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in report.tables:
        sheet = book.create_sheet(_sheet_title(table.title, used))
        sheet.append([neutralise(f"{report.title}. {table.title}")])
        sheet.append([neutralise(report.subtitle)])
        sheet.append([neutralise(c.title) for c in table.columns])
        header_row = 3
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        lines = list(table.rows) + ([table.total] if table.total else [])
        for r, row in enumerate(lines, start=header_row + 1):
            for c, column in enumerate(table.columns, start=1):
                value = row[c - 1] if c - 1 < len(row) else None
                cell = sheet.cell(row=r, column=c, value=_cell_value(value, column.kind))
                if column.kind in NUMBER_FORMATS and cell.value is not None \
                        and not isinstance(cell.value, str):
                    cell.number_format = NUMBER_FORMATS[column.kind]
                if table.total is not None and row is table.total:
                    cell.font = Font(bold=True)
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
        for c, column in enumerate(table.columns, start=1):
            width = max([len(column.title)] + [len(str(row[c - 1])) for row in lines
                                               if c - 1 < len(row) and row[c - 1] is not None])
            sheet.column_dimensions[get_column_letter(c)].width = min(60, max(10, width + 2))
    if not report.tables:
        book.create_sheet("Отчёт").append([neutralise(report.title)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_value(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == PERCENT and isinstance(value, int | float):
        return f"{value * 100:.1f}".replace(".", ",")
    if kind == DECIMAL and isinstance(value, int | float):
        return f"{value:.1f}".replace(".", ",")
    if kind == INT and isinstance(value, int | float):
        return str(int(value))
    if kind == DATETIME and isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if kind == DATE and isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return neutralise(str(value))


def to_csv(table: Table) -> bytes:
    """One table as CSV for Excel in a Russian locale: UTF-8 with BOM, «;» separated."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(c.title) for c in table.columns])
    for row in list(table.rows) + ([table.total] if table.total else []):
        writer.writerow([_csv_value(row[i] if i < len(row) else None, c.kind)
                         for i, c in enumerate(table.columns)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")

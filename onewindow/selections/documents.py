"""Selection reports: PDF (via the printing package) and XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font

from ..core.text import format_date
from ..documents import render_document
from .models import OUTCOMES, RULES

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
GROUP_NAMES = {"snils": "сопоставлено автоматически", "name_birth": "сопоставлено автоматически",
               "fuzzy_name": "кандидат — подтвердить",
               "snils_other_name": "конфликт: СНИЛС совпал, ФИО другое"}
NOT_FOUND = "не найдено среди получателей"
GROUP_ORDER = {name: n for n, name in enumerate(dict.fromkeys(GROUP_NAMES.values()))}


def safe_cell(value):
    """Neutralise text a spreadsheet would run as a formula (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def report_lines(stats) -> list[tuple[str, int]]:
    lines = [("Строк получено", stats.rows_total), ("Строк загружено", stats.rows_good),
             ("Строк с ошибками", stats.rows_bad)]
    lines += [(f"Совпадений: {label}", stats.by_rule.get(rule, 0))
              for rule, (label, _c) in RULES.items()]
    lines += [("Кандидатов ждут подтверждения", stats.candidates),
              ("Кандидатов отклонено", stats.rejected)]
    lines += [(f"Отработано: {label}", stats.by_outcome.get(code, 0))
              for code, label in OUTCOMES.items()]
    lines += [("Всего отработано", stats.processed), ("Не отработано", stats.pending)]
    return lines


def report_pdf(*, title: str, subtitle: str, stats, selections, config,
               now: datetime) -> bytes:
    return render_document("pdf/selection_report.html", config=config, title=title,
                           subtitle=subtitle, lines=report_lines(stats),
                           selections=selections, printed=now)


def _extra(row) -> str:
    """The file's other columns of the line, as «column: value; …»."""
    return "; ".join(f"{k}: {v}" for k, v in row.extra.items())


def _file_data(row) -> list:
    return [safe_cell(row.full_name), format_date(row.birth_date), safe_cell(row.snils or ""),
            safe_cell(row.event_type or ""), format_date(row.event_date),
            safe_cell(_extra(row))]


CSV_HEADER = ["Группа", "Селекция №", "Строка файла", "ФИО в файле", "Дата рождения", "СНИЛС",
              "Тип события", "Дата события", "Прочие данные файла", "Получатель", "Правило",
              "Уверенность, %", "Статус", "Действие", "Результат", "Комментарий",
              "Кто отработал", "Когда", "Причина"]


def group_rows(hits, unmatched: Iterable) -> Iterator[list]:
    """Every line of the four groups, group by group, each by selection and line number:
    matched automatically, candidates, conflicts (the hits), then the lines not found."""
    ordered = sorted(hits, key=lambda h: (GROUP_ORDER[GROUP_NAMES[h.rule]], h.selection_id,
                                          h.row.line_no, h.id))
    for hit in ordered:
        row = hit.row
        yield [GROUP_NAMES[hit.rule], hit.selection_id, row.line_no, *_file_data(row),
               safe_cell(hit.applicant.full_name), hit.rule_name, hit.confidence,
               hit.status_name, safe_cell(hit.action), hit.outcome_name,
               safe_cell(hit.comment or ""),
               safe_cell(hit.processed_by.full_name if hit.processed_by else ""),
               format_date(hit.processed_at.date()) if hit.processed_at else "", ""]
    for row, reason in unmatched:
        yield [NOT_FOUND, row.selection_id, row.line_no, *_file_data(row),
               "", "", "", "", "", "", "", "", "", reason]


def report_csv(*, hits, unmatched=()) -> bytes:
    """The four groups in one CSV (UTF-8 with BOM, «;»: opens in a Russian Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(group_rows(hits, unmatched))
    return buffer.getvalue().encode("utf-8-sig")


def report_xlsx(*, title: str, stats, hits, unmatched=(), issues=()) -> bytes:
    """Totals, then the four groups (matched, candidates, conflicts on «Совпадения»; the
    lines not found) and the refused lines, each with its line number and the file's data."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Итоги"
    ws.append(["Показатель", "Количество"])
    for label, value in report_lines(stats):
        ws.append([safe_cell(label), int(value)])
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 60
    ws.cell(row=1, column=1).font = ws.cell(row=1, column=2).font = Font(bold=True)

    detail = wb.create_sheet("Совпадения")
    detail.append(CSV_HEADER[:-1])
    for cell in detail[1]:
        cell.font = Font(bold=True)
    for values in group_rows(hits, ()):
        detail.append(values[:-1])
    detail.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKLMNOPQR", (30, 11, 9, 34, 13, 13, 24, 13, 40, 34,
                                                    40, 9, 20, 30, 26, 30, 28, 11),
                             strict=True):
        detail.column_dimensions[letter].width = width
    missing = wb.create_sheet("Не найдены")
    missing.append(["Селекция №", "Строка файла", "ФИО в файле", "Дата рождения", "СНИЛС",
                    "Тип события", "Дата события", "Причина", "Прочие данные файла"])
    for cell in missing[1]:
        cell.font = Font(bold=True)
    for row, reason in unmatched:
        missing.append([
            row.selection_id, row.line_no, safe_cell(row.full_name),
            format_date(row.birth_date), safe_cell(row.snils or ""),
            safe_cell(row.event_type or ""), format_date(row.event_date), reason,
            safe_cell(_extra(row)),
        ])
    missing.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHI", (11, 9, 34, 13, 13, 24, 13, 50, 40), strict=True):
        missing.column_dimensions[letter].width = width
    refused = wb.create_sheet("Строки с ошибками")
    refused.append(["Селекция №", "Строка файла", "Причина"])
    for cell in refused[1]:
        cell.font = Font(bold=True)
    for selection_id, line_no, reason in issues:
        refused.append([selection_id, line_no, safe_cell(reason)])
    refused.freeze_panes = "A2"
    refused.column_dimensions["C"].width = 90
    buffer = io.BytesIO()
    wb.properties.title = title
    wb.save(buffer)
    return buffer.getvalue()

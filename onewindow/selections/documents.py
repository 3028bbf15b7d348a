"""Selection reports: PDF (via the printing package) and XLSX (openpyxl)."""

from __future__ import annotations

import io
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
    header = ["Группа", "Селекция №", "Строка файла", "ФИО в файле", "Дата рождения", "СНИЛС",
              "Тип события", "Дата события", "Получатель", "Правило", "Уверенность, %",
              "Статус", "Действие", "Результат", "Комментарий", "Кто отработал",
              "Когда"]
    detail.append(header)
    for cell in detail[1]:
        cell.font = Font(bold=True)
    for hit in hits:
        row = hit.row
        detail.append([
            GROUP_NAMES[hit.rule], hit.selection_id, row.line_no, safe_cell(row.full_name),
            format_date(row.birth_date), safe_cell(row.snils or ""),
            safe_cell(row.event_type or ""), format_date(row.event_date),
            safe_cell(hit.applicant.full_name), hit.rule_name, hit.confidence,
            hit.status_name, safe_cell(hit.action), hit.outcome_name,
            safe_cell(hit.comment or ""),
            safe_cell(hit.processed_by.full_name if hit.processed_by else ""),
            format_date(hit.processed_at.date()) if hit.processed_at else "",
        ])
    detail.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKLMNOPQ", (30, 11, 9, 34, 13, 13, 24, 13, 34, 40, 9,
                                                   20, 30, 26, 30, 28, 11), strict=True):
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
            safe_cell("; ".join(f"{k}: {v}" for k, v in row.extra.items())),
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

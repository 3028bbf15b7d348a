"""The inventory's result report: PDF for signatures and XLSX for work."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from ..core.text import format_date, format_datetime, number_in_words, plural_ru
from ..documents import render_document
from .models import OUTCOMES
from .queries import Outcomes

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def discrepancy_rows(result: Outcomes) -> list[list[str]]:
    """Every discrepancy as (outcome, code, name, where found, register/where, details)."""
    rows = []
    for r in result.misplaced:
        rows.append([OUTCOMES["misplaced"], r.case_file.number, r.case_file.applicant.full_name,
                     r.found_box.barcode,
                     r.register_box.barcode if r.register_box else "не размещено",
                     r.scan.note or ""])
    for r in result.missing:
        rows.append([OUTCOMES["missing"], r.case_file.number, r.case_file.applicant.full_name,
                     "—", r.expected_box.barcode if r.expected_box else "", ""])
    for r in result.absent:
        co = r.checkout
        rows.append([OUTCOMES["absent"], r.case_file.number, r.case_file.applicant.full_name,
                     "—", r.expected_box.barcode if r.expected_box else "",
                     f"выдано: {co.issued_to.full_name} с {format_datetime(co.issued_at)}"])
    for s in result.unknown:
        rows.append([OUTCOMES["unknown"], s.code, "", s.inventory_box.box.barcode, "",
                     s.note or ""])
    for s in result.duplicate:
        rows.append([OUTCOMES["duplicate"], s.code,
                     s.case_file.applicant.full_name if s.case_file else "",
                     s.inventory_box.box.barcode, "", s.note or ""])
    return rows


def _context(result: Outcomes) -> dict:
    total = result.expected_total
    return {"inv": result.inventory, "result": result, "outcomes": OUTCOMES,
            "totals": result.totals, "rows": discrepancy_rows(result),
            "expected_words": number_in_words(total, "n"),
            "expected_noun": plural_ru(total, ("дело", "дела", "дел"))}


def report_pdf(result: Outcomes, *, config) -> bytes:
    return render_document("pdf/inventory_report.html", config=config, **_context(result))


def report_xlsx(result: Outcomes) -> bytes:
    inv = result.inventory
    wb = Workbook()
    ws = wb.active
    ws.title = "Итоги"
    ws.append([neutralise(f"Инвентаризация по приказу № {inv.order_number} "
                          f"от {format_date(inv.order_date)}")])
    ws["A1"].font = Font(bold=True)
    ws.append([neutralise(f"Охват: {inv.scope_label}")])
    ws.append(["Ожидалось дел", result.expected_total])
    for key, count in result.totals.items():
        ws.append([OUTCOMES[key], count])
    boxes = wb.create_sheet("По коробам")
    boxes.append(["Короб", "Место", "Состояние", "Ожидалось", "На месте", "Чужие",
                  "Не найдено", "Выдано", "Неизвестные коды", "Повторы"])
    for b in result.boxes:
        boxes.append([neutralise(b.box.barcode), neutralise(b.box.location),
                      b.inventory_box.state_name, b.expected, b.found, b.misplaced_here,
                      b.missing, b.absent, b.unknown, b.duplicate])
    diff = wb.create_sheet("Расхождения")
    diff.append(["Итог", "Код", "ФИО", "Где найдено", "По реестру", "Подробности"])
    for row in discrepancy_rows(result):
        diff.append([neutralise(v) for v in row])
    for sheet in (boxes, diff):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

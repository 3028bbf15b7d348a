"""Data for the archive's PDFs: folder and box labels, the box inventory list (опись дел)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import object_session

from ..core.keyboard import barcode_text
from ..core.text import format_date, full_name, initials, number_in_words, plural_ru
from . import inventory_list, labels, queries
from .inventory_list import InventoryRow, InventorySection
from .models import ArchiveBox, CaseFile, destroyed_label


def folder_label(case_file: CaseFile) -> labels.FolderLabel:
    """The office's number as text; the bars carry it in a form a scanner types back."""
    applicant = case_file.applicant
    return _folder_label(case_file.number, full_name=applicant.full_name,
                         short_name=applicant.short_name, year=case_file.year,
                         service=case_file.destroyed_label or case_file.service.short_name)


def folder_label_of(row: queries.LabelRow) -> labels.FolderLabel:
    """The same label from :func:`queries.label_rows` (a thousand files, one query)."""
    return _folder_label(
        row.number, full_name=full_name(row.surname, row.name, row.patronymic),
        short_name=initials(row.surname, row.name, row.patronymic), year=row.year,
        service=destroyed_label(row.status, row.destroyed_act_number, row.destroyed_act_date)
        or row.service)


def _folder_label(number: str, *, full_name: str, short_name: str, service: str,
                  year: int) -> labels.FolderLabel:
    try:
        code = barcode_text(number)
    except ValueError as exc:
        raise labels.LabelError(str(exc)) from exc
    return labels.FolderLabel(number=number, full_name=full_name, short_name=short_name,
                              service=service, year=year, barcode=code)


def box_label(box: ArchiveBox) -> labels.BoxLabel:
    files = sorted(box.case_files, key=lambda c: c.number)
    parts = []
    if box.group is not None:
        parts.append(box.group.name)
    if box.years_label:
        parts.append(f"{box.years_label} гг.")
    if files:
        parts.append(f"дела {files[0].number} – {files[-1].number}" if len(files) > 1
                     else f"дело {files[0].number}")
    title = f"{box.name[:1].upper()}{box.name[1:]} · {box.barcode}"
    return labels.BoxLabel(barcode=box.barcode, title=title,
                           location=box.shelf.location, contents=", ".join(parts))


def sheet_layout() -> labels.SheetLayout:
    return labels.SheetLayout.parse(current_app.config.get("ARCHIVE_LABEL_SHEET"))


def thermal_size() -> labels.LabelSize:
    return labels.LabelSize.parse(current_app.config.get("ARCHIVE_LABEL_THERMAL"))


def folder_labels_pdf(case_files: list[CaseFile | queries.LabelRow], *, fmt: str,
                      start: int = 1, offset: tuple[float, float] = (0.0, 0.0)) -> bytes:
    items = [folder_label_of(c) if isinstance(c, queries.LabelRow) else folder_label(c)
             for c in case_files]
    if fmt == "thermal":
        return labels.folder_labels_thermal(items, size=thermal_size(), offset=offset)
    return labels.folder_labels_sheet(items, layout=sheet_layout(), start=start, offset=offset)


def box_labels_pdf(boxes: list[ArchiveBox], *, fmt: str, start: int = 1,
                   offset: tuple[float, float] = (0.0, 0.0)) -> bytes:
    items = [box_label(b) for b in boxes]
    if fmt == "thermal":
        return labels.box_labels_thermal(items, size=thermal_size(), offset=offset)
    return labels.box_labels_sheet(items, start=start, offset=offset)


def _inventory_row(c: CaseFile) -> InventoryRow:
    note = f"закрыто: {c.close_reason_name}" if c.status == "closed" else ""
    if c.open_checkout:
        note = f"{note} выдано".strip()
    return InventoryRow(
        number=c.number,
        title=(f"Личное дело {c.applicant.full_name}, {format_date(c.applicant.birth_date)} "
               f"г. р. — {c.service.short_name}"),
        end_dates=c.end_dates, retention=c.service.retention_label, sheets=c.sheets, note=note)


def inventory_pdf(boxes: list[ArchiveBox], *, config) -> bytes:
    """Опись дел for one or more boxes: a section per box with its count in words."""
    files = queries.inventory_files(object_session(boxes[0]), boxes) if boxes else {}
    sections = []
    for box in boxes:
        heading = f"Короб {box.number} ({box.barcode}) — {box.location}"
        if box.group is not None:
            heading += f"; {box.group.name}"
        if box.years_label:
            heading += f"; {box.years_label} гг."
        count = len(files[box.id])
        sections.append(InventorySection(
            institution=config["INSTITUTION_NAME"], heading=heading,
            rows=[_inventory_row(c) for c in files[box.id]],
            count_words=number_in_words(count, "n"),
            count_noun=plural_ru(count, ("дело", "дела", "дел"))))
    return inventory_list.inventory_pdf(sections)

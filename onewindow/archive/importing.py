"""Taking over an existing archive: a register (XLSX/CSV) into case files and boxes.

Two steps: :func:`preview_register` checks every row (which applicant, service and box
it matches, what is wrong) without writing; :func:`import_register` writes the rows that
matched as one batch, which :func:`undo_import` cancels again in one step (the rows stay,
marked cancelled with who, when and why).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..applicants.models import Applicant
from ..catalog.models import Service
from ..core.filetypes import FileTypeMismatch, check_content
from ..core.text import normalize_search, parse_date_ru
from ..errors import Conflict, DomainError, InvalidInput, NotFound
from .models import ArchiveBox, CaseFile, CaseFileEvent, CaseFileMove, Checkout, ImportBatch
from .services import (
    create_box,
    get_or_create_room,
    get_or_create_shelf,
    next_case_number,
    place_case_file,
)

MAX_ROWS = 20000
TOO_MANY_ROWS = f"Не больше {MAX_ROWS} строк за один раз"
ENCODINGS = ("utf-8", "cp1251")
DEFAULT_ROOM = "Архив"

# Column header (lower case, no dots/№) -> field.
HEADERS = {
    "номер дела": "number", "номер": "number", "дела": "number", "индекс дела": "number",
    "фио": "full_name", "заявитель": "full_name", "получатель": "full_name",
    "дата рождения": "birth_date", "снилс": "snils", "услуга": "service",
    "код услуги": "service", "годы": "years", "год": "years", "крайние даты": "years",
    "короб": "box", "полка": "shelf", "стеллаж/полка": "shelf", "помещение": "room",
    "листов": "sheets", "количество листов": "sheets", "кол-во листов": "sheets",
}
FIELDS = ("number", "full_name", "birth_date", "snils", "service", "years", "box", "shelf",
          "room", "sheets")


@dataclass
class RegisterRow:
    line: int
    values: dict
    applicant_id: int | None = None
    applicant_name: str = ""
    service_code: str | None = None
    year: int | None = None
    end_year: int | None = None
    sheets: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _clean_header(value) -> str:
    text = str(value or "").replace("№", "").replace(".", "").strip().lower()
    return " ".join(text.split())


def read_register(data: bytes, filename: str) -> list[dict]:
    """Rows of a CSV (UTF-8 or cp1251, ; or ,) or XLSX register as dicts of FIELDS.

    The content must match the name: text for .csv/.txt, an OOXML workbook for .xlsx.
    """
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        kind, reader = "xlsx", _read_xlsx
    elif name.endswith(".csv") or name.endswith(".txt"):
        kind, reader = "text", _read_csv
    else:
        raise InvalidInput("Загрузите файл .xlsx или .csv", field="file")
    try:
        check_content(data, kind, encodings=ENCODINGS)
    except FileTypeMismatch as exc:
        raise InvalidInput(str(exc), field="file") from exc
    table = reader(data)
    if not table:
        raise InvalidInput("Файл пуст", field="file")
    header = [HEADERS.get(_clean_header(h)) for h in table[0]]
    if "full_name" not in header:
        raise InvalidInput("Не найден столбец «ФИО» в первой строке", field="file")
    rows = []
    for cells in table[1:]:
        values = {f: "" for f in FIELDS}
        for key, cell in zip(header, cells, strict=False):
            if key:
                values[key] = _cell_text(cell)
        if any(values.values()):
            rows.append(values)
    if len(rows) > MAX_ROWS:
        raise InvalidInput(TOO_MANY_ROWS, field="file")
    return rows


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        cell = cell.date()
    if isinstance(cell, date):
        return f"{cell.day:02d}.{cell.month:02d}.{cell.year}"
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(str(cell).split())


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput("Не удалось прочитать кодировку файла", field="file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";"
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(data: bytes) -> list[list]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the user's file
        raise InvalidInput("Не удалось прочитать файл Excel", field="file") from exc
    try:
        sheet = workbook.worksheets[0]
        table = []
        # Stop early: a sheet of a million rows is refused before it fills the memory
        # (blank rows count too, hence the margin).
        for row in sheet.iter_rows(values_only=True):
            table.append(list(row))
            if len(table) > 2 * MAX_ROWS + 1:
                raise InvalidInput(TOO_MANY_ROWS, field="file")
    finally:
        workbook.close()
    return table


_YEARS = re.compile(r"^\s*(\d{4})\s*(?:[-–—]\s*(\d{4}))?\s*$")
_SHELF = re.compile(r"^\s*(\d+)\s*[/\-.,\s]\s*(\d+)\s*$")


def _match_applicant(session: Session, values: dict) -> tuple[Applicant | None, str | None]:
    snils = re.sub(r"\D", "", values["snils"])
    if snils:
        found = session.scalar(select(Applicant).where(Applicant.snils == snils))
        if found is not None:
            return found, None
    name = normalize_search(values["full_name"])
    if not name:
        return None, "не указаны ФИО"
    birth = None
    if values["birth_date"]:
        try:
            birth = parse_date_ru(values["birth_date"])
        except ValueError:
            return None, f"неверная дата рождения «{values['birth_date']}»"
    stmt = select(Applicant).where(Applicant.search_name == name)
    if birth is not None:
        stmt = stmt.where(Applicant.birth_date == birth)
    found = list(session.scalars(stmt.limit(3)))
    if len(found) == 1:
        return found[0], None
    if len(found) > 1:
        return None, "несколько заявителей с такими ФИО — укажите СНИЛС или дату рождения"
    return None, "заявитель не найден в базе"


def _match_service(session: Session, raw: str) -> Service | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    return session.scalar(select(Service).where(or_(
        Service.code == raw.upper(), func.lower(Service.short_name) == raw.lower(),
        Service.short_name == raw)))


def preview_register(session: Session, rows: list[dict], *, today: date) -> list[RegisterRow]:
    """Check every row against the database; nothing is written."""
    result = []
    seen_numbers: set[str] = set()
    seen_pairs: set[tuple[int, str]] = set()
    for line, values in enumerate(rows, start=2):
        row = RegisterRow(line=line, values=values)
        applicant, problem = _match_applicant(session, values)
        if applicant is None:
            row.errors.append(problem)
        else:
            row.applicant_id = applicant.id
            row.applicant_name = f"{applicant.full_name}, {applicant.birth_date:%d.%m.%Y}"
        service = _match_service(session, values["service"])
        if service is None:
            row.errors.append(f"услуга «{values['service']}» не найдена в перечне")
        else:
            row.service_code = service.code
        m = _YEARS.match(values["years"] or "")
        if values["years"] and not m:
            row.errors.append(f"годы «{values['years']}»: ожидается 2015 или 2015–2020")
        elif m:
            row.year = int(m.group(1))
            row.end_year = int(m.group(2)) if m.group(2) else None
            if row.end_year and row.end_year < row.year:
                row.errors.append("годы: начало позже конца")
        else:
            row.year = today.year
            row.notes.append("год не указан — текущий")
        if values["sheets"]:
            if values["sheets"].isdigit() and int(values["sheets"]) <= 10000:
                row.sheets = int(values["sheets"])
            else:
                row.errors.append(f"листов «{values['sheets']}» — не число")
        number = values["number"].strip()
        if number:
            if not all(32 <= ord(ch) <= 126 for ch in number):
                row.errors.append(f"номер дела «{number}»: только латиница, цифры и знаки")
            elif number in seen_numbers or session.scalar(
                    select(CaseFile.id).where(CaseFile.number == number,
                                              CaseFile.status != "cancelled")):
                row.errors.append(f"дело с номером {number} уже есть")
            seen_numbers.add(number)
        if applicant is not None and service is not None:
            existing = session.scalar(select(CaseFile).where(
                CaseFile.applicant_id == applicant.id, CaseFile.service_id == service.id,
                CaseFile.status != "cancelled"))
            if existing is not None or (applicant.id, service.code) in seen_pairs:
                row.errors.append("у заявителя уже есть дело по этой услуге"
                                  + (f" ({existing.number})" if existing else ""))
            seen_pairs.add((applicant.id, service.code))
        box_raw = values["box"].strip()
        if box_raw:
            box = session.scalar(select(ArchiveBox).where(ArchiveBox.barcode == box_raw.upper()))
            if box is None:
                if not box_raw.isdigit():
                    row.errors.append(f"короб «{box_raw}» не найден")
                elif not _SHELF.match(values["shelf"] or ""):
                    row.errors.append("для нового короба укажите полку как «стеллаж/полка»")
                else:
                    row.notes.append("короб будет создан")
        result.append(row)
    return result


def import_register(session: Session, rows: list[dict], *, filename: str, user_id: int,
                    now: datetime) -> tuple[ImportBatch, list[RegisterRow]]:
    """Import the rows that match (re-checked now) as one batch, in register order."""
    checked = preview_register(session, rows, today=now.date())
    batch = ImportBatch(filename=filename[:255], at=now, user_id=user_id,
                        rows_total=len(checked))
    session.add(batch)
    session.flush()
    services = {s.code: s for s in session.scalars(select(Service))}
    imported = 0
    for position, row in enumerate(checked, start=1):
        if not row.ok:
            continue
        service = services[row.service_code]
        number = row.values["number"].strip() or next_case_number(
            session, service=service, year=row.year)
        case_file = CaseFile(
            number=number, applicant_id=row.applicant_id, service=service, year=row.year,
            end_year=row.end_year, opened_on=date(row.year, 1, 1), opened_by_id=user_id,
            status="active", sheets=row.sheets, import_batch_id=batch.id, import_row=position)
        case_file.events.append(CaseFileEvent(
            at=now, user_id=user_id, kind="imported",
            comment=f"Реестр «{filename}», строка {row.line}"))
        session.add(case_file)
        session.flush()
        box = _box_for(session, row, batch=batch)
        if box is not None:
            try:
                placement = place_case_file(session, case_file=case_file, box=box,
                                            user_id=user_id, now=now)
                row.notes.extend(placement.warnings)
            except DomainError as exc:
                row.notes.append(f"не размещено: {exc.message}")
        imported += 1
    batch.rows_imported = imported
    batch.rows_skipped = len(checked) - imported
    batch.report = "\n".join(
        f"строка {r.line}: {r.values['full_name']} — {'; '.join(r.errors)}"
        for r in checked if not r.ok) or None
    session.flush()
    return batch, checked


def _box_for(session: Session, row: RegisterRow, *, batch: ImportBatch) -> ArchiveBox | None:
    raw = row.values["box"].strip()
    if not raw:
        return None
    box = session.scalar(select(ArchiveBox).where(ArchiveBox.barcode == raw.upper()))
    if box is not None:
        return box
    m = _SHELF.match(row.values["shelf"])
    room = get_or_create_room(session, row.values["room"] or DEFAULT_ROOM)
    shelf = get_or_create_shelf(session, room=room, rack_number=int(m.group(1)),
                                shelf_number=int(m.group(2)))
    box = session.scalar(select(ArchiveBox).where(ArchiveBox.shelf_id == shelf.id,
                                                  ArchiveBox.number == int(raw)))
    if box is None:
        box = create_box(session, shelf=shelf, number=int(raw), year_from=row.year,
                         year_to=row.end_year or row.year, import_batch_id=batch.id)
    return box


def undo_import(session: Session, batch: ImportBatch, *, reason: str, user_id: int,
                now: datetime) -> int:
    """Cancel a batch's case files in one step; returns how many.

    Registered records are never deleted: each file is marked cancelled with the reason,
    who and when, taken out of its box (the move history stays) and no longer counts as
    a live file — its number and its (applicant, service) pair are free for a corrected
    register. Boxes the batch created stay unless nothing was ever filed into them.
    Refused once any of its folders was issued, received an application or was
    destroyed: from then on they are live records.
    """
    if batch.undone_at is not None:
        raise Conflict("Импорт уже отменён")
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("Укажите причину отмены импорта", field="reason")
    files = list(session.scalars(select(CaseFile).where(CaseFile.import_batch_id == batch.id)
                                 .order_by(CaseFile.id)))
    ids = [c.id for c in files]
    if ids and session.scalar(select(func.count(Checkout.id))
                              .where(Checkout.case_file_id.in_(ids))):
        raise Conflict("Дела из этого импорта уже выдавались — отмена невозможна")
    if any(c.applications for c in files):
        raise Conflict("К делам из этого импорта уже добавлены заявления — отмена невозможна")
    if any(c.status == "destroyed" for c in files):
        raise Conflict("Дела из этого импорта уже уничтожены по акту — отмена невозможна")
    for case_file in files:
        comment = f"Отмена импорта № {batch.id}: {reason}"
        if case_file.box is not None:
            comment += f" (лежало: {case_file.box.location})"
        case_file.status = "cancelled"
        case_file.cancelled_at = now
        case_file.cancelled_by_id = user_id
        case_file.cancel_reason = reason
        case_file.box = None
        case_file.events.append(CaseFileEvent(at=now, user_id=user_id, kind="cancelled",
                                              comment=comment))
    session.flush()
    for box in session.scalars(select(ArchiveBox).where(ArchiveBox.import_batch_id == batch.id)):
        # A box the cancelled folders were filed into keeps their move history (and stays,
        # empty); one nothing was ever filed into goes.
        if not session.scalar(select(func.count(CaseFile.id)).where(CaseFile.box_id == box.id)) \
                and not session.scalar(select(func.count(CaseFileMove.id)).where(
                    or_(CaseFileMove.to_box_id == box.id, CaseFileMove.from_box_id == box.id))):
            session.delete(box)
    batch.undone_at = now
    batch.undone_by_id = user_id
    batch.undo_reason = reason
    session.flush()
    return len(files)


def get_batch(session: Session, batch_id: int) -> ImportBatch:
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound("Импорт не найден")
    return batch


"""Taking over an existing archive: the office's register (XLSX/CSV) into case files and boxes.

The register is taken as offices keep it. Three steps:

1. *Columns*: :func:`read_head` finds the header line, :func:`guess_mapping` proposes which
   column holds what (from the usual spellings, or the last saved :class:`ImportProfile`
   whose columns the file has); the archivist corrects it and may save it as a profile.
2. *Check*: :func:`check_register` checks every row without writing: who the person is
   (matched by СНИЛС only when name and birth date agree; created when not in the base),
   the service (by code, name or a confirmed spelling), years, the office's case number,
   box and shelf notations. Each problem has a kind (:data:`KINDS`) and the register's own
   line number.
3. *Import*: :func:`import_register` writes the good rows as one batch (re-checked now),
   in bulk, :data:`IMPORT_CHUNK` rows at a time (:class:`BatchWriter`: one query per kind
   of thing, one counter lock per service and year); the background job
   (:mod:`.import_jobs`) commits after each chunk. :func:`undo_import` cancels a batch
   again in one step. A re-import after an undo gives the
   folders back their numbers, so labels already printed stay valid.
"""

from __future__ import annotations

import difflib
import functools
import io
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, insert, inspect, or_, select
from sqlalchemy.orm import Session, selectinload

from ..applicants.models import Applicant
from ..applicants.services import build_applicant
from ..catalog.models import Service
from ..core import clock, xlsx
from ..core.cells import cell_text, date_from_cell, snils_from_cell
from ..core.declension import guess_sex
from ..core.filetypes import FileTypeMismatch, check_content
from ..core.keyboard import barcode_text
from ..core.snils import format_snils, mask_snils
from ..core.tables import FileProblem, file_format, header_names, read_table
from ..core.text import format_date, normalize_person_key, normalize_search
from ..errors import Conflict, InvalidInput, NotFound
from ..events import ACTOR_KEY
from ..numbering import next_values
from ..security import audit
from ..security.models import AuditEntry
from .models import (
    ArchiveBox,
    ArchiveRack,
    ArchiveShelf,
    CaseFile,
    CaseFileEvent,
    CaseFileMove,
    Checkout,
    ImportBatch,
    ImportProfile,
    ServiceSpelling,
)
from .services import (
    DEFAULT_BOX_CAPACITY,
    get_or_create_room,
    get_or_create_shelf,
    take_case_numbers,
)

MAX_ROWS = 20000
TOO_MANY_ROWS = f"Не больше {MAX_ROWS} строк за один раз"
ENCODINGS = ("utf-8", "cp1251")
DEFAULT_ROOM = "Архив"
# The header is looked for among the first lines (a title above the table is common).
HEADER_SEARCH_LINES = 10
CHUNK = 500
# Rows written per chunk of an import (a background job commits after each).
IMPORT_CHUNK = 500

# What a column may hold, in the order of the mapping form.
FIELDS = {
    "number": "Номер дела",
    "full_name": "ФИО одной строкой",
    "surname": "Фамилия",
    "name": "Имя",
    "patronymic": "Отчество",
    "birth_date": "Дата рождения",
    "snils": "СНИЛС",
    "sex": "Пол",
    "service": "Услуга",
    "years": "Годы (год открытия)",
    "box": "Короб",
    "rack": "Стеллаж",
    "shelf": "Полка (или «стеллаж/полка»)",
    "room": "Помещение",
    "sheets": "Листов",
    "note": "Примечание",
}

# Header spellings seen in registers, as _header_key gives them (no case, dots, spaces, №).
SYNONYMS = {
    "number": ("номердела", "дела", "номер", "индексдела", "номерличногодела", "лд",
               "номерлд", "делономер", "шифрдела"),
    "full_name": ("фио", "фиозаявителя", "фиополучателя", "заявитель", "получатель",
                  "фамилияимяотчество", "гражданин"),
    "surname": ("фамилия", "фам"),
    "name": ("имя",),
    "patronymic": ("отчество", "отч"),
    "birth_date": ("датарождения", "др", "датарожд", "дтрожд", "рожд"),
    "snils": ("снилс", "страховойномер", "снилсзаявителя", "снилсполучателя"),
    "sex": ("пол",),
    "service": ("услуга", "видвыплаты", "мсп", "видмсп", "кодуслуги", "наименованиеуслуги",
                "выплата", "видуслуги", "мерасоцподдержки"),
    "years": ("годоткрытия", "годы", "год", "крайниедаты", "годзаведения", "годоткр"),
    "box": ("короб", "номеркороба", "коробка", "короба"),
    "rack": ("стеллаж", "номерстеллажа"),
    "shelf": ("полка", "стеллаж/полка", "стеллажполка", "местохранения", "стеллаж,полка"),
    "room": ("помещение", "комната", "архив"),
    "sheets": ("листов", "колволистов", "количестволистов", "листы", "колвол"),
    "note": ("примечание", "примечания", "комментарий"),
}

# Problem kinds, in the order the preview counts them.
KINDS = {
    "duplicate": "точный повтор строки",
    "surname": "нет фамилии или имени",
    "birth_date": "неверная дата рождения",
    "snils": "неверный СНИЛС",
    "identity": "СНИЛС другого человека",
    "ambiguous": "несколько заявителей в базе",
    "sex": "не определён пол",
    "service": "неизвестная услуга",
    "year": "неверный год",
    "number": "номер дела",
    "exists": "дело уже есть",
    "box": "короб или полка",
    "sheets": "число листов",
}


class RegisterProblem(InvalidInput):
    """The file as a whole cannot be read (message in Russian, for the file field)."""

    def __init__(self, message: str):
        super().__init__(message, field="file")


# ------------------------------------------------------------------ reading the file


def register_format(filename: str) -> str:
    """'xlsx' or 'csv' for the register's file name; anything else is refused."""
    try:
        fmt = file_format(filename)
    except FileProblem as exc:
        raise RegisterProblem("Загрузите файл .xlsx или .csv") from exc
    if fmt not in ("xlsx", "csv"):
        raise RegisterProblem("Загрузите файл .xlsx или .csv")
    return fmt


def check_upload(data: bytes, fmt: str) -> None:
    """The content must match the name: text for .csv, an OOXML workbook for .xlsx."""
    try:
        check_content(data, "xlsx" if fmt == "xlsx" else "text", encodings=ENCODINGS)
    except FileTypeMismatch as exc:
        raise RegisterProblem(str(exc)) from exc


@dataclass
class Head:
    """The register's header line (as the file numbers it), its columns and first rows."""

    line: int
    columns: list[str]
    sample: list[list[str]]


def _header_key(text: str) -> str:
    text = re.sub(r"\(.*?\)", "", normalize_search(str(text or "")))
    return re.sub(r"[\s.№:*\"«»\-]", "", text)


def _table(path: Path, fmt: str):
    """The file's (line, values): XLSX by the fast reader, CSV as selections read it."""
    if fmt != "xlsx":
        yield from read_table(path, fmt)
        return
    try:
        yield from xlsx.iter_rows(path)
    except xlsx.XlsxProblem as exc:
        raise FileProblem(str(exc)) from exc


def _recognised(columns: list[str]) -> int:
    return len(guess_mapping(columns))


def read_head(path: Path, fmt: str, *, sample_rows: int = 5) -> Head:
    """Find the header (the line among the first ones whose columns are best recognised)."""
    lines: list[tuple[int, list]] = []
    try:
        it = _table(path, fmt)
        try:
            for line_no, values in it:
                lines.append((line_no, values))
                if len(lines) >= HEADER_SEARCH_LINES + sample_rows:
                    break
        finally:
            it.close()
    except FileProblem as exc:
        raise RegisterProblem(str(exc)) from exc
    if not lines:
        raise RegisterProblem("Файл пуст")
    best = 0
    for i, (_line, values) in enumerate(lines[:HEADER_SEARCH_LINES]):
        if _recognised(header_names(values)) > _recognised(header_names(lines[best][1])):
            best = i
    columns = header_names(lines[best][1])
    sample = [[cell_text(v) for v in values][:len(columns)]
              for _line, values in lines[best + 1:best + 1 + sample_rows]]
    return Head(line=lines[best][0], columns=columns, sample=sample)


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """Propose field → column from the usual header spellings (exact first, then prefixes)."""
    keys = {c: _header_key(c) for c in columns}
    result: dict[str, str] = {}
    for exact in (True, False):
        for field_name, spellings in SYNONYMS.items():
            if field_name in result:
                continue
            for column, key in keys.items():
                if column in result.values() or not key:
                    continue
                if key in spellings if exact else any(
                        len(s) >= 5 and key.startswith(s) for s in spellings):
                    result[field_name] = column
                    break
    if "surname" in result and "full_name" in result:
        del result["full_name"]
    return result


def clean_mapping(raw: dict[str, str], columns: list[str]) -> dict[str, str]:
    """Keep known fields mapped to existing columns; refuse a mapping that cannot work."""
    mapping = {f: c for f, c in raw.items() if f in FIELDS and c}
    missing = [c for c in mapping.values() if c not in columns]
    if missing:
        raise InvalidInput("В файле нет столбцов: " + ", ".join(f"«{c}»" for c in missing),
                           field="mapping")
    used = list(mapping.values())
    twice = sorted({c for c in used if used.count(c) > 1})
    if twice:
        raise InvalidInput("Столбец сопоставлен с двумя полями: " + ", ".join(
            f"«{c}»" for c in twice), field="mapping")
    if "full_name" not in mapping and "surname" not in mapping:
        raise InvalidInput("Укажите столбец ФИО или столбцы Фамилия, Имя, Отчество",
                           field="mapping")
    if "full_name" in mapping and "surname" in mapping:
        raise InvalidInput("ФИО — либо одним столбцом, либо тремя (Фамилия, Имя, Отчество)",
                           field="mapping")
    if "service" not in mapping:
        raise InvalidInput("Укажите столбец услуги", field="mapping")
    return mapping


def find_profile(session: Session, columns: list[str]) -> ImportProfile | None:
    """The most recently used profile whose columns the file has."""
    profiles = session.scalars(select(ImportProfile).order_by(
        ImportProfile.last_used_at.desc().nulls_last(), ImportProfile.id.desc()))
    for profile in profiles:
        mapping = profile.mapping
        if mapping and all(c in columns for c in mapping.values()):
            return profile
    return None


def save_profile(session: Session, *, name: str, mapping: dict[str, str],
                 user_id: int | None, now: datetime) -> ImportProfile:
    """Create the named profile or update its mapping; it becomes the most recent one."""
    name = " ".join((name or "").split())[:120]
    if not name:
        raise InvalidInput("Укажите название профиля", field="profile_name")
    profile = session.scalar(select(ImportProfile).where(ImportProfile.name == name))
    if profile is None:
        profile = ImportProfile(name=name, created_by_id=user_id, created_at=now)
        session.add(profile)
    profile.mapping = mapping
    profile.last_used_at = now
    session.flush()
    return profile


def read_rows(path: Path, fmt: str, *, head: Head, mapping: dict[str, str]) -> list[dict]:
    """The register's rows below the header as {field: text, "line": line number}."""
    index = {f: head.columns.index(c) for f, c in mapping.items()}
    rows: list[dict] = []
    try:
        for line_no, values in _table(path, fmt):
            if line_no <= head.line:
                continue
            row = {f: " ".join(cell_text(values[i]).split()) if i < len(values) else ""
                   for f, i in index.items()}
            if not any(row.values()):
                continue
            row["line"] = line_no
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise RegisterProblem(TOO_MANY_ROWS)
    except FileProblem as exc:
        raise RegisterProblem(str(exc)) from exc
    if not rows:
        raise RegisterProblem("В файле нет строк под заголовком")
    return rows


def read_register(data: bytes, filename: str,
                  mapping: dict[str, str] | None = None) -> list[dict]:
    """The rows of a register given as bytes (scripts, tests), columns proposed unless given."""
    fmt = register_format(filename)
    check_upload(data, fmt)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"register.{fmt}"
        path.write_bytes(data)
        head = read_head(path, fmt)
        mapping = clean_mapping(mapping or guess_mapping(head.columns), head.columns)
        return read_rows(path, fmt, head=head, mapping=mapping)


# ------------------------------------------------------------------ notations


_YEARS = re.compile(r"(\d{4})(?:\s*[-–—]\s*(\d{4}))?")
_YEAR_NOISE = re.compile(r"\b(?:гг|г|годы|год|с|по)\b\.?", re.IGNORECASE)
_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.(\d{4})")
_BOX = re.compile(r"(?:короб(?:ка)?|кор|к|box|№|n|#)?\s*[.\-№#]?\s*(\d{1,6})")
_NUMBERS = re.compile(r"\d+")


def parse_years(raw: str) -> tuple[int, int | None]:
    """'2015', '2015–2020', '2015-2020 гг.', a date → (first, last); ValueError otherwise."""
    text = _YEAR_NOISE.sub(" ", raw or "").strip()
    m = _DATE.fullmatch(text)
    if m:
        return int(m.group(1)), None
    m = _YEARS.fullmatch(" ".join(text.split()))
    if not m:
        raise ValueError(raw)
    return int(m.group(1)), int(m.group(2)) if m.group(2) else None


def parse_box(raw: str) -> int:
    """'К-001', 'Короб 12', '№5', 'к.7', '12' → the box number; ValueError otherwise."""
    m = _BOX.fullmatch(normalize_search(raw))
    if not m:
        raise ValueError(raw)
    return int(m.group(1))


def parse_shelf(shelf_raw: str, rack_raw: str = "") -> tuple[int, int]:
    """'Ст.3/П.2', '3-2', '3/2', 'стеллаж 3 полка 2' (or a rack column) → (rack, shelf)."""
    numbers = [int(n) for n in _NUMBERS.findall(rack_raw or "")] + \
        [int(n) for n in _NUMBERS.findall(shelf_raw or "")]
    if len(numbers) != 2 or not all(0 < n < 1000 for n in numbers):
        raise ValueError(shelf_raw)
    return numbers[0], numbers[1]


def split_name(full: str) -> tuple[str, str, str]:
    """'Петрова Водкина Анна Ивановна' → ('Петрова-Водкина', 'Анна', 'Ивановна')."""
    parts = full.split()
    if len(parts) == 4 and re.search(r"(вич|вна|чна|оглы|кызы)$", parts[3].casefold()):
        parts = [f"{parts[0]}-{parts[1]}"] + parts[2:]
    if len(parts) > 3:
        parts = parts[:2] + [" ".join(parts[2:])]
    parts += [""] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


def _sex(raw: str, name: str, patronymic: str) -> str | None:
    text = normalize_search(raw)
    if text[:1] in ("м", "m"):
        return "M"
    if text[:1] in ("ж", "f"):
        return "F"
    return guess_sex(name or None, patronymic or None)


def _name_key(surname: str, name: str, patronymic: str | None) -> tuple[str, str, str]:
    return (normalize_person_key(surname), normalize_person_key(name),
            normalize_person_key(patronymic or ""))


def _same_name(a: tuple[str, str, str], b: tuple[str, str, str]) -> bool:
    """ё = е, hyphen = space, any case; a patronymic missing on one side is no difference."""
    return a[:2] == b[:2] and (not a[2] or not b[2] or a[2] == b[2])


def _search_names(surname: str, name: str, patronymic: str) -> set[str]:
    """Applicant.search_name values this name may be stored as (double surname either way)."""
    rest = normalize_search(" ".join(p for p in (name, patronymic) if p))
    family = normalize_search(surname)
    return {f"{s} {rest}".strip() for s in (family, family.replace(" ", "-"),
                                             family.replace("-", " "))}


def _person(applicant: Applicant) -> str:
    return f"{applicant.full_name}, {format_date(applicant.birth_date)}"


# ------------------------------------------------------------------ checking


@dataclass
class RegisterRow:
    line: int
    values: dict
    applicant_id: int | None = None
    applicant_name: str = ""
    # A person the import creates: their data, and the line that introduces them.
    new_person: dict | None = None
    person_line: int | None = None
    service_code: str | None = None
    service_spelling: str | None = None
    service_proposal: str | None = None
    year: int | None = None
    end_year: int | None = None
    sheets: int = 0
    number: str = ""
    box_id: int | None = None
    new_box: dict | None = None
    # Several people in the base share the name and birth date: {id, label} to pick from.
    candidates: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def fail(self, kind: str, message: str) -> None:
        self.kinds.append(kind)
        self.errors.append(message)


@dataclass
class Preview:
    """Every row checked, with the counts by problem kind and the unknown service spellings."""

    rows: list[RegisterRow]

    @property
    def good(self) -> list[RegisterRow]:
        return [r for r in self.rows if r.ok]

    @property
    def problems(self) -> list[RegisterRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """(kind, name, rows) for each kind present, in the order of KINDS."""
        per_kind = Counter(k for r in self.rows for k in set(r.kinds))
        return [(k, name, per_kind[k]) for k, name in KINDS.items() if per_kind[k]]

    @property
    def new_people(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.new_person and r.person_line == r.line)

    @property
    def spellings(self) -> list[tuple[str, str | None, int]]:
        """(spelling as written, proposed service code, rows) of the unknown services."""
        found: dict[str, list] = {}
        for r in self.rows:
            if r.service_spelling:
                entry = found.setdefault(r.service_spelling, [r.service_proposal, 0])
                entry[1] += 1
        return [(s, p, n) for s, (p, n) in found.items()]


class ServiceMatcher:
    """A register's service text → catalog code: exact codes and names, confirmed spellings.

    Anything else (an abbreviation, a typo) gets a proposal the archivist confirms once;
    the confirmed spelling is remembered (:class:`ServiceSpelling`).
    """

    def __init__(self, session: Session):
        services = list(session.scalars(select(Service)))
        self.names = {s.code: s.short_name for s in services}
        self.exact: dict[str, str] = {}
        for s in services:
            self.exact[normalize_search(s.code)] = s.code
            self.exact[normalize_search(s.short_name)] = s.code
            self.exact[normalize_search(s.name)] = s.code
        for spelling in session.scalars(select(ServiceSpelling).options(
                selectinload(ServiceSpelling.service))):
            self.exact[spelling.spelling] = spelling.service.code
        self._by_name = {normalize_search(s.short_name): s.code for s in services}
        self._acronyms: dict[str, str] = {}
        for s in services:
            words = normalize_search(s.short_name).replace("-", " ").split()
            self._acronyms.setdefault(words[0], s.code)
            self._acronyms.setdefault("".join(w[0] for w in words if len(w) > 2), s.code)

    def match(self, raw: str) -> tuple[str | None, str | None]:
        """(code, None) when known; (None, proposed code or None) when to be confirmed."""
        norm = normalize_search(raw)
        if norm in self.exact:
            return self.exact[norm], None
        compact = norm.replace(" ", "").replace(".", "")
        if compact in self._acronyms:
            return None, self._acronyms[compact]
        first = norm.split()[0] if norm else ""
        if len(first) <= 6 and first in self._acronyms:
            return None, self._acronyms[first]
        close = difflib.get_close_matches(norm, list(self._by_name), n=1, cutoff=0.75)
        if close:
            return None, self._by_name[close[0]]
        for name, code in self._by_name.items():
            if len(norm) >= 5 and (name.startswith(norm) or norm.startswith(name)):
                return None, code
        return None, None


def remember_spellings(session: Session, chosen: dict[str, str], *, user_id: int | None,
                       now: datetime) -> int:
    """Remember spelling → service code (the archivist confirmed them); returns how many."""
    services = {s.code: s for s in session.scalars(select(Service))}
    saved = 0
    for raw, code in chosen.items():
        spelling = normalize_search(raw)[:200]
        if not spelling or code not in services:
            continue
        entry = session.scalar(select(ServiceSpelling).where(
            ServiceSpelling.spelling == spelling))
        if entry is None:
            entry = ServiceSpelling(spelling=spelling, created_by_id=user_id, created_at=now)
            session.add(entry)
        entry.service_id = services[code].id
        saved += 1
    session.flush()
    return saved


def _chunks(values: Iterable, size: int = CHUNK):
    items = list(values)
    for i in range(0, len(items), size):
        yield items[i:i + size]


class _Lookups:
    """What the rows need from the database, fetched in chunks before the rows are checked."""

    def __init__(self, session: Session, parsed: list[dict]):
        self.by_snils: dict[str, Applicant] = {}
        self.by_name: dict[str, list[Applicant]] = {}
        snils = {p["snils"] for p in parsed if p.get("snils")}
        names = set().union(*(p["search_names"] for p in parsed)) if parsed else set()
        for chunk in _chunks(snils):
            for a in session.scalars(select(Applicant).where(Applicant.snils.in_(chunk))):
                self.by_snils[a.snils] = a
        for chunk in _chunks(names):
            for a in session.scalars(select(Applicant).where(Applicant.search_name.in_(chunk))):
                self.by_name.setdefault(a.search_name, []).append(a)
        numbers = {p["number"] for p in parsed if p.get("number")}
        self.live_numbers: set[str] = set()
        for chunk in _chunks(numbers):
            self.live_numbers.update(session.scalars(select(CaseFile.number).where(
                CaseFile.number.in_(chunk), CaseFile.status != "cancelled")))
        people = {a.id for a in self.by_snils.values()} | {
            a.id for found in self.by_name.values() for a in found}
        self.open_files: dict[tuple[int, str], str] = {}
        for chunk in _chunks(people):
            for number, applicant_id, code in session.execute(
                    select(CaseFile.number, CaseFile.applicant_id, Service.code)
                    .join(Service, CaseFile.service_id == Service.id)
                    .where(CaseFile.applicant_id.in_(chunk),
                           CaseFile.status.not_in(("cancelled", "destroyed")))):
                self.open_files[(applicant_id, code)] = number
        self.boxes: dict[tuple[str, int, int, int], ArchiveBox] = {}
        self.box_labels: dict[str, list[ArchiveBox]] = {}
        self.barcodes: dict[str, ArchiveBox] = {}
        for box in session.scalars(select(ArchiveBox).options(
                selectinload(ArchiveBox.shelf).selectinload(ArchiveShelf.rack)
                .selectinload(ArchiveRack.room))):
            shelf = box.shelf
            self.boxes[(shelf.rack.room.name, shelf.rack.number, shelf.number, box.number)] = box
            self.barcodes[box.barcode] = box
            if box.label:
                self.box_labels.setdefault(normalize_search(box.label), []).append(box)

    def candidates(self, search_names: set[str], birth: date | None) -> list[Applicant]:
        found = {a.id: a for n in search_names for a in self.by_name.get(n, ())}
        return [a for a in found.values() if birth is None or a.birth_date == birth]


def _parse(values: dict) -> dict:
    """The person's fields of a row (no database): name parts, key, search names."""
    if values.get("full_name") is not None and "surname" not in values:
        surname, name, patronymic = split_name(values.get("full_name", ""))
    else:
        surname, name, patronymic = (values.get("surname", ""), values.get("name", ""),
                                     values.get("patronymic", ""))
    parsed = {"surname": surname, "name": name, "patronymic": patronymic,
              "key": _name_key(surname, name, patronymic),
              "search_names": _search_names(surname, name, patronymic) if surname else set(),
              "number": values.get("number", "").strip()}
    try:
        parsed["snils"] = snils_from_cell(values.get("snils", ""))
    except ValueError as exc:
        parsed["snils"], parsed["snils_error"] = None, str(exc)
    return parsed


def check_register(session: Session, rows: list[dict], *, today: date,
                   progress: Callable[[str, int, int], None] | None = None,
                   chosen: dict[int, int] | None = None) -> Preview:
    """Check every row against the database and the rows above it; nothing is written.

    ``chosen`` is the archivist's pick (register line → applicant id) where several
    people share the row's name and birth date. ``progress("check", done, total)`` is
    called every :data:`IMPORT_CHUNK` rows.
    """
    parsed = [_parse(v) for v in rows]
    lookups = _Lookups(session, parsed)
    services = ServiceMatcher(session)
    seen_rows: dict[tuple, int] = {}
    seen_numbers: dict[str, int] = {}
    # СНИЛС → (line, name key, birth date, name) of the first row that gave it.
    seen_snils: dict[str, tuple[int, tuple, date | None, str]] = {}
    # New people of this file, by СНИЛС and by (name key, birth date) → the row that adds them.
    new_by_snils: dict[str, RegisterRow] = {}
    new_by_name: dict[tuple, RegisterRow] = {}
    seen_pairs: dict[tuple, int] = {}
    box_places: dict[str, tuple] = {}
    # Registers repeat their services, years, boxes and names: normalise each text once.
    norm = functools.lru_cache(maxsize=65536)(normalize_search)
    result = []
    for values, p in zip(rows, parsed, strict=True):
        if progress is not None and len(result) % IMPORT_CHUNK == 0:
            progress("check", len(result), len(rows))
        row = RegisterRow(line=values["line"], values=values)
        result.append(row)
        signature = tuple(sorted((k, norm(v)) for k, v in values.items() if k != "line"))
        if signature in seen_rows:
            row.fail("duplicate", f"точный повтор строки {seen_rows[signature]}")
            continue
        seen_rows[signature] = row.line
        _check_person(row, p, values, lookups, today=today, seen_snils=seen_snils,
                      new_by_snils=new_by_snils, new_by_name=new_by_name,
                      chosen=chosen or {})
        _check_service(row, values, services)
        _check_years(row, values, today=today)
        _check_number(row, p["number"], lookups, seen_numbers)
        person = row.applicant_id or (f"new:{row.person_line}" if row.new_person else None)
        if person is not None and row.service_code:
            existing = lookups.open_files.get((row.applicant_id, row.service_code))
            if existing:
                row.fail("exists", f"у заявителя уже есть дело по этой услуге ({existing})")
            elif (person, row.service_code) in seen_pairs:
                row.fail("exists", "у заявителя уже есть дело по этой услуге в строке "
                         f"{seen_pairs[(person, row.service_code)]}")
            else:
                seen_pairs[(person, row.service_code)] = row.line
        _check_box(row, values, lookups, box_places)
        sheets = values.get("sheets", "")
        if sheets:
            if sheets.isdigit() and int(sheets) <= 10000:
                row.sheets = int(sheets)
            else:
                row.fail("sheets", f"листов «{sheets}» — не число от 0 до 10000")
    if progress is not None:
        progress("check", len(result), len(rows))
    return Preview(rows=result)


def _check_person(row: RegisterRow, p: dict, values: dict, lookups: _Lookups, *,
                  today: date, seen_snils: dict, new_by_snils: dict, new_by_name: dict,
                  chosen: dict[int, int]) -> None:
    surname, name, patronymic = p["surname"], p["name"], p["patronymic"]
    full = " ".join(x for x in (surname, name, patronymic) if x)
    row.applicant_name = full
    readable = True
    if not surname:
        row.fail("surname", "не указана фамилия")
        readable = False
    elif not name:
        row.fail("surname", "не указано имя")
        readable = False
    birth = None
    try:
        birth = date_from_cell(values.get("birth_date", ""))
    except ValueError as exc:
        row.fail("birth_date", f"дата рождения {exc}")
        readable = False
    if birth is not None and birth > today:
        row.fail("birth_date", f"дата рождения {format_date(birth)} — в будущем")
        readable = False
    elif birth is not None and birth.year < 1900:
        row.fail("birth_date", f"дата рождения {format_date(birth)} невозможна")
        readable = False
    if p.get("snils_error"):
        row.fail("snils", p["snils_error"].replace(" — ", ": ", 1))
        readable = False
    if not readable:
        return
    snils, key = p["snils"], p["key"]
    if snils:
        other = lookups.by_snils.get(snils)
        if other is not None:
            same = _same_name(_name_key(other.surname, other.name, other.patronymic), key) \
                and (birth is None or other.birth_date == birth)
            if same:
                row.applicant_id, row.applicant_name = other.id, _person(other)
            else:
                row.fail("identity", f"СНИЛС {format_snils(snils)} в базе принадлежит другому "
                         f"человеку: {_person(other)}")
            return
        first = seen_snils.get(snils)
        if first is not None and not (_same_name(first[1], key) and (
                first[2] is None or birth is None or first[2] == birth)):
            row.fail("identity", f"СНИЛС {format_snils(snils)} уже указан в строке {first[0]} "
                     f"у другого человека: {first[3]}")
            return
        if first is None:
            seen_snils[snils] = (row.line, key, birth, full)
    if birth is None:
        row.fail("birth_date", "не указана дата рождения (без неё заявителя не найти "
                 "и не создать)")
        return
    candidates = lookups.candidates(p["search_names"], birth)
    candidates = [a for a in candidates
                  if _same_name(_name_key(a.surname, a.name, a.patronymic), key)]
    if snils:
        with_other = [a for a in candidates if a.snils and a.snils != snils]
        candidates = [a for a in candidates if not a.snils]
        if not candidates and with_other:
            row.fail("identity", f"в базе {_person(with_other[0])} с другим СНИЛС "
                     f"({mask_snils(with_other[0].snils)})")
            return
    if len(candidates) == 1:
        row.applicant_id, row.applicant_name = candidates[0].id, _person(candidates[0])
        return
    if len(candidates) > 1:
        picked = next((a for a in candidates if a.id == chosen.get(row.line)), None)
        if picked is not None:
            row.applicant_id, row.applicant_name = picked.id, _person(picked)
            row.notes.append("заявитель выбран архивистом из нескольких")
            return
        row.candidates = [{"id": a.id, "label": f"{_person(a)}, СНИЛС "
                           f"{mask_snils(a.snils) if a.snils else 'нет'}"}
                          for a in sorted(candidates, key=lambda a: a.id)[:20]]
        row.fail("ambiguous", "в базе несколько заявителей с такими ФИО и датой рождения: "
                 + "; ".join(c["label"] for c in row.candidates[:5])
                 + " — выберите заявителя ниже или укажите СНИЛС в реестре")
        return
    first_row = (new_by_snils.get(snils) if snils else None) or new_by_name.get((key, birth))
    if first_row is not None:
        row.new_person, row.person_line = first_row.new_person, first_row.line
        row.applicant_name = f"{full}, {format_date(birth)} (новый, как в строке {first_row.line})"
        return
    sex = _sex(values.get("sex", ""), name, patronymic)
    if sex is None:
        row.fail("sex", "не удалось определить пол по имени и отчеству — добавьте столбец «Пол»")
        return
    row.new_person = {"surname": surname, "name": name, "patronymic": patronymic or None,
                      "birth_date": birth.isoformat(), "snils": snils, "sex": sex}
    row.person_line = row.line
    row.applicant_name = f"{full}, {format_date(birth)}"
    row.notes.append("заявитель будет создан")
    if snils:
        new_by_snils[snils] = row
    new_by_name[(key, birth)] = row


def _check_service(row: RegisterRow, values: dict, services: ServiceMatcher) -> None:
    raw = values.get("service", "")
    if not raw:
        row.fail("service", "не указана услуга")
        return
    code, proposal = services.match(raw)
    if code:
        row.service_code = code
        return
    row.service_spelling, row.service_proposal = raw, proposal
    hint = f" — похоже на «{services.names[proposal]}», подтвердите соответствие" \
        if proposal else ""
    row.fail("service", f"услуга «{raw}» не найдена в перечне{hint}")


def _check_years(row: RegisterRow, values: dict, *, today: date) -> None:
    raw = values.get("years", "")
    if not raw:
        row.year = today.year
        row.notes.append("год не указан — текущий")
        return
    try:
        row.year, row.end_year = parse_years(raw)
    except ValueError:
        row.fail("year", f"годы «{raw}» не читаются: ожидается 2015 или 2015–2020")
        return
    if not 1900 <= row.year <= today.year or (row.end_year and row.end_year > today.year):
        row.fail("year", f"годы «{raw}»: год вне 1900–{today.year}")
    elif row.end_year and row.end_year < row.year:
        row.fail("year", f"годы «{raw}»: начало позже конца")


def _check_number(row: RegisterRow, number: str, lookups: _Lookups,
                  seen_numbers: dict[str, int]) -> None:
    row.number = " ".join(number.split())
    if not row.number:
        return
    if len(row.number) > 40:
        row.fail("number", f"номер дела «{row.number}» длиннее 40 знаков")
        return
    try:
        barcode_text(row.number)
    except ValueError as exc:
        row.fail("number", str(exc))
        return
    if row.number in lookups.live_numbers:
        row.fail("exists", f"дело с номером {row.number} уже есть")
    elif row.number in seen_numbers:
        row.fail("number", f"номер дела {row.number} уже в строке {seen_numbers[row.number]}")
    else:
        seen_numbers[row.number] = row.line


def _check_box(row: RegisterRow, values: dict, lookups: _Lookups,
               box_places: dict[str, tuple]) -> None:
    raw = values.get("box", "")
    if not raw:
        return
    label = raw[:40]
    box = lookups.barcodes.get(raw.upper())
    if box is not None:
        row.box_id = box.id
        return
    try:
        number = parse_box(raw)
    except ValueError:
        row.fail("box", f"короб «{raw}» не читается (ожидается «К-001», «Короб 12», «№5»)")
        return
    room = values.get("room") or DEFAULT_ROOM
    place = None
    if values.get("shelf") or values.get("rack"):
        try:
            rack, shelf = parse_shelf(values.get("shelf", ""), values.get("rack", ""))
        except ValueError:
            written = " / ".join(v for v in (values.get("rack"), values.get("shelf")) if v)
            row.fail("box", f"стеллаж/полка «{written}» не читается (ожидается «3/2», "
                     "«Ст.3/П.2», «стеллаж 3 полка 2»)")
            return
        place = (room, rack, shelf, number)
    key = normalize_search(label)
    if place is None:
        known = lookups.box_labels.get(key, [])
        if len(known) == 1:
            row.box_id = known[0].id
            return
        place = box_places.get(key)
        if place is None:
            row.fail("box", f"короб «{raw}»: для нового короба укажите стеллаж и полку")
            return
    box = lookups.boxes.get(place)
    if box is not None:
        row.box_id = box.id
        return
    first = box_places.setdefault(key, place)
    if first != place:
        row.fail("box", f"короб «{raw}» в реестре уже стоит на другой полке "
                 f"(стеллаж {first[1]}, полка {first[2]})")
        return
    row.new_box = {"room": place[0], "rack": place[1], "shelf": place[2],
                   "number": place[3], "label": label}
    row.notes.append("короб будет создан")


def chosen_people(raw: dict) -> dict[int, int]:
    """The archivist's picks as stored (JSON keys are text) → {line: applicant id}."""
    return {int(line): int(applicant_id) for line, applicant_id in (raw or {}).items()}


def rows_to_json(rows: list[RegisterRow]) -> list[dict]:
    """The rows as JSON-ready dicts (shallow: dataclasses.asdict deep-copies every value,
    which took seconds for 20,000 rows)."""
    names = [f.name for f in fields(RegisterRow)]
    return [{name: getattr(r, name) for name in names} for r in rows]


def rows_from_json(data: list[dict]) -> list[RegisterRow]:
    return [RegisterRow(**d) for d in data]


# ------------------------------------------------------------------ problem rows to XLSX


def problems_xlsx(rows: list[RegisterRow], *, columns: dict[str, str]) -> bytes:
    """The problem rows as written (mapped columns, original headers) with the cause."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Строки с ошибками"
    fields = list(columns)
    ws.append(["Строка реестра"] + [columns[f] for f in fields] + ["Причина"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        if r.ok:
            continue
        ws.append([r.line] + [_safe(r.values.get(f, "")) for f in fields]
                  + [_safe("; ".join(r.errors))])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _safe(text: str) -> str:
    # A cell starting with = + - @ would be a formula in Excel.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


# ------------------------------------------------------------------ import


def refuse_import(preview: Preview, *, good_only: bool) -> None:
    """Refuse a register with problem rows (unless ``good_only``) or with no good row."""
    problems = preview.problems
    if problems and not good_only:
        raise InvalidInput(f"В реестре строк с ошибками: {len(problems)}. Исправьте их или "
                           "выберите «импортировать только строки без ошибок»")
    if not preview.good:
        raise InvalidInput("Нет строк без ошибок — импортировать нечего")


def begin_import(session: Session, preview: Preview, *, filename: str, user_id: int,
                 now: datetime, good_only: bool = False) -> ImportBatch:
    """Open the batch for a checked register; refused with problem rows unless ``good_only``."""
    refuse_import(preview, good_only=good_only)
    batch = ImportBatch(filename=filename[:255], at=now, user_id=user_id,
                        rows_total=len(preview.rows))
    session.add(batch)
    session.flush()
    return batch


def import_register(session: Session, rows: list[dict], *, filename: str, user_id: int,
                    now: datetime, good_only: bool = False,
                    progress: Callable[[str, int, int], None] | None = None,
                    chunk: int = IMPORT_CHUNK,
                    chosen: dict[int, int] | None = None) -> tuple[ImportBatch, Preview]:
    """Import the rows (re-checked now) as one batch, in register order.

    With any problem row the import is refused unless ``good_only``: then the good rows
    are imported and the others listed in the batch's report. The rows are written
    ``chunk`` at a time, in bulk; ``progress(phase, done, total)`` is called after each
    chunk — a background job commits there, so the write lock is never held long.
    """
    preview = check_register(session, rows, today=now.date(), progress=progress,
                             chosen=chosen)
    batch = begin_import(session, preview, filename=filename, user_id=user_id, now=now,
                         good_only=good_only)
    writer = BatchWriter(session, batch, user_id=user_id, now=now)
    good = preview.good
    for start in range(0, len(good), chunk):
        writer.write(good[start:start + chunk])
        if progress is not None:
            progress("import", min(start + chunk, len(good)), len(good))
    batch = session.get(ImportBatch, batch.id)
    finish_import(session, batch, preview, imported=writer.imported)
    return batch, preview


def finish_import(session: Session, batch: ImportBatch, preview: Preview, *,
                  imported: int) -> None:
    """Count the batch's rows and keep the skipped ones with their causes."""
    batch.rows_imported = imported
    batch.rows_skipped = len(preview.rows) - imported
    batch.report = "\n".join(
        f"строка {r.line}: {r.applicant_name} — {'; '.join(r.errors)}"
        for r in preview.problems) or None
    session.flush()


class BatchWriter:
    """Writes checked rows into a batch in bulk; what it created is kept across chunks."""

    def __init__(self, session: Session, batch: ImportBatch, *, user_id: int, now: datetime):
        self.session, self.batch_id, self.filename = session, batch.id, batch.filename
        self.user_id, self.now = user_id, now
        self.services = {s.code: s for s in session.scalars(select(Service))}
        self.people: dict[int, int] = {}  # the row introducing a new person → applicant id
        self.boxes: dict[tuple, int] = {}  # a new box's place → box id
        self.shelves: dict[tuple, int] = {}  # (room, rack, shelf) → shelf id
        self.imported = 0

    def write(self, rows: list[RegisterRow]) -> None:
        """Write good rows: people, numbers, case files, events and placements, in bulk.

        Core INSERTs (one statement per kind), not the ORM unit of work: the audit rows
        the flush would add are written here, one per created applicant and case file.
        """
        session = self.session
        with session.no_autoflush:
            self._create_people(rows)
            applicant = {r.line: r.applicant_id or self.people[r.person_line] for r in rows}
            numbers = self._numbers(rows, applicant)
            boxes = self._boxes(rows)
            files = [{
                "number": numbers[r.line], "applicant_id": applicant[r.line],
                "service_id": self.services[r.service_code].id, "year": r.year,
                "end_year": r.end_year, "opened_on": date(r.year, 1, 1),
                "opened_by_id": self.user_id, "status": "active", "sheets": r.sheets,
                "box_id": None, "import_batch_id": self.batch_id, "import_row": r.line,
                "note": r.values.get("note") or None, "created_at": self.now} for r in rows]
            placed = self._place(rows, files, boxes)
            ids = self._insert(CaseFile, files, audit_kind="case_file")
            session.execute(insert(CaseFileEvent.__table__), [
                {"case_file_id": i, "at": self.now, "user_id": self.user_id,
                 "kind": "imported", "comment": f"Реестр «{self.filename}», строка {r.line}"}
                for r, i in zip(rows, ids, strict=True)])
            moves = [{"case_file_id": ids[n], "from_box_id": None,
                      "to_box_id": files[n]["box_id"], "at": self.now, "user_id": self.user_id,
                      "warning": warning} for n, warning in placed]
            if moves:
                session.execute(insert(CaseFileMove.__table__), moves)
        self.imported += len(rows)

    def _insert(self, model, values: list[dict], *, audit_kind: str | None = None) -> list[int]:
        """INSERT the rows in one statement; their ids in order; audited like a flush."""
        table = model.__table__
        ids = list(self.session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), values).scalars())
        actor = self.session.info.get(ACTOR_KEY)
        if audit_kind and actor is not None and actor.id is not None:
            now = clock.now()
            entries = [audit.entry_values(action="create", now=now, user=actor,
                                          remote_addr=actor.remote_addr,
                                          object_type=audit_kind, object_id=str(i))
                       for i in ids]
            self.session.execute(insert(AuditEntry), entries)
            for entry in entries:
                audit.log_entry(entry)
        return ids

    def _create_people(self, rows: list[RegisterRow]) -> None:
        new: dict[int, dict] = {}
        for r in rows:
            if r.applicant_id is None and r.person_line not in self.people \
                    and r.person_line not in new:
                data = dict(r.new_person,
                            birth_date=date.fromisoformat(r.new_person["birth_date"]))
                built = build_applicant(data, today=self.now.date(), user_id=self.user_id)
                new[r.person_line] = {c.key: getattr(built, c.key)
                                      for c in inspect(Applicant).column_attrs
                                      if c.key in vars(built)}
        if new:
            ids = self._insert(Applicant, list(new.values()), audit_kind="applicant")
            self.people.update(zip(new, ids, strict=True))

    def _numbers(self, rows: list[RegisterRow], applicant: dict[int, int]) -> dict[int, str]:
        """The office's number; else the one an undone import gave; else the next ones."""
        numbers = {r.line: r.number for r in rows if r.number}
        rest = [r for r in rows if not r.number]
        previous: dict[tuple[int, int], list[str]] = {}
        ids = {applicant[r.line] for r in rest}
        for part in _chunks(ids):
            for number, applicant_id, service_id in self.session.execute(
                    select(CaseFile.number, CaseFile.applicant_id, CaseFile.service_id)
                    .where(CaseFile.applicant_id.in_(part), CaseFile.status == "cancelled")
                    .order_by(CaseFile.id.desc())):
                previous.setdefault((applicant_id, service_id), []).append(number)
        candidates = {n for found in previous.values() for n in found}
        live: set[str] = set()
        for part in _chunks(candidates):
            live.update(self.session.scalars(select(CaseFile.number).where(
                CaseFile.number.in_(part), CaseFile.status != "cancelled")))
        fresh: dict[tuple[str, int], list[RegisterRow]] = {}
        for r in rest:
            key = (applicant[r.line], self.services[r.service_code].id)
            free = [n for n in previous.get(key, []) if n not in live]
            if free:
                numbers[r.line] = free[0]
                live.add(free[0])
            else:
                fresh.setdefault((r.service_code, r.year), []).append(r)
        for (code, year), group in fresh.items():
            taken = take_case_numbers(self.session, service=self.services[code], year=year,
                                      count=len(group))
            numbers.update((r.line, n) for r, n in zip(group, taken, strict=True))
        return numbers

    def _boxes(self, rows: list[RegisterRow]) -> dict[int, ArchiveBox]:
        """The boxes of the chunk's rows by row line; new ones inserted together, locked."""
        new: dict[tuple, dict] = {}
        for r in rows:
            if r.box_id is None and r.new_box is not None:
                spec = r.new_box
                place = (spec["room"], spec["rack"], spec["shelf"], spec["number"])
                if place not in self.boxes and place not in new:
                    new[place] = {"shelf_id": self._shelf(spec), "number": spec["number"],
                                  "capacity": DEFAULT_BOX_CAPACITY, "year_from": r.year,
                                  "year_to": r.end_year or r.year, "label": spec["label"],
                                  "import_batch_id": self.batch_id, "created_at": self.now}
        if new:
            numbers = next_values(self.session, journal="archive_boxes", period="all",
                                  count=len(new))
            for values, n in zip(new.values(), numbers, strict=True):
                values["barcode"] = f"{ArchiveBox.BARCODE_PREFIX}{n:06d}"
            self.boxes.update(zip(new, self._insert(ArchiveBox, list(new.values())),
                                  strict=True))
        wanted = {}
        for r in rows:
            if r.box_id is not None:
                wanted[r.line] = r.box_id
            elif r.new_box is not None:
                spec = r.new_box
                wanted[r.line] = self.boxes[(spec["room"], spec["rack"], spec["shelf"],
                                             spec["number"])]
        found = {b.id: b for b in self.session.scalars(
            select(ArchiveBox).where(ArchiveBox.id.in_(set(wanted.values())))
            .options(selectinload(ArchiveBox.group))
            .order_by(ArchiveBox.id).with_for_update())} if wanted else {}
        return {line: found[box_id] for line, box_id in wanted.items()}

    def _shelf(self, spec: dict) -> int:
        key = (spec["room"], spec["rack"], spec["shelf"])
        if key not in self.shelves:
            room = get_or_create_room(self.session, spec["room"])
            self.shelves[key] = get_or_create_shelf(
                self.session, room=room, rack_number=spec["rack"],
                shelf_number=spec["shelf"]).id
        return self.shelves[key]

    def _place(self, rows: list[RegisterRow], files: list[dict],
               boxes: dict[int, ArchiveBox]) -> list[tuple[int, str | None]]:
        """Put the files into their boxes as far as they hold (as place_case_file would)."""
        counts = dict(self.session.execute(
            select(CaseFile.box_id, func.count(CaseFile.id))
            .where(CaseFile.box_id.in_({b.id for b in boxes.values()}))
            .group_by(CaseFile.box_id)).all()) if boxes else {}
        placed = []
        for n, r in enumerate(rows):
            box = boxes.get(r.line)
            if box is None:
                continue
            count = counts.get(box.id, 0)
            if count >= box.capacity:
                r.notes.append(f"не размещено: Короб {box.barcode} заполнен "
                               f"({count} из {box.capacity})")
                continue
            warnings = []
            if count + 1 == box.capacity:
                warnings.append("Короб заполнен: это последнее место")
            service = self.services[r.service_code]
            if box.group_code and service.group_code != box.group_code:
                warnings.append(f"Дело другой группы услуг (короб: {box.group.name})")
            if (box.year_from and r.year < box.year_from) or (
                    box.year_to and r.year > box.year_to):
                warnings.append(f"Дело {r.year} г. — короб для {box.years_label} гг.")
            r.notes.extend(warnings)
            counts[box.id] = count + 1
            files[n]["box_id"] = box.id
            placed.append((n, "; ".join(warnings) or None))
        return placed


def undo_import(session: Session, batch: ImportBatch, *, reason: str, user_id: int,
                now: datetime) -> int:
    """Cancel a batch's case files in one step; returns how many.

    Registered records are never deleted: each file is marked cancelled with the reason,
    who and when, taken out of its box (the move history stays) and no longer counts as
    a live file — its number and its (applicant, service) pair are free for a corrected
    register. Boxes the batch created stay unless nothing was ever filed into them;
    applicants it created stay (they are people, and a re-import finds them again).
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

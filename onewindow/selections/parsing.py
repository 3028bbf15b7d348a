"""Reading incoming files (CSV, XLSX, DBF) as streams of rows, and checking each row.

Every reader yields ``(line_no, values)`` with the header first and never holds the whole
file in memory: CSV is decoded incrementally, XLSX is opened read-only, DBF is read record
by record. ``line_no`` is what the specialist sees in the file (1 = header line).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dbfread import DBF
from openpyxl import load_workbook

from ..core import clock

# cell_text lives in core (shared with the archive register); imported from here too.
from ..core.cells import cell_text, date_from_cell, snils_from_cell
from ..core.text import normalize_person_key
from .models import FIELDS

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".dbf": "dbf"}
ENCODINGS = {"auto": "определить автоматически", "utf-8": "UTF-8",
             "cp1251": "Windows-1251", "cp866": "DOS (cp866)"}
DELIMITERS = {"auto": "определить автоматически", ";": "точка с запятой",
              ",": "запятая", "tab": "табуляция"}
# A DBF's language driver byte (offset 29) → codec.
DBF_LANGUAGE_DRIVERS = {0x26: "cp866", 0x65: "cp866", 0xC9: "cp1251", 0x57: "cp1251"}


class FileProblem(Exception):
    """The file as a whole cannot be read (message in Russian)."""


def file_format(filename: str) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix not in FORMATS:
        raise FileProblem("Поддерживаются файлы .csv, .xlsx и .dbf")
    return FORMATS[suffix]


# ------------------------------------------------------------------ encodings


def detect_text_encoding(path: Path) -> str:
    """'utf-8-sig' / 'utf-8' when the whole file decodes as UTF-8, else 'cp1251'."""
    with open(path, "rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1251"
    return "utf-8"


def _csv_encoding(path: Path, encoding: str) -> str:
    if encoding in ("", "auto", None):
        return detect_text_encoding(path)
    if encoding == "utf-8":
        with open(path, "rb") as fh:
            if fh.read(3) == codecs.BOM_UTF8:
                return "utf-8-sig"
    return encoding


def detect_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _delimiter(value: str | None, first_line: str) -> str:
    if value in (None, "", "auto"):
        return detect_delimiter(first_line)
    return "\t" if value == "tab" else value


# ---------------------------------------------------------------------- readers


@dataclass
class Progress:
    """How far a reader is: ``done`` of ``total`` units (bytes or records)."""

    done: int = 0
    total: int = 0


def _read_csv(path: Path, *, encoding: str, delimiter: str | None,
              progress: Progress) -> Iterator[tuple[int, list]]:
    codec = _csv_encoding(path, encoding)
    progress.total = path.stat().st_size
    raw = open(path, "rb")  # noqa: SIM115 - closed in finally, generator-owned
    try:
        text = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")
        try:
            first = text.readline()
        except UnicodeDecodeError as exc:
            raise FileProblem(_encoding_message(codec)) from exc
        delim = _delimiter(delimiter, first)
        lines = _chain_first(first, text)
        reader = csv.reader(lines, delimiter=delim)
        try:
            for values in reader:
                progress.done = raw.tell()
                if not any(v.strip() for v in values):
                    continue
                yield reader.line_num, values
        except UnicodeDecodeError as exc:
            raise FileProblem(_encoding_message(codec) +
                              f" (около строки {reader.line_num + 1})") from exc
        except csv.Error as exc:
            raise FileProblem(f"Строка {reader.line_num}: файл CSV повреждён ({exc})") from exc
        progress.done = progress.total
    finally:
        raw.close()


def _chain_first(first: str, rest) -> Iterator[str]:
    yield first
    yield from rest


def _encoding_message(codec: str) -> str:
    name = ENCODINGS.get(codec.replace("-sig", ""), codec)
    return (f"Файл не читается в кодировке {name}. Выберите другую кодировку "
            "или сохраните файл в UTF-8 / Windows-1251.")


def _read_xlsx(path: Path, *, progress: Progress, **_ignored) -> Iterator[tuple[int, list]]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure: not a readable workbook
        raise FileProblem("Файл XLSX повреждён или не является книгой Excel") from exc
    try:
        ws = wb.worksheets[0]
        progress.total = ws.max_row or 0
        for line_no, values in enumerate(ws.iter_rows(values_only=True), start=1):
            progress.done = line_no
            cells = ["" if v is None else v for v in values]
            if not any(str(v).strip() for v in cells):
                continue
            yield line_no, cells
    finally:
        wb.close()


def dbf_encoding(path: Path) -> str:
    with open(path, "rb") as fh:
        header = fh.read(32)
    if len(header) < 32:
        raise FileProblem("Файл DBF повреждён (нет заголовка)")
    return DBF_LANGUAGE_DRIVERS.get(header[29], "cp866")


def _read_dbf(path: Path, *, encoding: str, progress: Progress,
              **_ignored) -> Iterator[tuple[int, list]]:
    codec = dbf_encoding(path) if encoding in ("", "auto", None) else encoding
    try:
        table = DBF(str(path), encoding=codec, char_decode_errors="strict",
                    ignore_missing_memofile=True)
        names = list(table.field_names)
        progress.total = len(table)
    except Exception as exc:  # noqa: BLE001
        raise FileProblem("Файл DBF повреждён или имеет неизвестный формат") from exc
    yield 1, names
    line_no = 1
    try:
        for record in table:
            line_no += 1
            progress.done = line_no - 1
            yield line_no, [record[n] for n in names]
    except UnicodeDecodeError as exc:
        raise FileProblem(_encoding_message(codec) + f" (запись {line_no})") from exc
    except ValueError as exc:
        raise FileProblem(f"Запись {line_no}: неверное значение в DBF ({exc})") from exc


def read_table(path: Path, fmt: str, *, encoding: str = "auto", delimiter: str = "auto",
               progress: Progress | None = None) -> Iterator[tuple[int, list]]:
    """Rows of the file, header first, as (line number, list of cell values)."""
    progress = progress if progress is not None else Progress()
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "dbf": _read_dbf}[fmt]
    return reader(path, encoding=encoding, delimiter=delimiter, progress=progress)


def preview(path: Path, fmt: str, *, encoding: str, delimiter: str,
            rows: int = 8) -> tuple[list[str], list[list[str]]]:
    """The header and the first rows, as text, for the mapping page."""
    it = read_table(path, fmt, encoding=encoding, delimiter=delimiter)
    try:
        try:
            _line, header = next(it)
        except StopIteration:
            raise FileProblem("Файл пуст") from None
        body = []
        for _line, values in it:
            body.append([cell_text(v) for v in values])
            if len(body) >= rows:
                break
    finally:
        it.close()
    return header_names(header), body


def header_names(header: list) -> list[str]:
    names, seen = [], set()
    for i, value in enumerate(header, start=1):
        name = " ".join(cell_text(value).split()) or f"Столбец {i}"
        while name in seen:
            name += "*"
        seen.add(name)
        names.append(name)
    return names


# ---------------------------------------------------------------- row checking


@dataclass
class Mapped:
    """A checked row ready for staging, or its errors."""

    line_no: int
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def missing_columns(mapping: dict[str, str], header: list[str]) -> list[str]:
    return [col for col in mapping.values() if col and col not in header]


def _date(value, label: str, errors: list[str]) -> date | None:
    try:
        return date_from_cell(value)
    except ValueError as exc:
        errors.append(f"{label}: {exc}")
        return None


def _snils(value, errors: list[str]) -> str | None:
    try:
        return snils_from_cell(value)
    except ValueError as exc:
        errors.append(str(exc))
        return None


def _text(value, limit: int) -> str | None:
    text = " ".join(cell_text(value).split())
    return text[:limit] or None


def check_row(line_no: int, values: list, *, header: list[str],
              mapping: dict[str, str]) -> Mapped:
    """Map one file row to staging values, collecting every reason it is refused."""
    cells = dict(zip(header, values, strict=False))
    errors: list[str] = []

    def get(name: str):
        column = mapping.get(name)
        return cells.get(column, "") if column else ""

    surname, name, patronymic = _text(get("surname"), 100), _text(get("name"), 100), \
        _text(get("patronymic"), 100)
    full = _text(get("full_name"), 300)
    if full and not surname:
        parts = full.split(" ")
        surname = parts[0][:100]
        name = (parts[1] if len(parts) > 1 else None)
        patronymic = " ".join(parts[2:])[:100] or None
    snils = _snils(get("snils"), errors)
    birth_date = _date(get("birth_date"), "Дата рождения", errors)
    event_date = _date(get("event_date"), "Дата события", errors)
    if birth_date and not (date(1900, 1, 1) <= birth_date <= clock.today()):
        errors.append(f"Дата рождения {birth_date:%d.%m.%Y} вне допустимого диапазона")
    if not snils and not (surname and birth_date) and not errors:
        errors.append("Нет ни СНИЛС, ни фамилии с датой рождения — строку не с чем сопоставить")
    mapped_cols = set(mapping.values())
    extra = {k: cell_text(v) for k, v in cells.items() if k not in mapped_cols and cell_text(v)}
    key = normalize_person_key(" ".join(p for p in (surname, name, patronymic) if p))
    return Mapped(line_no=line_no, errors=errors, values={
        "line_no": line_no, "snils": snils, "surname": surname, "name": name,
        "patronymic": patronymic, "birth_date": birth_date,
        "event_type": _text(get("event_type"), 200), "event_date": event_date,
        "name_key": key[:300] or None,
        "extra_json": json.dumps(extra, ensure_ascii=False) if extra else None,
    })


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Map columns by their usual Russian/DBF names when no profile fits."""
    hints = {
        "snils": ("снилс", "snils", "страх", "ss"),
        "full_name": ("фио", "fio"),
        "surname": ("фамилия", "fam", "surname"),
        "name": ("имя", "im", "name"),
        "patronymic": ("отчество", "ot", "otch", "patronymic"),
        "birth_date": ("дата рождения", "др", "dr", "birth", "датарожд", "d_r"),
        "event_type": ("событие", "тип события", "вид", "event", "sob", "prichina", "причина"),
        "event_date": ("дата события", "дата", "date", "data", "dsob"),
    }
    result: dict[str, str] = {}
    lowered = {h: h.casefold().replace("_", " ").strip() for h in header}
    for field_name in FIELDS:
        for h, low in lowered.items():
            if h in result.values():
                continue
            if low in hints[field_name] or (len(hints[field_name][0]) > 3 and
                                            low.startswith(hints[field_name][0])):
                result[field_name] = h
                break
    if "full_name" in result and "surname" in result:
        del result["full_name"]
    return result

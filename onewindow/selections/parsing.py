"""Reading incoming files (CSV, XLSX, DBF) as streams of rows, and checking each row.

Every reader yields ``(line_no, values)`` with the header first and never holds the whole
file in memory: CSV is decoded incrementally, XLSX is opened read-only, DBF is read record
by record. ``line_no`` is what the specialist sees in the file (1 = header line).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from ..core import clock

# cell_text lives in core (shared with the archive register); imported from here too.
from ..core.cells import cell_text, date_from_cell, snils_from_cell
from ..core.tables import (
    Progress,
)
from ..core.text import normalize_person_key, plural_ru
from .models import FIELDS

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


def shape_problem(line_no: int, values: list, progress: Progress) -> str | None:
    """Why a line cannot be read field by field (the cause, before any symptom)."""
    if progress.cut_line == line_no and progress.total and not values:
        return (f"запись оборвана: файл DBF обрезан (в заголовке {progress.total} записей, "
                f"целых в файле {line_no - 1})")
    width = progress.width
    if progress.cut_line == line_no and progress.cut_mid_char:
        return ("строка оборвана: файл обрезан посреди символа UTF-8 (последние байты — "
                "неполная буква). Строка не загружена; запросите файл заново")
    if progress.strict_width and len(values) != width:
        found = f"в строке {_fields(len(values))} вместо {width}"
        if progress.cut_line == line_no:
            return f"строка оборвана: файл заканчивается посреди неё ({found}) — файл обрезан?"
        if len(values) > width:
            return f"{found}: лишний разделитель? Строка не загружена, чтобы данные не сдвинулись"
        return f"{found}: не хватает поля. Строка не загружена, чтобы данные не сдвинулись"
    if not progress.strict_width and width:
        beyond = [i for i, v in enumerate(values[width:], start=width + 1) if cell_text(v)]
        if beyond:
            return (f"значение в столбце {beyond[0]}, правее последнего столбца заголовка "
                    f"({width}): строка сдвинута?")
    return None


def _fields(n: int) -> str:
    return f"{n} {plural_ru(n, ('поле', 'поля', 'полей'))}"


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


# Usual column names of СФР, ЦЗН, ЗАГС and МВД files (casefolded, "_" and "." as spaces):
# exact names first, then prefixes.
_HINTS = {
    "snils": ({"снилс", "snils", "ss", "страховой номер", "нпс"}, ("снилс", "snils", "страх")),
    "full_name": ({"фио", "fio", "ф и о"}, ("фио ", "fio ")),
    "surname": ({"фамилия", "fam", "fam1", "famil", "surname", "last name"}, ("фамил",)),
    "name": ({"имя", "im", "ima", "imya", "name", "first name"}, ("имя ",)),
    "patronymic": ({"отчество", "ot", "otch", "otc", "patronymic", "middle name"},
                   ("отчеств",)),
    "birth_date": ({"др", "dr", "d r", "д р", "birth", "date birth", "birth date", "datr",
                    "dtr", "dater", "birthday", "date b"},
                   ("дата рожд", "датарожд", "дата р ", "date birth", "date of birth",
                    "birth", "dat rozh", "data rozh", "д рожд")),
    "event_type": ({"событие", "тип события", "вид", "event", "sob", "prichina", "причина",
                    "вид события", "kod sob", "type"}, ("событ", "причин", "вид события")),
    "event_date": ({"дата события", "дата", "date", "data", "dsob", "date tr", "date death",
                    "ds", "dat sob", "date event", "дата смерти", "дата тр"},
                   ("дата смерти", "дата событ", "дата трудоустр", "дата уст", "дата сн",
                    "дата назнач", "дата прекр", "date death", "date tr", "date event",
                    "dat sm", "data sm", "дата вып", "дата пер")),
}


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Map columns by the usual names of the sources' files when no profile fits."""
    lowered = {h: " ".join(h.casefold().replace("_", " ").replace(".", " ").split())
               for h in header}
    result: dict[str, str] = {}
    for by_prefix in (False, True):
        for field_name in FIELDS:
            if field_name in result:
                continue
            exact, prefixes = _HINTS[field_name]
            for h, low in lowered.items():
                if h in result.values():
                    continue
                hit = (low.startswith(prefixes) or (low + " ").startswith(prefixes)) \
                    if by_prefix else low in exact
                if hit:
                    result[field_name] = h
                    break
    if "full_name" in result and "surname" in result:
        del result["full_name"]
    return result

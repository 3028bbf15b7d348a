"""Reading the first sheet of an XLSX workbook fast: the values straight from its XML.

openpyxl's read-only mode builds a cell object for every value; a register of 20,000
rows × 12 columns took 9–20 s on the office's (busy) server, most of the preview's time.
This reader parses the sheet with the C XML parser and gives what openpyxl's
``iter_rows(values_only=True)`` gives for what registers hold: text, numbers (int
unless written with a point or an exponent), booleans, error texts and ``datetime``
for date-formatted number cells; rows are numbered as the file numbers them (missing
rows come as empty ones).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import ParseError, iterparse

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Built-in number formats that show a date or time (ECMA-376 18.8.30).
DATE_FORMAT_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(
    range(50, 59))
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)


class XlsxProblem(ValueError):
    """The workbook cannot be read (not a zip, no sheet, broken XML)."""


def _is_date_format(code: str) -> bool:
    code = _QUOTED.sub("", code or "").lower()
    return bool(re.search(r"[dmyhs]", code)) and "general" not in code


def _parse(z: zipfile.ZipFile, name: str, events=("end",)):
    """The XML events of a member, its stream closed when done (or abandoned)."""
    with z.open(name) as stream:
        yield from iterparse(stream, events=events)


def _first_sheet(z: zipfile.ZipFile) -> tuple[str, bool]:
    """The path of the first sheet, and whether dates count from 1904."""
    names = set(z.namelist())
    sheet_rid, date1904 = None, False
    if "xl/workbook.xml" in names:
        for _event, el in _parse(z, "xl/workbook.xml"):
            if el.tag == NS + "workbookPr":
                date1904 = el.get("date1904") in ("1", "true")
            elif el.tag == NS + "sheet" and sheet_rid is None:
                sheet_rid = el.get(REL_NS + "id")
    if sheet_rid and "xl/_rels/workbook.xml.rels" in names:
        for _event, el in _parse(z, "xl/_rels/workbook.xml.rels"):
            if el.tag == PKG_REL + "Relationship" and el.get("Id") == sheet_rid:
                target = el.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else str(
                    PurePosixPath("xl") / target)
                if path in names:
                    return path, date1904
    if "xl/worksheets/sheet1.xml" in names:
        return "xl/worksheets/sheet1.xml", date1904
    raise XlsxProblem("В книге нет листов")


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in z.namelist():
        return []
    strings = []
    for _event, el in _parse(z, "xl/sharedStrings.xml"):
        if el.tag == NS + "si":
            strings.append(_text(el))
            el.clear()
    return strings


def _text(el) -> str:
    """The text of a string item: plain or rich runs, without phonetic hints."""
    parts = []
    for child in el:
        if child.tag == NS + "t":
            parts.append(child.text or "")
        elif child.tag == NS + "r":
            parts.extend(t.text or "" for t in child.iter(NS + "t"))
    return "".join(parts)


def _date_styles(z: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (the ``s`` of a cell) that show dates."""
    if "xl/styles.xml" not in z.namelist():
        return set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    in_xfs = False
    for event, el in _parse(z, "xl/styles.xml", events=("start", "end")):
        if el.tag == NS + "cellXfs":
            in_xfs = event == "start"
        elif event == "end" and el.tag == NS + "numFmt":
            custom[int(el.get("numFmtId", "0"))] = el.get("formatCode", "")
        elif event == "start" and in_xfs and el.tag == NS + "xf":
            formats.append(int(el.get("numFmtId", "0")))
    return {i for i, fmt_id in enumerate(formats)
            if fmt_id in DATE_FORMAT_IDS or (fmt_id in custom and _is_date_format(custom[fmt_id]))}


def _column(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


def _number(text: str):
    # As openpyxl casts: a point or an exponent makes a float.
    return float(text) if "." in text or "E" in text or "e" in text else int(text)


def _date(value: float, date1904: bool):
    if 0 <= value < 1 and not date1904:  # a time of day, as openpyxl reads it
        return (datetime.min + timedelta(days=value)).time()
    if date1904:
        return _EPOCH_1904 + timedelta(days=value)
    if value < 60:  # Excel's phantom 29.02.1900: serials before it are one day off
        value += 1
    moment = _EPOCH_1900 + timedelta(days=value)
    return moment.replace(microsecond=0) if moment.microsecond >= 999000 else moment


def iter_rows(path: Path) -> Iterator[tuple[int, list]]:
    """(line number, values) of the first sheet, from line 1; raises XlsxProblem."""
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise XlsxProblem("Файл не читается как книга Excel (XLSX)") from exc
    with z:
        try:
            sheet, date1904 = _first_sheet(z)
            shared = _shared_strings(z)
            dates = _date_styles(z)
            expected = 1
            for _event, el in _parse(z, sheet):
                if el.tag != NS + "row":
                    continue
                line = int(el.get("r") or expected)
                while expected < line:
                    yield expected, []
                    expected += 1
                yield line, _row(el, shared, dates, date1904)
                expected = line + 1
                el.clear()
        except (ParseError, KeyError, ValueError, IndexError, zipfile.BadZipFile) as exc:
            if isinstance(exc, XlsxProblem):
                raise
            raise XlsxProblem("Файл не читается как книга Excel (XLSX)") from exc


def _row(el, shared: list[str], dates: set[int], date1904: bool) -> list:
    values: list = []
    for c in el:
        if c.tag != NS + "c":
            continue
        ref = c.get("r")
        index = _column(ref) if ref else len(values)
        kind = c.get("t", "n")
        v = c.find(NS + "v")
        raw = v.text if v is not None else None
        if kind == "inlineStr":
            node = c.find(NS + "is")
            value = _text(node) if node is not None else None
        elif raw is None:
            value = None
        elif kind == "s":
            value = shared[int(raw)]
        elif kind in ("str", "e"):
            value = raw
        elif kind == "b":
            value = raw == "1"
        elif kind == "d":
            value = datetime.fromisoformat(raw)
        else:
            value = _number(raw)
            if int(c.get("s", "0")) in dates:
                try:
                    value = _date(float(raw), date1904)
                except (OverflowError, ValueError):
                    value = "#VALUE!"  # as openpyxl shows a date out of range
        values.extend([None] * (index - len(values)))
        values.append(value)
    return values

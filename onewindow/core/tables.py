"""Tables the office receives as files: CSV (any Russian encoding), XLSX and DBF.

Shared by every upload that reads such a file (selections from СФР/ЦЗН, the archive
register). Every line is accounted for: rows come with the line number a viewer shows
(a CSV record's first physical line, a DBF record's number), a cut last line or record is
reported, and a single-byte encoding is told apart (cp1251, cp866, KOI8-R) by Russian
letter frequencies, with a note when it was guessed.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dbfread import DBF
from openpyxl import load_workbook

from .cells import cell_text
from .filetypes import FileTypeMismatch, check_content

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".dbf": "dbf"}
ENCODINGS = {"auto": "определить автоматически", "utf-8": "UTF-8",
             "cp1251": "Windows-1251", "cp866": "DOS (cp866)", "koi8-r": "KOI8-R"}
DELIMITERS = {"auto": "определить автоматически", ";": "точка с запятой",
              ",": "запятая", "tab": "табуляция"}
# A DBF's language driver byte (offset 29) → codec.
DBF_LANGUAGE_DRIVERS = {0x26: "cp866", 0x65: "cp866", 0xC9: "cp1251", 0x57: "cp1251"}


class FileProblem(Exception):
    """The file as a whole cannot be read (message in Russian).

    ``unreadable``: no choice of encoding or delimiter would read it (a broken or crafted
    workbook); a stored draft of it is marked failed instead of being parsed again.
    """

    def __init__(self, message: str, *, unreadable: bool = False):
        super().__init__(message)
        self.unreadable = unreadable


# What an office table never exceeds; a file beyond them is refused while it is read, so a
# crafted file (a million columns, a megabyte header) costs neither memory nor a huge page.
MAX_COLUMNS = 200
MAX_HEADER_CHARS = 200
MAX_CELL_CHARS = 4000
MAX_ROWS = 2_000_000
XLSX_WINDOW = 4 * MAX_COLUMNS


def file_format(filename: str) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix not in FORMATS:
        raise FileProblem("Поддерживаются файлы .csv, .xlsx и .dbf")
    return FORMATS[suffix]


# ------------------------------------------------------------------ encodings

# Russian letter frequencies (per cent, Национальный корпус): the plausibility score of
# a decoding. A KOI8-R or cp866 file read as cp1251 turns «о» into «П» or «®»: the same
# bytes, improbable letters.
_RU_FREQ = {
    "о": 10.97, "е": 8.45, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47,
    "р": 4.73, "в": 4.54, "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81,
    "у": 2.62, "я": 2.01, "ы": 1.90, "ь": 1.74, "г": 1.70, "з": 1.65, "б": 1.59,
    "ч": 1.44, "й": 1.21, "х": 0.97, "ж": 0.94, "ш": 0.73, "ю": 0.64, "ц": 0.48,
    "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04, "ё": 0.04,
}
_LOG_FREQ = {ch: math.log(f / 100) for ch, f in _RU_FREQ.items()}
_IMPLAUSIBLE = math.log(1e-5)
# A mixed-case word («иВАНОВ») costs this much per case flip inside it.
_CASE_FLIP = math.log(1e-6)
SINGLE_BYTE = ("cp1251", "cp866", "koi8-r")
SAMPLE_BYTES = 256 * 1024
# The best decoding must be e^15 times likelier than the next (log-likelihood of the
# whole sample) and rest on enough letters; ALL-CAPS cp1251 vs KOI8-R, the closest pair,
# gains about 0.7 per letter, so a few dozen letters already decide it.
CONFIDENT_MARGIN = 15.0
CONFIDENT_LETTERS = 20


@dataclass
class Detection:
    """Which encoding a text file is in, and how sure the guess is."""

    codec: str  # a Python codec name: utf-8, utf-8-sig, cp1251, cp866, koi8-r
    guessed: bool = False  # chosen by letter plausibility, not by UTF-8 validity
    confident: bool = True
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return ENCODINGS.get(self.codec.replace("-sig", ""), self.codec)


def plausibility(text: str) -> tuple[float, int]:
    """(log-likelihood of the non-ASCII characters, Cyrillic letters seen)."""
    total, letters = 0.0, 0
    for word in text.split():
        flips = 0
        prev_upper = None
        for ch in word:
            if ch.isascii():
                continue
            low = ch.lower()
            if low in _LOG_FREQ:
                letters += 1
                total += _LOG_FREQ[low]
                upper = ch != low
                if prev_upper is False and upper:
                    flips += 1
                prev_upper = upper
            else:
                total += _IMPLAUSIBLE
        total += flips * _CASE_FLIP
    return total, letters


def score_single_byte(sample: bytes) -> Detection:
    """Choose cp1251, cp866 or KOI8-R for bytes that are not UTF-8."""
    scores = {}
    letters = 0
    for codec in SINGLE_BYTE:
        likelihood, seen = plausibility(sample.decode(codec, errors="replace"))
        scores[codec] = likelihood
        letters = max(letters, seen)
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)
    best, second = ranked[0], ranked[1]
    confident = (letters >= CONFIDENT_LETTERS
                 and scores[best] - scores[second] >= CONFIDENT_MARGIN)
    return Detection(best, guessed=True, confident=confident, scores=scores)


def detect_text_encoding(path: Path) -> Detection:
    """UTF-8 (with or without BOM) when the file decodes as such, else the likeliest
    of cp1251 / cp866 / KOI8-R by the plausibility of its Russian letters."""
    with open(path, "rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            return Detection("utf-8-sig")
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
        except UnicodeDecodeError:
            fh.seek(0)
            return score_single_byte(fh.read(SAMPLE_BYTES))
    # Valid up to an incomplete character at the very end: UTF-8 cut short, not
    # another encoding (the reader reports the cut line).
    return Detection("utf-8")


def utf8_dangling_bytes(path: Path) -> int:
    """Bytes of an incomplete UTF-8 character the file ends with (0: none).

    A file cut in the middle of a two- to four-byte character ends with its lead byte
    and fewer continuation bytes than the lead byte announces.
    """
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 3))
        tail = fh.read()
    for back in range(1, len(tail) + 1):
        byte = tail[-back]
        if byte & 0xC0 == 0x80:
            continue  # a continuation byte: look further back for its lead
        if byte >= 0xF0:
            need = 4
        elif byte >= 0xE0:
            need = 3
        elif byte >= 0xC0:
            need = 2
        else:
            return 0
        return back if back < need else 0
    return 0


class _Limited(io.RawIOBase):
    """The first ``limit`` bytes of a binary file (a cut file without its broken tail)."""

    def __init__(self, raw, limit: int) -> None:
        self._raw, self._left = raw, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(min(len(buffer), self._left))
        buffer[:len(data)] = data
        self._left -= len(data)
        return len(data)


def resolve_encoding(path: Path, fmt: str, encoding: str | None) -> Detection:
    """The codec to read the file with: the specialist's choice or a detection."""
    if fmt == "xlsx":
        return Detection("utf-8")
    if fmt == "dbf":
        if encoding not in ("", "auto", None):
            return Detection(encoding)
        return dbf_encoding(path)
    if encoding in ("", "auto", None):
        return detect_text_encoding(path)
    if encoding == "utf-8":
        with open(path, "rb") as fh:
            if fh.read(3) == codecs.BOM_UTF8:
                return Detection("utf-8-sig")
    return Detection(encoding)


def encoding_note(path: Path, fmt: str, encoding: str | None) -> Detection | None:
    """What the mapping page must say about the encoding, or None when nothing.

    A guess (single-byte text, a DBF without a code page) is always shown; a choice the
    letters contradict (cp1251 chosen, the file reads as KOI8-R) is shown as a warning.
    """
    if fmt == "xlsx":
        return None
    if fmt == "csv":
        detected = detect_text_encoding(path)
    else:
        detected = dbf_encoding(path)
        if detected.scores == {}:
            return None  # the file's own code page byte
    if encoding in ("", "auto", None):
        return detected if detected.guessed else None
    chosen = encoding.removesuffix("-sig")
    if detected.guessed and detected.confident and detected.codec != chosen:
        return detected
    if not detected.guessed and chosen != "utf-8":
        return detected  # valid UTF-8 read as single-byte: certain mojibake
    return None


def sample_lines(path: Path, codecs_: tuple[str, ...] = SINGLE_BYTE,
                 lines: int = 4) -> dict[str, list[str]]:
    """The first lines of a text file as they read in each candidate encoding."""
    with open(path, "rb") as fh:
        raw = fh.read(8192).splitlines()[:lines]
    return {codec: [line.decode(codec, errors="replace") for line in raw]
            for codec in codecs_}


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
    """How far a reader is, in lines (CSV, XLSX) or records (DBF).

    ``cut_line`` is the line the file breaks off in (no line end, or a DBF record cut
    short): the file was truncated there.
    """

    done: int = 0
    total: int = 0
    cut_line: int | None = None
    cut_mid_char: bool = False  # the file ends inside a UTF-8 character
    width: int = 0  # fields per line the header declares
    strict_width: bool = False  # CSV: a field more or less shifts the data


def count_lines(path: Path) -> int:
    """Physical lines of a text file (a last line without a line end counts)."""
    lines, last = 0, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last not in (b"\n", b""))


def _ends_mid_line(path: Path) -> bool:
    """True when the file's last byte (ignoring a DOS end-of-file mark) ends no line."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 2))
        tail = fh.read().rstrip(b"\x1a")
    return bool(tail) and tail[-1:] not in (b"\n", b"\r")


def _read_csv(path: Path, *, encoding: str, delimiter: str | None,
              progress: Progress) -> Iterator[tuple[int, list]]:
    codec = resolve_encoding(path, "csv", encoding).codec
    progress.total = count_lines(path)
    progress.strict_width = True
    cut = _ends_mid_line(path)
    dangling = utf8_dangling_bytes(path) if codec in ("utf-8", "utf-8-sig") else 0
    raw = open(path, "rb")  # noqa: SIM115 - closed in finally, generator-owned
    try:
        source = raw
        if dangling:
            # Read up to the broken character; the line it cuts is reported, not decoded.
            progress.cut_mid_char = True
            source = io.BufferedReader(_Limited(raw, path.stat().st_size - dangling))
        text = io.TextIOWrapper(source, encoding=codec, errors="strict", newline="")
        try:
            first = text.readline()
        except UnicodeDecodeError as exc:
            raise FileProblem(_encoding_message(codec)) from exc
        delim = _delimiter(delimiter, first)
        if first.count(delim) >= MAX_COLUMNS:  # before the header is split into a list
            raise FileProblem(_too_many_columns(1, first.count(delim) + 1))
        reader = csv.reader(_chain_first(first, text), delimiter=delim)
        previous: tuple[int, list] | None = None
        try:
            while True:
                # The physical line a record starts on (a quoted field may span lines).
                start = reader.line_num + 1
                try:
                    values = next(reader)
                except StopIteration:
                    break
                progress.done = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if previous is not None:
                    yield previous
                if not progress.width:
                    progress.width = len(values)
                previous = (start, values)
        except UnicodeDecodeError as exc:
            raise FileProblem(_encoding_message(codec) +
                              f" (около строки {reader.line_num + 1})") from exc
        except csv.Error as exc:
            if "field limit" in str(exc):  # csv's own cap (131,072), far above ours
                raise FileProblem(f"Строка {reader.line_num}: значение длиннее "
                                  f"{MAX_CELL_CHARS} знаков — больше предела.") from exc
            raise FileProblem(f"Строка {reader.line_num}: файл CSV повреждён ({exc})") from exc
        if previous is not None:
            # Only the last line can be the one the file was cut in.
            if cut and previous[0] > 1:
                progress.cut_line = previous[0]
            yield previous
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


XLSX_BROKEN = "Файл XLSX повреждён или не является книгой Excel"


def _read_xlsx(path: Path, *, progress: Progress, **_ignored) -> Iterator[tuple[int, list]]:
    try:
        # Again here, not only on upload: a file stored before a check existed (a DTD of
        # nested entities crashed the XML parser) is refused, not parsed.
        check_content(path, "xlsx")
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileTypeMismatch as exc:
        raise FileProblem(str(exc), unreadable=True) from exc
    except Exception as exc:  # noqa: BLE001 - any failure: not a readable workbook
        raise FileProblem(XLSX_BROKEN, unreadable=True) from exc
    try:
        yield from _xlsx_rows(wb, progress)
    except FileProblem:
        raise
    except Exception as exc:  # noqa: BLE001 - broken XML past the first rows
        raise FileProblem(XLSX_BROKEN, unreadable=True) from exc
    finally:
        wb.close()


def _xlsx_rows(wb, progress: Progress) -> Iterator[tuple[int, list]]:
    ws = wb.worksheets[0]
    progress.total = ws.max_row or 0
    # A sheet's declared width may be 16384 (formatting on whole rows), and openpyxl
    # pads every row to it: read a window of XLSX_WINDOW columns; a value past the
    # limit inside it is refused, empty cells there cost nothing.
    rows = ws.iter_rows(values_only=True, max_col=XLSX_WINDOW)
    for line_no, values in enumerate(rows, start=1):
        if len(values) > MAX_COLUMNS and all(v in (None, "") for v in values[MAX_COLUMNS:]):
            values = values[:MAX_COLUMNS]
        progress.done = line_no
        cells = ["" if v is None else v for v in values]
        if not any(str(v).strip() for v in cells):
            continue
        if not progress.width:
            # The header's width: trailing empty cells of the header row don't count.
            while cells and not str(cells[-1]).strip():
                cells.pop()
            progress.width = len(cells)
        yield line_no, cells


def dbf_encoding(path: Path) -> Detection:
    """The code page from the DBF's language driver byte, else by letter plausibility."""
    with open(path, "rb") as fh:
        header = fh.read(32)
        if len(header) < 32:
            raise FileProblem("Файл DBF повреждён (нет заголовка)")
        if header[29] in DBF_LANGUAGE_DRIVERS:
            return Detection(DBF_LANGUAGE_DRIVERS[header[29]])
        header_len = struct.unpack("<H", header[8:10])[0]
        fh.seek(header_len)
        detection = score_single_byte(fh.read(SAMPLE_BYTES))
    if not detection.confident:
        detection.codec = "cp866"  # nothing tells them apart: DOS programs write cp866
    return detection


class _DBF(DBF):
    """dbfread's table, numbering records as a DBF viewer does (deleted ones too)."""

    def numbered(self) -> Iterator[tuple[int, bool, dict | None]]:
        """(record number from 1, deleted?, values or None when cut short)."""
        with open(self.filename, "rb") as infile, self._open_memofile() as memofile:
            infile.seek(self.header.headerlen, 0)
            parse = self.parserclass(self, memofile).parse
            number = 0
            while True:
                sep = infile.read(1)
                if sep in (b"\x1a", b""):
                    break
                number += 1
                raw = infile.read(self.header.recordlen - 1)
                if len(raw) < self.header.recordlen - 1:
                    yield number, False, None
                    break
                if sep == b"*":
                    yield number, True, None
                    continue
                values, offset = {}, 0
                for fld in self.fields:
                    values[fld.name] = parse(fld, raw[offset:offset + fld.length])
                    offset += fld.length
                yield number, False, values


def _read_dbf(path: Path, *, encoding: str, progress: Progress,
              **_ignored) -> Iterator[tuple[int, list]]:
    codec = resolve_encoding(path, "dbf", encoding).codec
    try:
        table = _DBF(str(path), encoding=codec, char_decode_errors="strict",
                     ignore_missing_memofile=True)
        names = list(table.field_names)
        progress.total = table.header.numrecords
    except Exception as exc:  # noqa: BLE001
        raise FileProblem("Файл DBF повреждён или имеет неизвестный формат") from exc
    progress.width = len(names)
    # The header is line 0: records are numbered from 1, as a DBF viewer shows them.
    yield 0, names
    number = 0
    try:
        for number, deleted, values in table.numbered():
            progress.done = number
            if deleted:
                continue  # marked deleted: a viewer shows it struck out; not data
            if values is None:
                progress.cut_line = number
                yield number, []
                break
            yield number, [values[n] for n in names]
    except UnicodeDecodeError as exc:
        raise FileProblem(_encoding_message(codec) + f" (запись {number + 1})") from exc
    except ValueError as exc:
        raise FileProblem(f"Запись {number + 1}: неверное значение в DBF ({exc})") from exc
    if number < table.header.numrecords and progress.cut_line is None:
        # The header promises more records than the file holds.
        progress.cut_line = number + 1
        yield number + 1, []


def read_table(path: Path, fmt: str, *, encoding: str = "auto", delimiter: str = "auto",
               progress: Progress | None = None) -> Iterator[tuple[int, list]]:
    """Rows of the file, header first, as (line number, list of cell values).

    A caller that passes ``progress`` reads ``cut_line`` and reports the cut line itself;
    without it, a file cut inside a UTF-8 character is refused at that line (never a
    last line silently short of its tail).
    """
    own = progress is None
    progress = progress if progress is not None else Progress()
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "dbf": _read_dbf}[fmt]
    rows = _within_limits(reader(path, encoding=encoding, delimiter=delimiter,
                                 progress=progress))
    return _refusing_cut_character(rows, progress) if own else rows


def _refusing_cut_character(rows: Iterator[tuple[int, list]],
                            progress: Progress) -> Iterator[tuple[int, list]]:
    for line_no, values in rows:
        if progress.cut_mid_char and progress.cut_line == line_no:
            raise FileProblem(f"Строка {line_no}: файл обрезан посреди символа UTF-8 "
                              "(последние байты — неполная буква). Запросите файл заново.")
        yield line_no, values


def _too_many_columns(line: int, count: int) -> str:
    return (f"Строка {line}: {count} столбцов — больше предела {MAX_COLUMNS}. "
            "Проверьте разделитель или сохраните только нужные столбцы.")


def _within_limits(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """Refuse, as soon as it is read, a row beyond the limits (columns, cell, header, rows)."""
    try:
        for count, (line, values) in enumerate(rows, start=1):
            if count > MAX_ROWS:
                raise FileProblem(f"В файле больше {MAX_ROWS:,} строк — больше предела; "
                                  "разделите файл на части.".replace(",", " "))
            if len(values) > MAX_COLUMNS:
                raise FileProblem(_too_many_columns(line, len(values)))
            limit = MAX_HEADER_CHARS if count == 1 else MAX_CELL_CHARS
            for column, value in enumerate(values, start=1):
                if isinstance(value, str) and len(value) > limit:
                    what = "заголовок столбца" if count == 1 else "значение"
                    raise FileProblem(f"Строка {line}, столбец {column}: {what} длиннее "
                                      f"{limit} знаков — больше предела.")
            yield line, values
    finally:
        rows.close()


def preview(path: Path, fmt: str, *, encoding: str, delimiter: str,
            rows: int = 8) -> tuple[list[str], list[list[str]]]:
    """The header and the first rows, as text, for the mapping page."""
    # Its own progress: a cut last line is shown here and reported by the load.
    it = read_table(path, fmt, encoding=encoding, delimiter=delimiter, progress=Progress())
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

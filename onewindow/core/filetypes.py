"""What an uploaded file really is: checked by its content, never by its name alone.

Pure Python (no Flask, no database). The upload services call :func:`check_content`
before a file is parsed or kept. Each check reads only what it needs: text is streamed
in chunks, an XLSX's zip directory and its ``[Content_Types].xml`` are read, a DBF's
header and field descriptors are read.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["KINDS", "FileTypeMismatch", "check_content", "client_filename"]

# File name suffix → the kind of content it must have.
KINDS = {".csv": "text", ".txt": "text", ".xlsx": "xlsx", ".dbf": "dbf"}

CHUNK = 1 << 20
# A zip may not unpack to more than this (a "zip bomb" is refused before openpyxl sees it).
MAX_UNCOMPRESSED = 1 << 30
MAX_RATIO = 500
MAX_ZIP_MEMBERS = 10_000
SPREADSHEET_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
# A DTD or entity declaration in an OOXML part: OOXML never needs one, and nested entities
# ("billion laughs") crash or exhaust the XML parser. Searched in UTF-8 and UTF-16 parts.
_DECLARATIONS = tuple(
    re.compile(b"".join(re.escape(ch.encode(encoding)) for ch in word), re.IGNORECASE)
    for word in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_OVERLAP = 32
XML_CHUNK = 1 << 16
# dBase III/IV and FoxPro versions that dbfread reads (first byte of the header).
DBF_VERSIONS = {0x02, 0x03, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0xCB, 0xE5, 0xF5, 0xFB}
DBF_FIELD_TYPES = set("CDNFLMBGPYTIV@O+0QW")

# Control bytes that never occur in a text table (tab, CR, LF and form feed do; a DOS
# end-of-file mark, 0x1A, is allowed as the very last byte only).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")
_EOF_MARK = 0x1A

# Signatures of common non-text files, to say what the file is instead.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "изображение PNG"),
    (b"\xff\xd8\xff", "изображение JPEG"),
    (b"GIF87a", "изображение GIF"),
    (b"GIF89a", "изображение GIF"),
    (b"%PDF-", "документ PDF"),
    (b"PK\x03\x04", "архив ZIP (книга Excel .xlsx или документ Word .docx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "файл старого формата Excel (.xls) или Word (.doc)"),
    (b"Rar!\x1a\x07", "архив RAR"),
    (b"7z\xbc\xaf\x27\x1c", "архив 7-Zip"),
    (b"\x1f\x8b", "архив gzip"),
)
_UNICODE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE,
                 codecs.BOM_UTF16_BE)


class FileTypeMismatch(ValueError):
    """The content is not what the file's kind requires (message in Russian)."""


def client_filename(name: str | None) -> str:
    """The last component of a browser-sent file name, printable, for display only.

    Never used to build a path: stored files get generated names. Both ``/`` and ``\\``
    separate components (Windows browsers used to send full paths).
    """
    last = re.split(r"[\\/]", name or "")[-1]
    last = "".join(ch for ch in last if ch.isprintable()).strip()
    return last[:255] or "файл"


def check_content(source: bytes | Path, kind: str, *,
                  encodings: Iterable[str] = ("utf-8", "cp1251")) -> None:
    """Raise :class:`FileTypeMismatch` unless ``source`` holds a file of ``kind``.

    ``kind`` is ``"text"`` (CSV/TXT that decodes in one of ``encodings``), ``"xlsx"``
    (a zip with the OOXML spreadsheet content type) or ``"dbf"`` (a valid DBF header).
    """
    size = len(source) if isinstance(source, bytes | bytearray) else Path(source).stat().st_size
    if size == 0:
        raise FileTypeMismatch("Файл пуст")
    if kind == "text":
        _check_text(source, tuple(encodings))
    elif kind == "xlsx":
        _check_xlsx(source)
    elif kind == "dbf":
        _check_dbf(source, size)
    else:
        raise ValueError(f"unknown file kind {kind!r}")


def _head(source: bytes | Path, n: int = 16) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source[:n])
    with open(source, "rb") as fh:
        return fh.read(n)


def _what(head: bytes) -> str | None:
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


def _chunks(source: bytes | Path) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray):
        for start in range(0, len(source), CHUNK):
            yield bytes(source[start:start + CHUNK])
        return
    with open(source, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


# ------------------------------------------------------------------------- text


def _not_text(reason: str) -> FileTypeMismatch:
    return FileTypeMismatch(f"Файл не является текстовой таблицей CSV: {reason}. Сохраните "
                            "таблицу как CSV (UTF-8 или Windows-1251) или загрузите .xlsx.")


def _check_text(source: bytes | Path, encodings: tuple[str, ...]) -> None:
    head = _head(source)
    what = _what(head)
    if what is not None:
        raise _not_text(f"это {what}")
    if any(head.startswith(bom) for bom in _UNICODE_BOMS):
        raise _not_text("он в кодировке UTF-16/UTF-32 («Текст Юникод»)")
    decoders = {name: codecs.getincrementaldecoder(name)("strict") for name in encodings}
    if head.startswith(codecs.BOM_UTF8):
        decoders = {name: d for name, d in decoders.items() if name.startswith("utf-8")}
    pending_eof = False
    for chunk in _chunks(source):
        if pending_eof:
            # The 0x1A seen at the end of the previous chunk was not the last byte.
            raise _not_text("в нём есть двоичные (управляющие) символы")
        body = chunk
        if body and body[-1] == _EOF_MARK:
            body, pending_eof = body[:-1], True
        if _CONTROL.search(body) or bytes([_EOF_MARK]) in body:
            raise _not_text("в нём есть двоичные (управляющие) символы")
        for name, decoder in list(decoders.items()):
            try:
                decoder.decode(body)
            except UnicodeDecodeError:
                del decoders[name]
        if not decoders:
            break
    for name, decoder in list(decoders.items()):
        if name.startswith("utf-8"):
            continue  # an incomplete last character: a cut file, which the reader reports
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            del decoders[name]
    if not decoders:
        raise _not_text("он не читается ни в одной из кодировок "
                        + ", ".join(_ENCODING_NAMES.get(e, e) for e in encodings))


_ENCODING_NAMES = {"utf-8": "UTF-8", "cp1251": "Windows-1251", "cp866": "DOS (cp866)"}


# ------------------------------------------------------------------------- xlsx


def _not_xlsx(reason: str) -> FileTypeMismatch:
    return FileTypeMismatch(f"Файл не является книгой Excel (.xlsx): {reason}.")


def _check_xlsx(source: bytes | Path) -> None:
    head = _head(source)
    if not head.startswith(b"PK\x03\x04"):
        what = _what(head)
        raise _not_xlsx(f"это {what}" if what else "это не архив OOXML")
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise _not_xlsx("слишком много частей в архиве")
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > MAX_RATIO * max(info.compress_size, 1024):
                    raise _not_xlsx("подозрительно сильное сжатие (архив-«бомба»)")
            if total > MAX_UNCOMPRESSED:
                raise _not_xlsx("после распаковки файл больше 1 ГБ")
            try:
                info = archive.getinfo("[Content_Types].xml")
            except KeyError:
                raise _not_xlsx("нет описания содержимого [Content_Types].xml") from None
            if info.file_size > CHUNK:
                raise _not_xlsx("повреждено описание содержимого")
            types = archive.read(info).decode("utf-8", errors="replace")
            for info in infos:
                _refuse_declarations(archive, info)
    except zipfile.BadZipFile as exc:
        raise _not_xlsx("архив повреждён") from exc
    if not any(t in types for t in SPREADSHEET_TYPES):
        if "wordprocessingml" in types:
            raise _not_xlsx("это документ Word (.docx)")
        if "presentationml" in types:
            raise _not_xlsx("это презентация PowerPoint (.pptx)")
        raise _not_xlsx("в архиве нет листов Excel")


def _refuse_declarations(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a part that declares a DTD or entities, reading it in chunks."""
    if info.is_dir():
        return
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(XML_CHUNK):
            window = tail + chunk
            if any(pattern.search(window) for pattern in _DECLARATIONS):
                raise FileTypeMismatch(
                    "Книга Excel содержит объявление DTD или сущностей (<!DOCTYPE>, "
                    "<!ENTITY>), которого в файлах Excel не бывает: такой файл может "
                    "остановить сервер и не принимается. Откройте таблицу в Excel и "
                    "сохраните её заново как .xlsx.")
            tail = window[-_OVERLAP:]


# -------------------------------------------------------------------------- dbf


def _not_dbf(reason: str) -> FileTypeMismatch:
    return FileTypeMismatch(f"Файл не является таблицей DBF: {reason}.")


def _check_dbf(source: bytes | Path, size: int) -> None:
    head = _head(source, 32)
    if len(head) < 32:
        raise _not_dbf("нет заголовка")
    if head[0] not in DBF_VERSIONS:
        what = _what(head)
        raise _not_dbf(f"это {what}" if what else "неизвестная версия формата")
    month, day = head[2], head[3]
    records, header_len, record_len = struct.unpack("<IHH", head[4:12])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise _not_dbf("в заголовке неверная дата")
    if header_len < 32 + 32 + 1 or header_len > size or record_len < 2:
        raise _not_dbf("неверная длина заголовка или записи")
    header = _head(source, header_len)
    position, fields_len, terminated = 32, 0, False
    while position < header_len:
        if header[position] in (0x0D, 0x0A):
            terminated = True
            break
        descriptor = header[position:position + 32]
        if len(descriptor) < 32:
            break
        name = descriptor[:11].split(b"\0")[0]
        ftype = chr(descriptor[11])
        if not name or ftype not in DBF_FIELD_TYPES:
            raise _not_dbf("повреждено описание полей")
        length = descriptor[16]
        if ftype == "C":
            length |= descriptor[17] << 8
        fields_len += length
        position += 32
    if not terminated or position == 32:
        raise _not_dbf("повреждено описание полей")
    if fields_len + 1 != record_len:
        raise _not_dbf("длина записи не совпадает с описанием полей")
    if size < header_len + records * record_len:
        raise _not_dbf("файл обрезан: записей меньше, чем указано в заголовке")

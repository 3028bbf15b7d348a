"""Selections test helpers: files in every format, recipients with case files."""

from __future__ import annotations

import io
import struct
from datetime import date, datetime

from sqlalchemy import select

from onewindow.core.snils import make_snils
from onewindow.selections import jobs
from onewindow.selections.models import ImportJob

from ..archive.helpers import make_case_file
from ..factories import make_applicant

HEADER = ["СНИЛС", "Фамилия", "Имя", "Отчество", "Дата рождения", "Событие", "Дата события",
          "Примечание"]


def snils(n: int) -> str:
    return make_snils(300_000_000 + n * 7)


def csv_bytes(rows, *, header=HEADER, delimiter=";", encoding="utf-8", bom=False) -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(str(v) for v in r) for r in rows]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, *, header=HEADER) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def dbf_bytes(fields, records, *, encoding="cp866", language_driver=0x65,
              deleted=()) -> bytes:
    """A dBase III file: fields = [(name, type 'C'/'D'/'N', length)], records = tuples.

    ``deleted``: 0-based indexes of records marked deleted ('*'), as dBase leaves them.
    """
    header_len = 32 + 32 * len(fields) + 1
    record_len = 1 + sum(length for _n, _t, length in fields)
    today = date(2026, 11, 28)
    out = bytearray(struct.pack("<BBBBIHH", 0x03, today.year - 1900, today.month, today.day,
                                len(records), header_len, record_len))
    out += bytes(17) + bytes([language_driver]) + bytes(2)
    for name, ftype, length in fields:
        out += name.encode("ascii").ljust(11, b"\0") + ftype.encode("ascii") + bytes(4)
        out += bytes([length, 0]) + bytes(14)
    out += b"\r"
    for index, record in enumerate(records):
        out += b"*" if index in deleted else b" "
        for (_name, ftype, length), value in zip(fields, record, strict=True):
            if ftype == "D":
                raw = value.strftime("%Y%m%d").encode("ascii") if value else b" " * 8
            elif ftype == "N":
                raw = str(value).encode("ascii").rjust(length)
            else:
                raw = str(value or "").encode(encoding).ljust(length, b" ")
            out += raw[:length]
    out += b"\x1a"
    return bytes(out)


def make_recipient(session, *, active=True, **overrides):
    """An applicant with a case file (active by default)."""
    applicant = make_applicant(session, **overrides)
    case_file = make_case_file(session, applicant=applicant)
    if not active:
        from onewindow.archive.services import close_case_file

        close_case_file(session, case_file, reason="other", note="тест", user_id=None,
                        now=datetime(2026, 11, 27, 12, 0))
    return applicant


def wait_for_jobs(session, timeout: float = 120) -> ImportJob | None:
    """Join every import thread, then read fresh state; returns the latest job.

    Test-client requests share the test's app context and so its session: end that
    session's transaction first, or the import thread waits for its write lock.
    """
    fresh(session)
    for thread in list(jobs._threads.values()):
        thread.join(timeout)
    fresh(session)
    return session.scalar(select(ImportJob).order_by(ImportJob.id.desc()).limit(1))


def import_file(session, tmp_path, data: bytes, *, name="file.csv", source="sfr",
                period="11.2026", user=None, mapping=None, accept_partial=False,
                confirm_duplicate=False, profile=None, encoding="auto", delimiter="auto"):
    """Upload, map and import a file synchronously (as the job thread would)."""
    from pathlib import Path

    from onewindow.core.tables import preview
    from onewindow.selections import services
    from onewindow.selections.parsing import guess_mapping

    path = Path(tmp_path) / f"upload-{next(_upload_seq)}{Path(name).suffix}"
    path.write_bytes(data)
    now = datetime(2026, 11, 28, 9, 0)
    selection = services.register_upload(
        session, source=source, period=period, filename=name, stored_path=path,
        user_id=user.id if user else None, now=now, encoding=encoding, delimiter=delimiter)
    header, _rows = preview(path, selection.file_format, encoding=encoding,
                            delimiter=delimiter, rows=0)
    job = services.start_import(
        session, selection, mapping=mapping or guess_mapping(header), header=header,
        profile=profile, accept_partial=accept_partial, confirm_duplicate=confirm_duplicate,
        now=now)
    session.commit()
    jobs.run_import(session, job_id=job.id)
    session.expire_all()
    return selection, job


_upload_seq = iter(range(1, 10**9))


def fresh(session):
    """Read in the test thread without holding SQLite's write lock.

    A POST through the test client leaves this thread's write intent on; a read that
    then began IMMEDIATE would block the import thread and later requests.
    """
    from onewindow.database import set_write_intent

    set_write_intent(False)
    session.rollback()
    session.expire_all()
    return session

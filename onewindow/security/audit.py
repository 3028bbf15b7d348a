"""Write and read the audit log.

``record(session, ...)`` adds a row to the caller's transaction, so the audit entry and
the change it records commit or roll back together. Reads of personal data (a card, a
print, an export) arrive as a domain event at the request edge (``receivers.py``), which
commits them with the request (after a GET, in a write transaction of its own).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ..core.text import format_datetime
from .models import ACTION_NAMES, AuditEntry, AuditPurgePermit

log = logging.getLogger("onewindow.audit")

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def clean(value, limit: int) -> str | None:
    """One line, bounded length: control characters become visible escapes."""
    if value is None:
        return None
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))
    return text[:limit]


def entry_values(
    *,
    action: str,
    now: datetime,
    user=None,
    username: str | None = None,
    remote_addr: str | None = None,
    object_type: str | None = None,
    object_id=None,
    result: str = "ok",
    details: str | None = None,
) -> dict:
    """The columns of one audit row (never a СНИЛС or passport value), cleaned and bounded."""
    if action not in ACTION_NAMES:
        raise ValueError(f"unknown audit action {action!r}")
    return dict(
        at=now.replace(microsecond=0),
        user_id=getattr(user, "id", None),
        username=clean(getattr(user, "username", None) or username or "—", 64),
        role=getattr(user, "role", None),
        remote_addr=clean(remote_addr, 64),
        action=action,
        object_type=object_type,
        object_id=clean(object_id, 64),
        result=result,
        details=clean(details, 200),
    )


def log_entry(values: dict) -> None:
    log.info("audit action=%s result=%s user=%s role=%s addr=%s object=%s:%s",
             values["action"], values["result"], values["username"], values["role"],
             values["remote_addr"], values["object_type"], values["object_id"])


def record(session: Session, **kwargs) -> AuditEntry:
    """Add an audit entry to the session's transaction (see :func:`entry_values`)."""
    values = entry_values(**kwargs)
    entry = AuditEntry(**values)
    session.add(entry)
    session.flush()
    log_entry(values)
    return entry


def add(session: Session, **kwargs) -> None:
    """The same row as :func:`record` in one INSERT, without an ORM object or a flush: for
    the rows page views and prints write (a sixth of a search's CPU went to the flush)."""
    values = entry_values(**kwargs)
    session.connection().execute(insert(AuditEntry), [values])
    log_entry(values)


def failed_logins(session: Session, *, since: datetime, username: str | None = None,
                  remote_addr: str | None = None) -> int:
    """Failed logins since ``since`` for an account (after its last success) or an address."""
    query = select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "login_failed", AuditEntry.at >= since)
    if username is not None:
        last_ok = session.scalar(select(func.max(AuditEntry.at)).where(
            AuditEntry.action == "login", AuditEntry.username == username,
            AuditEntry.at >= since))
        query = query.where(AuditEntry.username == username)
        if last_ok is not None:
            query = query.where(AuditEntry.at > last_ok)
    if remote_addr is not None:
        query = query.where(AuditEntry.remote_addr == remote_addr)
    return session.scalar(query) or 0


# --- search and export ---------------------------------------------------------------

@dataclass
class AuditFilter:
    username: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


def search(session: Session, flt: AuditFilter, *, limit: int | None = 500) -> list[AuditEntry]:
    query = select(AuditEntry)
    if flt.username:
        query = query.where(AuditEntry.username == flt.username.strip().lower())
    if flt.action:
        query = query.where(AuditEntry.action == flt.action)
    if flt.object_type:
        query = query.where(AuditEntry.object_type == flt.object_type)
    if flt.object_id:
        query = query.where(AuditEntry.object_id == flt.object_id.strip())
    if flt.date_from:
        query = query.where(AuditEntry.at >= datetime.combine(flt.date_from, datetime.min.time()))
    if flt.date_to:
        end = datetime.combine(flt.date_to + timedelta(days=1), datetime.min.time())
        query = query.where(AuditEntry.at < end)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


EXPORT_HEADER = ["Дата и время", "Пользователь", "Роль", "Адрес", "Действие", "Объект",
                 "№ объекта", "Результат", "Подробности"]


def neutralise(value) -> str:
    """A cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def export_rows(entries: list[AuditEntry]) -> list[list[str]]:
    return [[neutralise(v) for v in (
        format_datetime(e.at) + f":{e.at.second:02d}", e.username, e.role, e.remote_addr,
        e.action_name, e.object_name, e.object_id, e.result_name, e.details,
    )] for e in entries]


def export_csv(entries: list[AuditEntry]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    writer.writerows(export_rows(entries))
    return buffer.getvalue().encode("utf-8-sig")  # BOM: Excel opens UTF-8 correctly


def export_xlsx(entries: list[AuditEntry]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Журнал"
    sheet.append(EXPORT_HEADER)
    for row in export_rows(entries):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # text, never a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def purge(session: Session, *, before: datetime, now: datetime, actor: str) -> int:
    """Delete entries older than ``before`` (the retention period) and log the purge.

    The only deletion of audit entries there is; it runs from the CLI.
    """
    count = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.at < before)) or 0
    # The database refuses deletions of audit entries but while a permit exists (0023).
    session.execute(insert(AuditPurgePermit))
    session.execute(delete(AuditEntry).where(AuditEntry.at < before))
    session.execute(delete(AuditPurgePermit))
    record(session, action="audit_purge", now=now, username=actor, object_type="audit",
           details=f"удалено записей: {count}; старше {before:%d.%m.%Y}")
    return count

"""Reads of the print journal and print setup."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from ..database import Page, paginate
from ..errors import NotFound
from .models import PrintedDocument


def get_print(session: Session, print_id: int) -> PrintedDocument:
    entry = session.get(PrintedDocument, print_id)
    if entry is None:
        raise NotFound("Документ не найден в журнале печати")
    return entry


def journal(session: Session, *, day: date | None = None, user_id: int | None = None,
            kind: str | None = None, page: int = 1) -> Page:
    """Journal rows, newest first, a page at a time (the bytes are not loaded)."""
    query = (select(PrintedDocument).options(defer(PrintedDocument.content))
             .order_by(PrintedDocument.printed_at.desc(), PrintedDocument.id.desc()))
    if day is not None:
        start = datetime.combine(day, time.min)
        query = query.where(PrintedDocument.printed_at >= start,
                            PrintedDocument.printed_at < start + timedelta(days=1))
    if user_id is not None:
        query = query.where(PrintedDocument.user_id == user_id)
    if kind:
        query = query.where(PrintedDocument.kind == kind)
    return paginate(session, query, page=page, per_page=100)


def for_object(session: Session, object_type: str, object_id, *,
               limit: int = 10) -> list[PrintedDocument]:
    """The documents printed for one object, newest first."""
    return list(session.scalars(
        select(PrintedDocument).options(defer(PrintedDocument.content))
        .where(PrintedDocument.object_type == object_type,
               PrintedDocument.object_id == str(object_id))
        .order_by(PrintedDocument.printed_at.desc(), PrintedDocument.id.desc()).limit(limit)))


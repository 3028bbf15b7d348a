"""Writes of the print journal and print setup."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from .models import PrintedDocument


def record_print(session: Session, *, kind: str, pdf: bytes, filename: str, url: str,
                 params: dict | None = None, object_type: str | None = None,
                 object_id=None, user_id: int | None = None, now: datetime) -> int:
    """Record a generated document with its bytes (for identical re-prints); its id.

    One INSERT … RETURNING, no ORM object or flush: every receipt and label sheet writes
    one, and the flush cost a receipt 2 ms of CPU.
    """
    return session.execute(insert(PrintedDocument).returning(PrintedDocument.id), [dict(
        kind=kind, object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        filename=filename, user_id=user_id, printed_at=now, url=url[:1000],
        params=json.dumps(params or {}, ensure_ascii=False, sort_keys=True),
        sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), content=pdf,
    )]).scalar_one()


def purge_expired(session: Session, *, now: datetime, days: int) -> int:
    """Empty the stored bytes of documents older than ``days``; the journal rows stay."""
    cutoff = now - timedelta(days=days)
    result = session.execute(
        update(PrintedDocument)
        .where(PrintedDocument.printed_at < cutoff, PrintedDocument.content.is_not(None))
        .values(content=None, content_purged_at=now))
    session.flush()
    return result.rowcount or 0

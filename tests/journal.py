"""Read back what a request recorded: print journal entries and audit rows."""

from __future__ import annotations

from sqlalchemy import select

from onewindow.prints.models import PrintedDocument
from onewindow.security.models import AuditEntry


def printed(session) -> list[tuple]:
    """(kind, object_type, object_id, user_id) of every journal entry, oldest first."""
    session.rollback()  # the server has written since
    return [(e.kind, e.object_type, e.object_id, e.user_id) for e in
            session.scalars(select(PrintedDocument).order_by(PrintedDocument.id))]


def audited(session, action: str) -> list[tuple]:
    """(object_type, object_id, user_id) of every audit row of the action, oldest first."""
    session.rollback()
    return [(e.object_type, e.object_id, e.user_id) for e in session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]

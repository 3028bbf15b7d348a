"""The print journal keeps every document handed out (a domain event sent at the edge)."""

from __future__ import annotations

from ..events import HandedOut, document_handed_out
from ..security import audit
from . import services
from .models import kind_name


@document_handed_out.connect
def _journal(document: HandedOut, *, session) -> int:
    """Keep the document (bytes included) and audit its print; return the entry's id."""
    actor = document.actor
    entry_id = services.record_print(
        session, kind=document.kind, pdf=document.pdf, filename=document.filename,
        url=document.url, params=document.params, object_type=document.object_type,
        object_id=document.object_id, user_id=actor.id if actor else None, now=document.now)
    if actor is not None:
        audit.add(session, action="print", now=document.now, user=actor,
                  remote_addr=actor.remote_addr, object_type=document.object_type,
                  object_id=document.object_id,
                  details=f"{kind_name(document.kind)}, журнал печати № {entry_id}")
    return entry_id

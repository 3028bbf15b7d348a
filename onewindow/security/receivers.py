"""The audit log receives every read of personal data (a domain event sent at the edge)."""

from __future__ import annotations

from ..events import DataRead, personal_data_read
from . import audit


@personal_data_read.connect
def _audit_read(read: DataRead, *, session) -> None:
    actor = read.actor
    audit.add(session, action=read.action, now=read.now,
              user=actor if actor and actor.id is not None else None,
              remote_addr=actor.remote_addr if actor else None,
              object_type=read.object_type, object_id=read.object_id,
              details=read.details)

"""Every change of a record holding personal data is audited, in the transaction making it.

A listener on the ORM flush adds one audit row per created or changed applicant,
application, case file, interagency request, appeal, booking, decision notice, handover,
selection hit or decision on it
(by the request's actor, which the request edge puts on the session; CLI jobs and
anonymous kiosk steps are not a person's access). The row goes into the same
transaction: if it cannot be written, the change rolls back with it. Views add their own
rows only for what a flush cannot see (views, prints, exports, logins).
"""

from __future__ import annotations

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from ..core import clock
from ..events import ACTOR_KEY
from . import audit
from .models import AuditEntry

#: class (module.Name) → audit object type
AUDITED_MODELS = {
    "onewindow.applicants.models.Applicant": "applicant",
    "onewindow.intake.models.Application": "application",
    "onewindow.archive.models.CaseFile": "case_file",
    "onewindow.registry.models.Request": "registry_request",
    "onewindow.registry.models.Appeal": "appeal",
    "onewindow.registry.models.DecisionNotice": "notice",
    "onewindow.registry.models.Handover": "handover",
    "onewindow.queue.models.Booking": "booking",
    "onewindow.selections.models.SelectionHit": "selection_hit",
    "onewindow.selections.models.SelectionDecision": "selection_decision",
}
# Bookkeeping columns: a change of these alone is not a change of the record.
QUIET_FIELDS = {"version", "updated_at", "updated_by_id", "last_seen_at"}
SEEN_KEY = "onewindow_audited"


def _object_type(obj) -> str | None:
    cls = type(obj)
    return AUDITED_MODELS.get(f"{cls.__module__}.{cls.__qualname__}")


def _changed_fields(obj) -> list[str]:
    state = inspect(obj)
    return sorted(a.key for a in state.mapper.column_attrs
                  if a.key not in QUIET_FIELDS and state.attrs[a.key].history.has_changes())


def _describe(obj, created: bool) -> tuple[str, str | None] | None:
    """(action, details) of a flushed change; column names only, never the values."""
    if created:
        return "create", None
    fields = _changed_fields(obj)
    if not fields:
        return None
    if "status" in fields:
        status = getattr(obj, "status", None)
        if status == "cancelled":
            return "cancel", None
        return "status", f"новый статус: {status}"
    return "update", "поля: " + ", ".join(fields)


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, _flush_context) -> None:
    changes = [(o, True) for o in session.new] + [(o, False) for o in session.dirty]
    changes = [(o, created, kind) for o, created in changes if (kind := _object_type(o))]
    if not changes:
        return
    actor = session.info.get(ACTOR_KEY)
    if actor is None or actor.id is None:
        return
    now = clock.now()

    seen = session.info.setdefault(SEEN_KEY, set())
    rows = []
    for obj, created, kind in changes:
        key = inspect(obj).mapper.primary_key_from_instance(obj)
        object_id = str(key[0]) if key and key[0] is not None else None
        if not created and ("create", kind, object_id) in seen:
            continue  # a new object's own row says it all (its number, written later, too)
        described = _describe(obj, created)
        if described is None:
            continue
        action, details = described
        if (action, kind, object_id) in seen:
            continue  # one row per object and action
        seen.add((action, kind, object_id))
        rows.append(audit.entry_values(action=action, now=now, user=actor,
                                       remote_addr=actor.remote_addr, object_type=kind,
                                       object_id=object_id, details=details))
    if rows:
        session.connection().execute(insert(AuditEntry), rows)
        for row in rows:
            audit.log_entry(row)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(SEEN_KEY, None)

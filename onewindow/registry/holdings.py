"""Who holds an item now and who held it before (history of holders).

Requests, appeals and assignments carry their current holder in a column of their
own; applications do not (intake's table has only ``registered_by_id``), so for them
the open holding row is the holder, or the registering specialist when no row exists.
Every change of holder closes one row and opens another, so history is complete.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..intake.models import Application
from .models import Appeal, Assignment, Holding, Request

ASSIGNED_COLUMN = {"request": (Request, "assigned_to_id"),
                   "appeal": (Appeal, "assigned_to_id"),
                   "assignment": (Assignment, "assignee_id")}


def open_holding(session: Session, *, kind: str, item_id: int) -> Holding | None:
    return session.scalar(select(Holding).where(
        Holding.item_kind == kind, Holding.item_id == item_id, Holding.until.is_(None)))


def start(session: Session, *, kind: str, item_id: int, user_id: int, now: datetime,
          handover_id: int | None = None, note: str | None = None) -> Holding:
    row = Holding(item_kind=kind, item_id=item_id, user_id=user_id, since=now,
                  handover_id=handover_id, note=note)
    session.add(row)
    session.flush()
    return row


def start_many(session: Session, *, kind: str, now: datetime,
               held: list[tuple[int, int]]) -> None:
    """Items just inserted, each held by its user from now: (item id, user id) pairs."""
    if held:
        session.execute(insert(Holding), [
            {"item_kind": kind, "item_id": item_id, "user_id": user_id, "since": now}
            for item_id, user_id in held])


def finish(session: Session, *, kind: str, item_id: int, now: datetime) -> None:
    """The item is closed: its holding ends (the column keeps the last holder)."""
    row = open_holding(session, kind=kind, item_id=item_id)
    if row is not None:
        row.until = now


def current_holder_id(session: Session, *, kind: str, item_id: int) -> int | None:
    if kind in ASSIGNED_COLUMN:
        model, column = ASSIGNED_COLUMN[kind]
        item = session.get(model, item_id)
        return getattr(item, column) if item else None
    row = open_holding(session, kind=kind, item_id=item_id)
    if row is not None:
        return row.user_id
    if kind == "application":
        application = session.get(Application, item_id)
        return application.registered_by_id if application else None
    return None


def reassign(session: Session, *, kind: str, item_id: int, to_user_id: int, now: datetime,
             handover_id: int | None = None, note: str | None = None) -> Holding:
    """Pass the item to ``to_user_id``: close the current holding, open a new one."""
    row = open_holding(session, kind=kind, item_id=item_id)
    if row is None and kind == "application":
        # The registering specialist held it implicitly until now: write that down.
        application = session.get(Application, item_id)
        row = start(session, kind=kind, item_id=item_id, user_id=application.registered_by_id,
                    now=application.registered_at, note="Принято на приёме")
    if row is not None:
        row.until = now
    if kind in ASSIGNED_COLUMN:
        model, column = ASSIGNED_COLUMN[kind]
        setattr(session.get(model, item_id), column, to_user_id)
    return start(session, kind=kind, item_id=item_id, user_id=to_user_id, now=now,
                 handover_id=handover_id, note=note)


def reassign_many(session: Session, items, *, to_user_id: int, now: datetime,
                  handover_id: int | None = None, note: str | None = None) -> None:
    """:func:`reassign` for many ``(kind, item_id)`` at once: a query per kind, one flush.

    A handover passes hundreds of items; one by one that was seconds of round trips.
    """
    by_kind: dict[str, list[int]] = {}
    new_rows: list[dict] = []
    for kind, item_id in items:
        by_kind.setdefault(kind, []).append(item_id)
    for kind, ids in by_kind.items():
        open_rows = {row.item_id: row for row in _in_chunks(session, ids, lambda chunk, k=kind: (
            select(Holding).where(Holding.item_kind == k, Holding.until.is_(None),
                                  Holding.item_id.in_(chunk))))}
        if kind == "application":
            implicit = [i for i in ids if i not in open_rows]
            # The registering specialist held them implicitly until now: write that down.
            new_rows.extend(
                {"item_kind": kind, "item_id": a.id, "user_id": a.registered_by_id,
                 "since": a.registered_at, "until": now, "handover_id": None,
                 "note": "Принято на приёме"}
                for a in _in_chunks(session, implicit, lambda chunk: select(
                    Application).where(Application.id.in_(chunk))))
        for row in open_rows.values():
            row.until = now
        if kind in ASSIGNED_COLUMN:
            model, column = ASSIGNED_COLUMN[kind]
            for obj in _in_chunks(session, ids, lambda chunk, m=model: select(m).where(
                    m.id.in_(chunk))):
                setattr(obj, column, to_user_id)
        new_rows.extend({"item_kind": kind, "item_id": i, "user_id": to_user_id, "since": now,
                         "until": None, "handover_id": handover_id, "note": note}
                        for i in ids)
    session.flush()
    if new_rows:
        # One multi-row INSERT (the ORM would insert row by row to learn each id).
        session.execute(insert(Holding), new_rows)


def _in_chunks(session: Session, ids: list[int], statement, size: int = 500) -> list:
    """Rows for ``ids`` a chunk at a time (parameter limits of SQLite and psycopg)."""
    rows = []
    for start in range(0, len(ids), size):
        rows.extend(session.scalars(statement(ids[start:start + size])))
    return rows


def history(session: Session, *, kind: str, item_id: int) -> list[Holding]:
    return list(session.scalars(select(Holding).where(
        Holding.item_kind == kind, Holding.item_id == item_id).order_by(Holding.since,
                                                                        Holding.id)))


def application_holders(session: Session, application_ids) -> dict[int, int]:
    """Current holder by application id for those that have an open holding row."""
    ids = list(application_ids)
    if not ids:
        return {}
    rows = session.execute(select(Holding.item_id, Holding.user_id).where(
        Holding.item_kind == "application", Holding.until.is_(None),
        Holding.item_id.in_(ids)))
    return dict(rows.all())

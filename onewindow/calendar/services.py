"""The production calendar with the office's stored overrides."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..core.workdays import ProductionCalendar
from .models import CalendarOverride

_cache: dict[frozenset, ProductionCalendar] = {}
_SESSION_KEY = "onewindow_office_calendar"


def office_calendar(session: Session) -> ProductionCalendar:
    """The calendar the office counts deadlines on: the package plus admin overrides.

    Building the holidays tables costs milliseconds, so one calendar is kept per set of
    overrides (they change a few times a year); reading the overrides is one small query,
    once per transaction (a registration counts its own deadline and its requests').
    """
    kept = session.info.get(_SESSION_KEY)
    if kept is not None:
        return kept
    rows = session.execute(select(CalendarOverride.day, CalendarOverride.working)).all()
    key = frozenset((day, working) for day, working in rows)
    calendar = _cache.get(key)
    if calendar is None:
        if len(_cache) > 16:
            _cache.clear()
        calendar = _cache[key] = ProductionCalendar(dict(key))
    session.info[_SESSION_KEY] = calendar
    return calendar


@event.listens_for(Session, "after_transaction_end")
def _forget_calendar(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_SESSION_KEY, None)


def set_override(
    session: Session, *, day: date, working: bool, note: str, user_id: int | None
) -> CalendarOverride:
    session.info.pop(_SESSION_KEY, None)
    row = session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day)
        session.add(row)
    row.working = working
    row.note = note
    row.created_by_id = user_id
    session.flush()
    return row

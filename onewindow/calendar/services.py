"""The production calendar with the office's stored overrides."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.workdays import ProductionCalendar
from .models import CalendarOverride

_cache: dict[frozenset, ProductionCalendar] = {}


def office_calendar(session: Session) -> ProductionCalendar:
    """The calendar the office counts deadlines on: the package plus admin overrides.

    Building the holidays tables costs milliseconds, so one calendar is kept per set of
    overrides (they change a few times a year); reading the overrides is one small query.
    """
    rows = session.execute(select(CalendarOverride.day, CalendarOverride.working)).all()
    key = frozenset((day, working) for day, working in rows)
    calendar = _cache.get(key)
    if calendar is None:
        if len(_cache) > 16:
            _cache.clear()
        calendar = _cache[key] = ProductionCalendar(dict(key))
    return calendar


def set_override(
    session: Session, *, day: date, working: bool, note: str, user_id: int | None
) -> CalendarOverride:
    row = session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day)
        session.add(row)
    row.working = working
    row.note = note
    row.created_by_id = user_id
    session.flush()
    return row

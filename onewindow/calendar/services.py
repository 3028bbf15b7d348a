"""The production calendar with the office's stored overrides."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.workdays import ProductionCalendar
from .models import CalendarOverride


def office_calendar(session: Session) -> ProductionCalendar:
    """The calendar the office counts deadlines on: the package plus admin overrides."""
    rows = session.execute(select(CalendarOverride.day, CalendarOverride.working)).all()
    return ProductionCalendar({day: working for day, working in rows})


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

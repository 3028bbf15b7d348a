"""The one deadline arithmetic of the office, on its production calendar.

Every area counts its terms here: working days (210-ФЗ: interagency answers in 5
working days), calendar days (59-ФЗ: 30 days for an answer, 3 for registration,
7 for forwarding), extensions and pauses. A calendar-day term that ends on a day
off moves to the next working day (ст. 193 ГК РФ).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from ..calendar.services import office_calendar
from ..core.text import plural_ru
from ..core.workdays import ProductionCalendar

INTERAGENCY_WORKING_DAYS = 5  # 210-ФЗ, ст. 7.2 ч. 3
APPEAL_ANSWER_DAYS = 30  # 59-ФЗ, ст. 12 ч. 1
APPEAL_REGISTRATION_DAYS = 3  # 59-ФЗ, ст. 8 ч. 2
APPEAL_FORWARD_DAYS = 7  # 59-ФЗ, ст. 8 ч. 3
APPEAL_MAX_EXTENSION_DAYS = 30  # 59-ФЗ, ст. 12 ч. 2
HORIZON_WORKING_DAYS = 3  # the "Сроки" page looks this far ahead


@dataclass(frozen=True)
class Term:
    """A term: ``days`` working or calendar days."""

    days: int
    working: bool = True

    @property
    def label(self) -> str:
        unit = "рабочих" if self.working else "календарных"
        return f"{self.days} {unit} {plural_ru(self.days, ('день', 'дня', 'дней'))}"


class Deadlines:
    """Deadline arithmetic over one production calendar."""

    def __init__(self, calendar: ProductionCalendar):
        self.calendar = calendar

    def add(self, start: date, term: Term) -> date:
        if term.working:
            return self.working_days(start, term.days)
        return self.calendar_days(start, term.days)

    def working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start``."""
        return self.calendar.add_working_days(start, n)

    def calendar_days(self, start: date, n: int, *, roll_forward: bool = True) -> date:
        """``start + n`` days, moved to the next working day when it falls on a day off."""
        return self.calendar.add_calendar_days(start, n, roll_forward=roll_forward)

    def working_days_between(self, a: date, b: date) -> int:
        return self.calendar.working_days_between(a, b)

    def is_working_day(self, d: date) -> bool:
        return self.calendar.is_working_day(d)

    # ---- the office's terms
    def interagency_due(self, received_on: date) -> date:
        return self.working_days(received_on, INTERAGENCY_WORKING_DAYS)

    def appeal_due(self, registered_on: date) -> date:
        return self.calendar_days(registered_on, APPEAL_ANSWER_DAYS)

    def appeal_registration_due(self, received_on: date) -> date:
        # The office registers on working days only: a term ending on a day off moves on.
        return self.calendar_days(received_on, APPEAL_REGISTRATION_DAYS)

    def appeal_registration_late(self, received_on: date, registered_on: date) -> bool:
        return registered_on > self.appeal_registration_due(received_on)

    def appeal_forward_due(self, registered_on: date) -> date:
        return self.calendar_days(registered_on, APPEAL_FORWARD_DAYS)

    def extend(self, due: date, days: int) -> date:
        """An appeal's term extended by ``days`` calendar days (at most 30)."""
        if not 1 <= days <= APPEAL_MAX_EXTENSION_DAYS:
            raise ValueError("extension must be 1..30 days")
        return self.calendar_days(due, days)

    def after_pause(self, due: date, started_on: date, ended_on: date) -> tuple[date, int]:
        """The due date moved by the working days a pause lasted, and that count."""
        paused = max(self.working_days_between(started_on, ended_on), 0)
        return (self.working_days(due, paused) if paused else due), paused

    def horizon(self, today: date, n: int = HORIZON_WORKING_DAYS) -> date:
        """The last day of the look-ahead window: the n-th working day after today."""
        return self.working_days(today, n)


def deadlines_for(session: Session) -> Deadlines:
    """The office's deadline arithmetic (production calendar with admin overrides)."""
    return Deadlines(office_calendar(session))

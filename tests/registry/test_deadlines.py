"""The shared deadline arithmetic: year ends, holidays, transferred working days."""

from __future__ import annotations

from datetime import date

import pytest

from onewindow.calendar.services import set_override
from onewindow.core.workdays import ProductionCalendar
from onewindow.registry.deadlines import Deadlines, Term, deadlines_for

D = Deadlines(ProductionCalendar())


def test_interagency_five_working_days_across_new_year():
    # 29, 30 Dec; 31 Dec 2026 and 1–10 Jan 2027 are days off; then 11, 12, 13 Jan.
    assert D.interagency_due(date(2026, 12, 28)) == date(2027, 1, 13)


def test_transferred_working_saturday_counts():
    # Saturday 20.02.2027 is a working day; 22.02 (substituted) and 23.02 are days off.
    assert D.working_days(date(2027, 2, 19), 1) == date(2027, 2, 20)
    assert D.working_days(date(2027, 2, 19), 2) == date(2027, 2, 24)
    assert D.interagency_due(date(2027, 2, 18)) == date(2027, 2, 26)
    assert D.working_days_between(date(2027, 2, 19), date(2027, 2, 24)) == 2


def test_thirty_calendar_days_roll_forward_past_holidays():
    assert D.appeal_due(date(2027, 1, 2)) == date(2027, 2, 1)
    # 01.01.2027 is a holiday: the term ends on the first working day, 11.01.
    assert D.appeal_due(date(2026, 12, 2)) == date(2027, 1, 11)
    # 21.02.2027 is Sunday, 22–23.02 days off.
    assert D.appeal_due(date(2027, 1, 22)) == date(2027, 2, 24)
    assert D.calendar_days(date(2027, 1, 22), 30, roll_forward=False) == date(2027, 2, 21)


def test_appeal_extension_at_most_thirty_days():
    assert D.extend(date(2027, 2, 1), 30) == date(2027, 3, 3)
    with pytest.raises(ValueError):
        D.extend(date(2027, 2, 1), 31)
    with pytest.raises(ValueError):
        D.extend(date(2027, 2, 1), 0)


def test_three_day_registration_warning():
    received = date(2026, 11, 23)  # Monday
    assert not D.appeal_registration_late(received, date(2026, 11, 26))
    assert D.appeal_registration_late(received, date(2026, 11, 27))
    # Received on Friday 25.12.2026: the 3rd day is Monday 28.12 — still in time.
    assert not D.appeal_registration_late(date(2026, 12, 25), date(2026, 12, 28))
    # Received 30.12.2026: holidays until 10.01, so 11.01.2027 is in time, 12.01 late.
    assert not D.appeal_registration_late(date(2026, 12, 30), date(2027, 1, 11))
    assert D.appeal_registration_late(date(2026, 12, 30), date(2027, 1, 12))


def test_forward_due_seven_days_and_pause():
    assert D.appeal_forward_due(date(2026, 11, 27)) == date(2026, 12, 4)
    new_due, paused = D.after_pause(date(2027, 2, 26), date(2027, 2, 19), date(2027, 2, 24))
    assert paused == 2
    assert new_due == date(2027, 3, 2)
    assert D.after_pause(date(2027, 2, 26), date(2027, 2, 20), date(2027, 2, 20)) == (
        date(2027, 2, 26), 0)


def test_horizon_and_term_label():
    # From Friday 19.02.2027: 20.02 (working Saturday), 24.02, 25.02.
    assert D.horizon(date(2027, 2, 19)) == date(2027, 2, 25)
    assert Term(5).label == "5 рабочих дней"
    assert Term(30, working=False).label == "30 календарных дней"
    assert D.add(date(2027, 2, 18), Term(5)) == date(2027, 2, 26)


def test_office_overrides_are_used(session):
    # A late government decision makes 24.02.2027 a day off: the office calendar knows.
    set_override(session, day=date(2027, 2, 24), working=False, note="тест", user_id=None)
    assert deadlines_for(session).working_days(date(2027, 2, 19), 2) == date(2027, 2, 25)

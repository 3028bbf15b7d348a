"""Tests for the Russian production calendar (holidays.RU 0.109 + overrides)."""

from datetime import date, datetime, timedelta

import pytest

from onewindow.core.workdays import ProductionCalendar, default_calendar


@pytest.fixture
def cal() -> ProductionCalendar:
    return ProductionCalendar()


def _days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


# --------------------------------------------------------------- package facts


def test_january_2027_days_off_match_official_calendar(cal):
    # Official 2027 calendar: Jan 1–8 are holidays, Jan 9–10 a weekend,
    # first working day is Monday Jan 11.
    off = [d for d in _days(date(2027, 1, 1), date(2027, 1, 31)) if not cal.is_working_day(d)]
    assert off == [
        *(date(2027, 1, day) for day in range(1, 11)),
        date(2027, 1, 16),
        date(2027, 1, 17),
        date(2027, 1, 23),
        date(2027, 1, 24),
        date(2027, 1, 30),
        date(2027, 1, 31),
    ]
    names = {d: cal.holiday_name(d) for d in _days(date(2027, 1, 1), date(2027, 1, 10))}
    assert [d.day for d, n in names.items() if n] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert cal.is_working_day(date(2027, 1, 11))


def test_transferred_days_2027(cal):
    # Saturday 2027-02-20 is a working day; the day off moves to Mon 2027-02-22.
    assert date(2027, 2, 20).weekday() == 5
    assert cal.is_working_day(date(2027, 2, 20))
    assert not cal.is_working_day(date(2027, 2, 22))
    assert not cal.is_working_day(date(2027, 2, 23))
    # Days off substituted from Jan 2 and Jan 3 (Sat/Sun of New Year holidays).
    assert not cal.is_working_day(date(2027, 11, 4))
    assert not cal.is_working_day(date(2027, 11, 5))
    assert not cal.is_working_day(date(2027, 12, 31))
    assert cal.is_working_day(date(2027, 12, 30))


def test_2026_new_year_and_substituted_days(cal):
    # 2026: Jan 1–8 holidays + Fri Jan 9 (from Sat Jan 3), Jan 10–11 weekend.
    assert not cal.is_working_day(date(2026, 1, 9))
    assert cal.next_working_day(date(2026, 1, 1)) == date(2026, 1, 12)
    # Thu 2026-12-31 is a day off substituted from Sun 2026-01-04.
    assert not cal.is_working_day(date(2026, 12, 31))
    assert cal.is_working_day(date(2026, 12, 30))


# ---------------------------------------------------------------- arithmetic


def test_new_year_add_working_days(cal):
    # Wed 2026-12-30: Dec 31 and Jan 1–10 are off; Jan 11..15, 18..22 are ten days.
    assert cal.add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 11)
    assert cal.add_working_days(date(2026, 12, 30), 10) == date(2027, 1, 22)
    assert cal.working_days_between(date(2026, 12, 30), date(2027, 1, 22)) == 10


def test_working_saturday_counts(cal):
    assert cal.add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 20)
    # Sun 21, Mon 22 (transferred), Tue 23 (holiday) are off.
    assert cal.add_working_days(date(2027, 2, 19), 2) == date(2027, 2, 24)
    assert cal.working_days_between(date(2027, 2, 19), date(2027, 2, 24)) == 2


def test_may_holidays(cal):
    # 2027: Sat May 1 -> observed Mon May 3; Sun May 9 -> observed Mon May 10.
    assert cal.add_working_days(date(2027, 4, 30), 1) == date(2027, 5, 4)
    assert cal.add_working_days(date(2027, 5, 7), 1) == date(2027, 5, 11)
    # 2026: Fri May 1 off, Mon May 4 working; Sat May 9 -> observed Mon May 11.
    assert cal.add_working_days(date(2026, 4, 30), 1) == date(2026, 5, 4)
    assert cal.add_working_days(date(2026, 5, 8), 1) == date(2026, 5, 12)


def test_five_working_days_from_friday(cal):
    assert cal.add_working_days(date(2026, 10, 9), 5) == date(2026, 10, 16)
    # Across Unity Day 2027 (Thu Nov 4 and Fri Nov 5 off).
    # Nov 1, 2, 3, (4, 5 off, 6–7 weekend), 8, 9.
    assert cal.add_working_days(date(2027, 10, 29), 5) == date(2027, 11, 9)


def test_add_working_days_zero_and_negative(cal):
    assert cal.add_working_days(date(2026, 10, 9), 0) == date(2026, 10, 9)
    assert cal.add_working_days(date(2026, 10, 10), 0) == date(2026, 10, 12)
    assert cal.add_working_days(date(2027, 1, 1), 0) == date(2027, 1, 11)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 10, 9), -1)


def test_add_calendar_days_roll_forward(cal):
    # 2026-12-21 + 10 = Thu 2026-12-31 (day off) -> Mon 2027-01-11.
    assert cal.add_calendar_days(date(2026, 12, 21), 10) == date(2027, 1, 11)
    assert cal.add_calendar_days(date(2026, 12, 21), 10, roll_forward=False) == date(2026, 12, 31)
    # Landing on a working Saturday does not roll.
    assert cal.add_calendar_days(date(2027, 2, 10), 10) == date(2027, 2, 20)
    # Ordinary Saturday rolls to Monday.
    assert cal.add_calendar_days(date(2026, 10, 7), 3) == date(2026, 10, 12)
    # Working day result stays as is.
    assert cal.add_calendar_days(date(2026, 10, 7), 1) == date(2026, 10, 8)


def test_working_days_between(cal):
    assert cal.working_days_between(date(2026, 10, 9), date(2026, 10, 9)) == 0
    assert cal.working_days_between(date(2027, 1, 1), date(2027, 1, 10)) == 0
    assert cal.working_days_between(date(2026, 10, 9), date(2026, 10, 16)) == 5
    assert cal.working_days_between(date(2026, 10, 16), date(2026, 10, 9)) == -5
    # Whole of January 2027: 31 days - 10 (Jan 1–10) - 6 weekend days = 15.
    assert cal.working_days_between(date(2026, 12, 31), date(2027, 1, 31)) == 15


def test_next_working_day(cal):
    assert cal.next_working_day(date(2026, 10, 9)) == date(2026, 10, 12)
    assert cal.next_working_day(date(2026, 10, 12)) == date(2026, 10, 13)
    assert cal.next_working_day(date(2027, 2, 19)) == date(2027, 2, 20)
    assert cal.next_working_day(date(2026, 12, 30)) == date(2027, 1, 11)


# ------------------------------------------------------------------ overrides


def test_override_makes_holiday_working():
    cal = ProductionCalendar({date(2027, 1, 5): True})
    assert cal.is_working_day(date(2027, 1, 5))
    assert cal.add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 5)
    assert cal.add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 11)


def test_override_makes_working_day_off():
    cal = ProductionCalendar({date(2026, 10, 12): False, date(2027, 2, 20): False})
    assert not cal.is_working_day(date(2026, 10, 12))
    assert cal.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 13)
    assert not cal.is_working_day(date(2027, 2, 20))
    assert cal.add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 24)
    assert cal.add_calendar_days(date(2026, 10, 11), 1) == date(2026, 10, 13)


def test_override_weekend_working_and_default_untouched():
    cal = ProductionCalendar({date(2026, 10, 10): True})
    assert cal.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert not default_calendar().is_working_day(date(2026, 10, 10))
    assert cal.overrides == {date(2026, 10, 10): True}


# ---------------------------------------------------------------- misc/cache


def test_default_calendar_singleton():
    assert default_calendar() is default_calendar()
    assert default_calendar().overrides == {}


def test_lazy_year_extension(cal):
    assert cal.is_working_day(date(2027, 2, 20))
    first = cal._holidays
    assert cal._year_lo <= 2027 <= cal._year_hi
    assert cal.is_working_day(date(2027, 3, 1))
    assert cal._holidays is first  # same range -> cached object reused
    assert not cal.is_working_day(date(2019, 1, 1))
    assert not cal.is_working_day(date(2035, 1, 1))
    assert cal._year_lo <= 2019 and cal._year_hi >= 2035
    # Data for earlier years is still correct after rebuilding.
    assert cal.is_working_day(date(2027, 2, 20))
    assert not cal.is_working_day(date(2026, 12, 31))


def test_datetime_accepted(cal):
    assert cal.is_working_day(datetime(2027, 2, 20, 10, 30))
    assert cal.add_working_days(datetime(2027, 2, 19, 18, 0), 1) == date(2027, 2, 20)

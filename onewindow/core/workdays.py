"""Russian production calendar (производственный календарь).

Pure Python: no Flask, no database. Admin overrides are passed in as a plain
mapping by the caller (the web layer reads them from the DB).

Source of truth is the ``holidays`` package (``holidays.RU``). Since 0.109 it
knows both kinds of government transfers (переносы):

* substituted days off — e.g. 2027-02-22 (Mon), 2027-11-05 (Fri) and
  2027-12-31 (Fri) are days off and are present in the holidays mapping;
* transferred working weekends — e.g. Saturday 2027-02-20 is a working day
  (listed in ``weekend_workdays``), and ``is_working_day`` returns True for it.

Overrides (date -> True = working day, False = day off) always win.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

__all__ = ["ProductionCalendar", "default_calendar"]

_ONE_DAY = timedelta(days=1)
# When a year outside the cached range is requested, the range is widened to
# include it plus this many neighbouring years, so sequential scans across a
# year boundary do not rebuild the holidays object on every step.
_YEAR_MARGIN = 1


def _as_date(d: date) -> date:
    """Accept ``datetime`` too (it is a ``date`` subclass) and drop the time part."""
    if isinstance(d, datetime):
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"expected datetime.date, got {type(d).__name__}")
    return d


class ProductionCalendar:
    """Working-day arithmetic over the Russian production calendar.

    ``overrides`` maps a date to ``True`` (working day) or ``False`` (day off);
    they take precedence over the ``holidays`` package.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = {
            _as_date(k): bool(v) for k, v in (overrides or {}).items()
        }
        self._lock = threading.Lock()
        self._year_lo: int | None = None
        self._year_hi: int | None = None
        self._holidays: holidays.HolidayBase | None = None

    # ------------------------------------------------------------------ cache
    def _calendar_for(self, year: int) -> holidays.HolidayBase:
        """Return a holidays object whose populated years include ``year``.

        The object is built with ``expand=False`` so it never silently grows;
        instead the covered range is widened here (under a lock) and the object
        is rebuilt for the new contiguous range.
        """
        hol = self._holidays
        lo, hi = self._year_lo, self._year_hi
        if hol is not None and lo is not None and hi is not None and lo <= year <= hi:
            return hol
        with self._lock:
            lo, hi = self._year_lo, self._year_hi
            if self._holidays is not None and lo is not None and hi is not None:
                if lo <= year <= hi:
                    return self._holidays
                new_lo = min(lo, year - _YEAR_MARGIN)
                new_hi = max(hi, year + _YEAR_MARGIN)
            else:
                new_lo, new_hi = year - _YEAR_MARGIN, year + _YEAR_MARGIN
            new_hol = holidays.RU(years=range(new_lo, new_hi + 1), expand=False)
            # Publish the object before the bounds so lock-free readers that see
            # the new bounds also see an object covering them.
            self._holidays = new_hol
            self._year_lo, self._year_hi = new_lo, new_hi
            return new_hol

    # ---------------------------------------------------------------- queries
    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    def is_working_day(self, d: date) -> bool:
        d = _as_date(d)
        override = self._overrides.get(d)
        if override is not None:
            return override
        return self._calendar_for(d.year).is_working_day(d)

    def holiday_name(self, d: date) -> str | None:
        """Name of the public holiday / substituted day off from the package, if any."""
        d = _as_date(d)
        return self._calendar_for(d.year).get(d)

    def next_working_day(self, d: date) -> date:
        """First working day strictly after ``d``."""
        d = _as_date(d) + _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def working_day_on_or_after(self, d: date) -> date:
        """``d`` itself if it is a working day, otherwise the next working day."""
        d = _as_date(d)
        return d if self.is_working_day(d) else self.next_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself is not counted).

        ``n == 0`` returns ``start`` if it is a working day, otherwise the next
        working day. Negative ``n`` is rejected.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        start = _as_date(start)
        if n == 0:
            return self.working_day_on_or_after(start)
        d = start
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def add_calendar_days(self, start: date, n: int, *, roll_forward: bool = True) -> date:
        """``start + n`` calendar days.

        If the result is a non-working day and ``roll_forward`` is set, the
        deadline moves to the next working day (as Russian procedural deadlines
        do, cf. ст. 193 ГК РФ).
        """
        d = _as_date(start) + timedelta(days=n)
        if roll_forward:
            d = self.working_day_on_or_after(d)
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days in the half-open interval ``(a, b]``.

        Returns 0 when ``a == b``; if ``b < a`` the result is the negated count
        for ``(b, a]``.
        """
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        d = a + _ONE_DAY
        while d <= b:
            if self.is_working_day(d):
                count += 1
            d += _ONE_DAY
        return count


@lru_cache(maxsize=1)
def default_calendar() -> ProductionCalendar:
    """Process-wide calendar without admin overrides."""
    return ProductionCalendar()

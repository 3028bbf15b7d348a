"""The one clock of the application: every "now" and "today" comes from here.

Call it through the module (``clock.now()``) so that a test moves time for the whole app
by patching one place: ``monkeypatch.setattr(clock, "now", lambda: moment)``.
"""

from __future__ import annotations

from datetime import date, datetime


def now() -> datetime:
    """The office's wall clock, to the second (what records store)."""
    return datetime.now().replace(microsecond=0)


def today() -> date:
    """The office's current date (follows :func:`now`, so a moved clock moves the day)."""
    return now().date()

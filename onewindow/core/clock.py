"""The one clock of the application: every "now" and "today" comes from here, in office time.

The office's wall clock is that of ``OFFICE_TIMEZONE`` (``create_app`` sets it; default
Europe/Volgograd), whatever the server's own zone: a server in UTC or in Vladivostok still
stamps Volgograd's 08:30 as 08:30 and puts it on Volgograd's date. Times are stored as
naive office-local values, so pages, registers, deadlines and reports need no conversion.

Call it through the module (``clock.now()``) so that a test moves time for the whole app
by patching one place: ``monkeypatch.setattr(clock, "now", lambda: moment)``.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Volgograd"
_office_zone: ZoneInfo | None = ZoneInfo(DEFAULT_TIMEZONE)


def set_office_timezone(name: str | None) -> None:
    """Use the zone ``name`` (an IANA name); None or "" means the server's local time."""
    global _office_zone
    _office_zone = ZoneInfo(name) if name else None


def office_timezone() -> ZoneInfo | None:
    return _office_zone


def now() -> datetime:
    """The office's wall clock, to the second (what records store), as a naive datetime."""
    if _office_zone is None:
        return datetime.now().replace(microsecond=0)
    return datetime.now(_office_zone).replace(tzinfo=None, microsecond=0)


def today() -> date:
    """The office's current date (follows :func:`now`, so a moved clock moves the day)."""
    return now().date()

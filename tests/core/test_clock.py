"""Office time: "now" and "today" are the office's whatever the server's own zone."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import pytest

from onewindow.core import clock


class _Instant(datetime):
    """A datetime class whose now() is one fixed instant (21:30 UTC on 7 December)."""

    moment = datetime(2026, 12, 7, 21, 30, 15, 123456, tzinfo=UTC)

    @classmethod
    def now(cls, tz=None):
        if tz is None:  # the server's local time
            return cls.moment.astimezone().replace(tzinfo=None)
        return cls.moment.astimezone(tz)


@pytest.fixture
def server_zone():
    """Run the server in the zone given, then restore the process's zone."""
    before = os.environ.get("TZ")

    def use(name: str):
        os.environ["TZ"] = name
        time.tzset()

    yield use
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()
    clock.set_office_timezone(clock.DEFAULT_TIMEZONE)


@pytest.mark.parametrize("server", ["UTC", "Asia/Vladivostok", "Europe/Kaliningrad"])
def test_office_time_does_not_depend_on_the_server_zone(monkeypatch, server_zone, server):
    server_zone(server)
    monkeypatch.setattr(clock, "datetime", _Instant)
    clock.set_office_timezone("Europe/Volgograd")
    assert clock.now() == datetime(2026, 12, 8, 0, 30, 15)  # UTC+3: already Tuesday
    assert clock.today().isoformat() == "2026-12-08"
    clock.set_office_timezone("Asia/Vladivostok")
    assert clock.now() == datetime(2026, 12, 8, 7, 30, 15)


def test_morning_east_of_moscow_is_on_its_own_date(monkeypatch, server_zone):
    """08:30 in Vladivostok is 22:30 UTC of the day before: the office's date is today's."""
    server_zone("UTC")
    monkeypatch.setattr(_Instant, "moment", datetime(2026, 12, 7, 22, 30, tzinfo=UTC))
    monkeypatch.setattr(clock, "datetime", _Instant)
    clock.set_office_timezone("Asia/Vladivostok")
    assert (clock.now().hour, clock.today().day) == (8, 8)


def test_an_empty_zone_means_the_server_clock(monkeypatch, server_zone):
    server_zone("Asia/Vladivostok")
    monkeypatch.setattr(clock, "datetime", _Instant)
    clock.set_office_timezone("")
    assert clock.now() == datetime(2026, 12, 8, 7, 30, 15)


def test_the_app_takes_the_configured_zone(app):
    assert app.config["OFFICE_TIMEZONE"] == "Europe/Volgograd"
    assert str(clock.office_timezone()) == "Europe/Volgograd"

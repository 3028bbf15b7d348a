"""The documents marker: offline copies of printed documents live only as long as the
login session that printed them (issue #21, item 6; the browser side: tests/browser)."""

from __future__ import annotations

import re
from datetime import timedelta

from onewindow.core import clock as clock_module
from onewindow.security import sessions

from ..conftest import login

MARKER = sessions.DOCS_COOKIE


def _epoch(moment) -> int:
    return int(moment.replace(tzinfo=clock_module.office_timezone()).timestamp())


def _marker(client):
    cookie = client.get_cookie(MARKER)
    if cookie is None:
        return None
    match = re.fullmatch(r"([A-Za-z0-9_-]{8,64})\.(\d+)", cookie.value)
    assert match, cookie.value
    return match[1], int(match[2])


def _set_cookie(response, name=MARKER):
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    return found[0] if found else None


def test_login_sets_a_script_readable_browser_session_marker_ending_with_the_session(
        client, users, clock):
    response = login(client, users["specialist"])
    header = _set_cookie(response)
    assert header is not None
    assert "HttpOnly" not in header and "SameSite=Lax" in header and "Path=/" in header
    # No lifetime: a browser closed and started again has no marker.
    assert "Expires" not in header and "Max-Age" not in header
    ident, end = _marker(client)
    assert end == _epoch(clock.now + timedelta(minutes=30))  # the idle limit, in Unix time
    # Activity moves the end along (sent again only when the idle mark moves).
    clock.now += timedelta(minutes=10)
    assert client.get("/").status_code == 200
    assert _marker(client) == (ident, _epoch(clock.now + timedelta(minutes=30)))


def test_the_absolute_limit_bounds_the_marker(app, client, users, clock):
    login(client, users["specialist"])
    start = clock.now
    for _ in range(12 * 2):
        clock.now += timedelta(minutes=29, seconds=50)
        if client.get("/").status_code != 200:
            break
        _ident, end = _marker(client)
        assert end <= _epoch(start + timedelta(hours=12))


def test_logout_expiry_and_a_browser_restart_end_the_marker(client, users, clock):
    login(client, users["specialist"])
    first, _ = _marker(client)
    # Logged out: the marker is deleted.
    response = client.post("/logout")
    assert "Max-Age=0" in _set_cookie(response) or "1970" in _set_cookie(response)
    assert client.get_cookie(MARKER) is None

    # Expired (no activity for longer than the idle limit): deleted on the next request.
    login(client, users["specialist"])
    second, _ = _marker(client)
    assert second != first
    clock.now += timedelta(minutes=31)
    client.get("/applicants/")
    assert client.get_cookie(MARKER) is None

    # The browser was closed (the marker, a browser-session cookie, is gone) while the
    # login cookie still holds: a new id, so documents kept before are not offered.
    login(client, users["specialist"])
    third, _ = _marker(client)
    client.delete_cookie(MARKER)
    assert client.get("/").status_code == 200
    fourth, _ = _marker(client)
    assert fourth not in (first, second, third)


def test_another_user_gets_another_id(app, users):
    client = app.test_client()
    login(client, users["specialist"])
    mine, _ = _marker(client)
    client.post("/logout")
    login(client, users["chief"])
    theirs, _ = _marker(client)
    assert theirs != mine


def test_anonymous_pages_set_no_marker(client):
    response = client.get("/login")
    assert _set_cookie(response) is None
    assert client.get_cookie(MARKER) is None

"""Sessions: idle and absolute limits, fresh session per login, throttling, password change."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from onewindow.auth.models import User
from onewindow.core import clock as clock_module
from onewindow.security import sessions

from ..conftest import login
from ..factories import DEFAULT_PASSWORD


class Clock:
    def __init__(self):
        self.now = clock_module.now()

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(clock_module, "now", c)
    return c


def test_idle_timeout_with_a_moved_clock(client, users, clock):
    login(client, users["specialist"])
    clock.now += timedelta(minutes=29)
    assert client.get("/").status_code == 200  # activity renews the idle timer
    clock.now += timedelta(minutes=29)
    assert client.get("/").status_code == 200
    clock.now += timedelta(minutes=31)
    r = client.get("/applicants/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "вы не работали с системой дольше 30 мин" in page


def test_the_session_cookie_is_sent_again_only_when_it_changes(client, users, clock):
    login(client, users["specialist"])
    client.get("/")  # shows (and so removes) the login's flash message
    assert "Set-Cookie" not in client.get("/").headers
    clock.now += timedelta(seconds=sessions.SEEN_RESOLUTION - 5)
    assert "Set-Cookie" not in client.get("/").headers
    clock.now += timedelta(seconds=10)
    assert "Set-Cookie" in client.get("/").headers  # the idle mark moved


def test_background_polling_does_not_keep_the_session_alive(client, users, clock):
    login(client, users["specialist"])
    for _ in range(3):
        clock.now += timedelta(minutes=10)
        assert client.get("/", headers={"X-Background": "1"}).status_code == 200
    clock.now += timedelta(minutes=5)
    assert client.get("/").status_code == 302


def test_idle_timeout_is_configurable(make_app, users, clock):
    short = make_app(SESSION_IDLE_MINUTES=5).test_client()
    login(short, users["chief"])
    clock.now += timedelta(minutes=6)
    assert short.get("/").status_code == 302


def test_absolute_lifetime(client, users, clock):
    login(client, users["specialist"])
    for _ in range(25):  # busy all day, never idle for long
        clock.now += timedelta(minutes=29)
        if client.get("/").status_code != 200:
            break
    assert clock.now - datetime.now(clock_module.office_timezone()).replace(tzinfo=None) \
        > timedelta(hours=11)
    r = client.get("/")
    assert r.status_code == 302
    assert "истёк предельный срок сеанса (12 ч)" in client.get("/login").get_data(as_text=True)


def test_expired_session_is_audited(client, session, users, clock):
    from onewindow.security.models import AuditEntry

    login(client, users["specialist"])
    clock.now += timedelta(hours=1)
    client.get("/")
    session.rollback()
    assert session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "session_expired")) == 1


def test_new_session_on_login_and_previous_login_time(client, session, users):
    user = users["director"]
    client.get("/login")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    login(client, user)
    with client.session_transaction() as s:
        assert "planted" not in s
    page = client.get("/").get_data(as_text=True)
    assert "Это ваш первый вход" in page
    client.post("/logout")
    login(client, user)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r"Предыдущий вход: \d\d\.\d\d\.\d{4} \d\d:\d\d", page)


def test_throttling_per_account(client, users):
    user = users["specialist"]
    for _ in range(5):
        r = client.post("/login", data={"username": user.username, "password": "nope-nope"})
        assert r.status_code == 422
    r = client.post("/login", data={"username": user.username, "password": DEFAULT_PASSWORD})
    assert r.status_code == 429
    assert "Слишком много неудачных попыток входа" in r.get_data(as_text=True)
    # Another account from the same address is not blocked yet.
    login(client, users["chief"])


def test_throttling_expires(client, users, clock):
    user = users["specialist"]
    for _ in range(5):
        client.post("/login", data={"username": user.username, "password": "nope-nope"})
    clock.now += timedelta(minutes=16)
    login(client, user)


def test_throttling_per_address(make_app, users):
    username = users["chief"].username  # read before the requests (SQLite write lock)
    strict = make_app(LOGIN_MAX_FAILURES_ADDRESS=3).test_client()
    for n in range(3):
        strict.post("/login", data={"username": f"guess{n}", "password": "nope-nope"})
    r = strict.post("/login", data={"username": username, "password": DEFAULT_PASSWORD})
    assert r.status_code == 429


def _get(client, url):
    """A request as from its own workstation: forget the user cached on the shared app
    context (the test's ``session`` fixture keeps one app context for all requests)."""
    from flask import g

    g.pop("_login_user", None)
    return client.get(url)


def test_password_change_ends_other_sessions(app, session, users):
    user = users["specialist"]
    here, elsewhere = app.test_client(), app.test_client()
    login(here, user)
    login(elsewhere, user)
    page = here.get("/account/password")
    assert page.status_code == 200 and "Новый пароль" in page.get_data(as_text=True)
    weak = here.post("/account/password", data={
        "current": DEFAULT_PASSWORD, "password": "password12345", "repeat": "password12345"})
    assert weak.status_code == 422 and "не менее 10" not in weak.get_data(as_text=True)
    assert "слишком простой" in weak.get_data(as_text=True)
    wrong = here.post("/account/password", data={
        "current": "not-mine-123", "password": "Zvezda-Volga-77", "repeat": "Zvezda-Volga-77"})
    assert wrong.status_code == 422 and "Текущий пароль указан неверно" in wrong.get_data(
        as_text=True)
    ok = here.post("/account/password", data={
        "current": DEFAULT_PASSWORD, "password": "Zvezda-Volga-77", "repeat": "Zvezda-Volga-77"})
    assert ok.status_code == 302
    assert _get(here, "/").status_code == 200  # this session goes on
    assert _get(elsewhere, "/").status_code == 302  # the other one is over
    session.rollback()
    assert session.get(User, user.id).check_password("Zvezda-Volga-77")


def test_session_cookie_flags(app, users):
    client = app.test_client()
    r = client.post("/login", data={"username": users["chief"].username,
                                    "password": DEFAULT_PASSWORD})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_debug_default_key_and_sets_secure_cookie(monkeypatch):
    from onewindow import create_app

    monkeypatch.setenv("ONEWINDOW_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-key")
    with pytest.raises(RuntimeError, match="debug"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "DEBUG": True})
    with pytest.raises(RuntimeError, match="development SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "SECRET_KEY": "dev-only-secret-key-change-me"})
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    from onewindow.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_no_default_accounts_after_migration(app, session):
    assert session.scalar(select(func.count(User.id))) == 0

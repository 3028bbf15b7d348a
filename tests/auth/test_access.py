"""Login, logout and the rule that every route declares who may open it."""

from __future__ import annotations

from onewindow.web import PUBLIC, access_rule

from ..conftest import login
from ..factories import DEFAULT_PASSWORD
from ..security.routes import sample_url


def test_every_route_declares_an_access_rule(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        if access_rule(app.view_functions[rule.endpoint]) is None:
            undeclared.append(rule.rule)
    assert undeclared == [], f"routes without @allow/@public: {undeclared}"


def test_anonymous_is_sent_to_login_everywhere_but_public_pages(app, client):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        view = app.view_functions[rule.endpoint]
        if access_rule(view) == PUBLIC:
            continue
        url = sample_url(app, rule)
        response = client.get(url)
        assert response.status_code in (302, 401), url
        assert "/login" in response.headers.get("Location", "") or response.status_code == 401


def test_login_logout_and_header(client, users):
    user = users["specialist"]
    bad = client.post("/login", data={"username": user.username, "password": "wrong-pass"})
    assert bad.status_code == 422
    assert "Неверное имя пользователя или пароль" in bad.get_data(as_text=True)
    login(client, user)
    home = client.get("/").get_data(as_text=True)
    assert user.full_name in home and "Специалист (приём)" in home
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_logged_out_cookie_is_refused(app, users):
    """Logout ends the session on the server: a copy of the old cookie is useless."""
    first = app.test_client()
    login(first, users["chief"])
    stolen = first.get_cookie("session").value
    first.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/").status_code == 302


def test_roles_limit_pages(client, users):
    login(client, users["archivist"], DEFAULT_PASSWORD)
    assert client.get("/applicants/").status_code == 403
    assert client.get("/services/").status_code == 200


def test_wrong_current_password_is_422_next_to_it_and_changes_nothing(client, users, session):
    from onewindow.auth.models import User

    user = users["specialist"]
    login(client, user)
    r = client.post("/account/password", data={
        "current": "not-mine-123", "password": "Zvezda-Volga-77", "repeat": "Zvezda-Volga-77"})
    assert r.status_code == 422
    assert 'id="current-error">Текущий пароль указан неверно' in r.get_data(as_text=True)
    session.rollback()
    saved = session.get(User, user.id)
    assert saved.check_password(DEFAULT_PASSWORD) and not saved.check_password(
        "Zvezda-Volga-77")
    assert client.get("/").status_code == 200  # the session goes on

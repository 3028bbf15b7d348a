"""The «Сроки» page at an office's volume: grouped, filtered, paged, small."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from onewindow.core import clock
from onewindow.registry import queries
from onewindow.registry.models import Request

from ..conftest import login
from .helpers import AWAITING, OWN_OVERDUE, OWN_SOON, make_busy_office

HX = {"HX-Request": "true"}


def _rows(html: str) -> int:
    return len(re.findall(r"<tr class=", html))


def test_board_at_volume_is_grouped_and_small(client, session, users):
    spec = make_busy_office(session, users)
    login(client, spec)
    page = client.get("/registry/deadlines")
    assert page.status_code == 200
    html = page.text
    # Every group shows a preview only: 10 incoming requests, 10 awaited answers.
    assert _rows(html) == 2 * queries.PREVIEW_ROWS
    assert len(page.data) < 60_000, len(page.data)
    # The person's own overdue count leaves the awaited answers out; they have their group.
    assert f"Просрочено: {OWN_OVERDUE}<" in html and f"Сегодня: {OWN_SOON}<" in html
    assert f"Ждём ответ: {AWAITING}, из них просрочено {AWAITING}" in html
    assert re.search(r'<details class="card deadline-group" data-kind="awaiting">', html)
    # Kinds with nothing due are named in one line, not shown as empty tables.
    assert ("Нет сроков по отбору: Обращения граждан, Заявления: сроки решения, Поручения, "
            "Дела из архива.") in html
    assert 'data-kind="appeal"' not in html
    # The header badge is what this person must act on today, and opens that list.
    badge = re.search(r'href="([^"]+)" class="nav-deadlines">Сроки <span class="nav-count"'
                      r'[^>]*>(\d+)<', html)
    assert badge and int(badge.group(2)) == OWN_OVERDUE + OWN_SOON
    urgent = client.get(badge.group(1).replace("&amp;", "&"))
    assert f"Просрочено: {OWN_OVERDUE}<" in urgent.text and _rows(urgent.text) == 20
    assert f"Показать все: {OWN_OVERDUE + OWN_SOON} →" in urgent.text


def test_board_kind_filter_pages_and_keeps_the_filter(client, session, users):
    spec = make_busy_office(session, users)
    login(client, spec)
    url = "/registry/deadlines?kind=awaiting&when=overdue&page=3"
    page = client.get(url)
    assert page.status_code == 200
    assert _rows(page.text) == queries.PAGE_ROWS and len(page.data) < 80_000
    pages = AWAITING // queries.PAGE_ROWS
    assert f"страница 3 из {pages}" in page.text
    # Only the chosen kind, and the page links keep the filter in the URL.
    assert 'data-kind="request"' not in page.text
    assert "ИСХ-" in page.text and "ВХ-" not in page.text
    links = re.findall(r'<a href="(/registry/deadlines\?[^"]+)"[^>]*rel="(prev|next)"',
                       page.text)
    assert {rel for _, rel in links} == {"prev", "next"}
    for href, _ in links:
        assert "kind=awaiting" in href and "when=overdue" in href
    # The 3rd page holds the 101st..150th earliest (due, id) rows.
    first = re.search(r'<tr class="overdue">.*?<a href="/registry/requests/(\d+)"',
                      page.text, re.S)
    ids = session.scalars(select(Request.id).where(Request.direction == "out")
                          .order_by(Request.due_date, Request.id)).all()
    assert int(first.group(1)) == ids[2 * queries.PAGE_ROWS]
    # Past the last page shows the last page; the htmx fragment is the board only.
    last = client.get("/registry/deadlines?kind=awaiting&when=overdue&page=999", headers=HX)
    assert "<html" not in last.text and f"страница {pages} из {pages}" in last.text
    assert _rows(last.text) == AWAITING - (pages - 1) * queries.PAGE_ROWS
    assert 'id="deadline-board"' in last.text


def test_awaited_answers_recorded_in_bulk(client, session, users):
    spec = make_busy_office(session, users)
    login(client, spec)
    ids = session.scalars(select(Request.id).where(Request.direction == "out")
                          .order_by(Request.id).limit(3)).all()
    today = clock.today().strftime("%d.%m.%Y")
    refused = client.post("/registry/deadlines/received?kind=awaiting",
                          data={"on": today})
    assert refused.status_code == 422 and "Отметьте запросы" in refused.text
    r = client.post("/registry/deadlines/received?kind=awaiting&when=all",
                    data={"on": today, "ids": ids})
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/registry/deadlines?kind=awaiting&when=all")
    received = session.scalar(select(func.count()).select_from(Request).where(
        Request.status == "received"))
    assert received == 3
    # An incoming request cannot be "answered by them": refused with its number, nothing saved.
    incoming = session.scalar(select(Request).where(Request.direction == "in"))
    other = session.scalars(select(Request.id).where(Request.status == "sent")).first()
    r = client.post("/registry/deadlines/received",
                    data={"on": today, "ids": [other, incoming.id]})
    assert r.status_code == 422 and incoming.number in r.text
    session.expire_all()
    assert session.get(Request, other).status == "sent"


def test_board_status_filter(client, session, users):
    spec = make_busy_office(session, users)
    login(client, spec)
    page = client.get("/registry/deadlines?status=new")
    # Only the incoming requests not yet taken into work (registered today); the kinds
    # without such a stage (awaited answers among them) are left out.
    assert f"Входящие запросы <span class=\"muted\">({OWN_SOON}, сегодня {OWN_SOON})" in page.text
    assert 'data-kind="awaiting"' not in page.text
    assert 'name="status"' in page.text and '<option value="new" selected>' in page.text

"""Home pages: every heading's count is the count of its list, and the list links to all of
it (issue 17, item 10)."""

from __future__ import annotations

import re
from datetime import timedelta

from onewindow.core import clock

from ..conftest import login
from ..factories import make_application

OVERDUE = 22  # more than a home list shows


def _numbers(html: str) -> set[str]:
    return set(re.findall(r">(\d{4}-\d{6})</a>", html))


def _section(html: str, heading: str) -> str:
    start = html.index(heading)
    return html[start:html.index("</section>", start)]


def _setup(session, users):
    today, now = clock.today(), clock.now()
    me = users["specialist"]
    made = {"overdue": [], "due": [], "later": []}
    for i in range(OVERDUE):
        a = make_application(session, user=me, now=now - timedelta(days=60))
        a.deadline = today - timedelta(days=1 + i)
        made["overdue"].append(a.number)
    for days in (0, 3):
        a = make_application(session, user=me, now=now)
        a.deadline = today + timedelta(days=days)
        made["due"].append(a.number)
    a = make_application(session, user=me, now=now)
    a.deadline = today + timedelta(days=10)
    made["later"].append(a.number)
    session.commit()
    return made


def test_specialist_deadlines_list_holds_what_its_heading_says(client, users, session):
    made = _setup(session, users)
    login(client, users["specialist"])
    html = client.get("/").get_data(as_text=True)
    due = _section(html, "Мои заявления в работе со сроком в ближайшие 3 дня")
    assert "в ближайшие 3 дня: 2<" in due
    assert _numbers(due) == set(made["due"])  # none overdue since October among them
    link = re.search(r'href="([^"]*view=due[^"]*)"', due)
    assert link, due
    full = client.get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    assert _numbers(full) == set(made["due"])


def test_overdue_heading_counts_all_and_matches_the_director_tile(client, users, session):
    made = _setup(session, users)
    login(client, users["director"])
    html = client.get("/").get_data(as_text=True)
    tile = re.search(r"Просрочено сейчас</span><b>(\d+)</b>", html)
    assert tile and int(tile[1]) == OVERDUE
    overdue = _section(html, "Просроченные заявления")
    assert f"Просроченные заявления: {OVERDUE}<" in overdue
    assert _numbers(overdue) <= set(made["overdue"]) and _numbers(overdue)
    link = re.search(r'href="([^"]*view=overdue[^"]*)"', overdue)
    assert link, overdue
    full = client.get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    assert _numbers(full) == set(made["overdue"])


def test_accepted_today_links_to_the_full_list(client, users, session):
    made = _setup(session, users)
    login(client, users["specialist"])
    html = client.get("/").get_data(as_text=True)
    mine = _section(html, "Принято мной сегодня")
    assert "Принято мной сегодня: 3<" in mine
    link = re.search(r'href="([^"]*view=today[^"]*)"', mine)
    assert link, mine
    full = client.get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    assert _numbers(full) == set(made["due"] + made["later"])


def test_the_applications_page_pages_its_lists(client, users, session):
    """A year's overdue applications are hundreds: /applications/ shows the first ones and
    a link to all; the full list comes a page at a time with the whole count."""
    made = _setup(session, users)
    me = users["specialist"]
    for i in range(40):
        a = make_application(session, user=me, now=clock.now() - timedelta(days=90))
        a.deadline = clock.today() - timedelta(days=30 + i)
        made["overdue"].append(a.number)
    session.commit()
    total = len(made["overdue"])
    login(client, me)
    page = client.get("/applications/").get_data(as_text=True)
    section = page[page.index("Просрочены (открытые, срок истёк)"):page.index("Мои последние")]
    assert f"срок истёк): {total}<" in section
    assert len(_numbers(section)) == 20
    assert f"Все просроченные: {total}" in section
    pages = [client.get(f"/applications/?view=overdue&page={n}").get_data(as_text=True)
             for n in (1, 2)]
    assert f"страница 1 из 2 · всего {total}" in pages[0]
    assert _numbers(pages[0]) | _numbers(pages[1]) == set(made["overdue"])
    assert len(_numbers(pages[0])) == 50

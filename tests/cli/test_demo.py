"""Demo data a new user believes (issue 17, item 11): categories that fit sex and age,
real names, the administrator greeted by name, an address that says it is a placeholder."""

from __future__ import annotations

from datetime import date

import pymorphy3
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from onewindow.applicants.models import Applicant
from onewindow.auth.models import User
from onewindow.config import Config
from onewindow.core import clock
from onewindow.demo import DEMO_PASSWORD, make_demo

from ..conftest import login


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def test_categories_fit_sex_and_age_and_names_are_real(app, session):
    make_demo(session, applicants=400, applications=0, random_seed=11)
    session.commit()
    today = clock.today()
    people = list(session.scalars(select(Applicant).options(
        selectinload(Applicant.categories))))
    assert len(people) == 400
    seen: set[str] = set()
    for person in people:
        age = _age(person.birth_date, today)
        codes = {c.code for c in person.categories}
        seen |= codes
        who = (person.full_name, person.sex, age, codes)
        if codes & {"pregnant", "nursing_mother"}:
            assert person.sex == "F" and 16 <= age <= 45, who
        if codes & {"pensioner", "labour_veteran", "labour_veteran_vo"}:
            assert age >= (55 if person.sex == "F" else 60), who
        if "stalingrad_children" in codes:
            assert date(1924, 8, 23) <= person.birth_date <= date(1943, 2, 2), who
        if "home_front" in codes:
            assert person.birth_date <= date(1931, 5, 9), who
        if "chernobyl" in codes:
            assert person.birth_date <= date(1968, 12, 31), who
        if codes & {"student_family", "pregnant", "large_family", "twins_family"}:
            assert age <= 50, who
        assert "disabled_child" not in codes, who  # an adult applicant is no child
    assert {"pregnant", "pensioner"} <= seen  # categories are still given out
    morph = pymorphy3.MorphAnalyzer()
    for person in people:
        assert any("Name" in p.tag for p in morph.parse(person.name)), person.full_name
        assert any("Patr" in p.tag for p in morph.parse(person.patronymic)), person.full_name


def test_the_admin_is_greeted_by_name(app, client, session):
    make_demo(session, applicants=1, applications=0)
    session.commit()
    admin = session.scalar(select(User).where(User.username == "admin"))
    login(client, admin, DEMO_PASSWORD)
    html = client.get("/").get_data(as_text=True)
    name, patronymic = admin.full_name.split()[1:3]
    assert f"Добрый день, {name} {patronymic}!" in html
    assert "Системы" not in html and "Администратор С" not in html
    assert "Адрес учреждения не задан" in html and "INSTITUTION_ADDRESS" in html


def test_the_default_address_is_a_marked_placeholder(monkeypatch, tmp_path):
    monkeypatch.delenv("INSTITUTION_ADDRESS", raising=False)
    address = Config(str(tmp_path)).INSTITUTION_ADDRESS
    assert "Примерная" not in address
    assert "INSTITUTION_ADDRESS" in address and "укажите" in address.lower()


def test_quickstart_asks_to_change_the_address(app):
    with app.app_context():  # a plain click command: the runner pushes no context for it
        result = app.test_cli_runner().invoke(
            args=["quickstart", "--no-serve", "--applicants", "5"])
    assert result.exit_code == 0, result.output
    assert "INSTITUTION_ADDRESS" in result.output


def test_applications_scale_with_applicants_over_a_year(app, client, session, monkeypatch):
    """Two applications per applicant whatever their number (it was capped at 600): the
    newest through the desk's registration, the year before in bulk, one gapless journal."""
    from onewindow import demo
    from onewindow.intake.models import Application, ApplicationEvent

    monkeypatch.setattr(demo, "LIVE_APPLICATIONS", 12)
    monkeypatch.setattr(demo, "BATCH", 50)  # several batches
    before = session.scalar(select(func.max(Application.id))) or 0
    report = make_demo(session, applicants=150, applications=None, random_seed=5)
    session.commit()
    assert "заявлений 300" in report
    apps = list(session.scalars(select(Application).where(Application.id > before)
                                .order_by(Application.registered_at, Application.id)))
    assert len(apps) == 300
    now = clock.now()
    oldest = now - apps[0].registered_at
    assert 200 <= oldest.days <= demo.HISTORY_DAYS  # a year of them, not two months
    # Numbers follow the registration order in each year, with no gap and no repeat.
    for year in {a.year for a in apps}:
        seqs = [a.seq for a in apps if a.year == year]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), year
        assert all(a.number == f"{year}-{a.seq:06d}" for a in apps if a.year == year)
    bulk = [a for a in apps if (now - a.registered_at).days >= demo.LIVE_DAYS]
    assert len(bulk) == 300 - 12
    assert {a.status for a in bulk} <= {"granted", "refused"}
    assert all(a.decided_at and a.decided_at > a.registered_at for a in bulk)
    assert all(a.documents and any(d.received for d in a.documents) for a in bulk[:20])
    events = session.scalars(select(ApplicationEvent).where(
        ApplicationEvent.application_id == bulk[0].id).order_by(ApplicationEvent.at)).all()
    assert [e.status_to for e in events] == ["accepted", "transferred", bulk[0].status]
    # A specialist's list stays short: their newest 30, the newest first.
    specialist = session.scalar(select(User).where(User.username == "specialist"))
    mine = [a for a in apps if a.registered_by_id == specialist.id]
    assert len(mine) > 30
    login(client, specialist, password=DEMO_PASSWORD)
    page = client.get("/applications/").get_data(as_text=True)
    assert mine[-1].number in page and mine[0].number not in page

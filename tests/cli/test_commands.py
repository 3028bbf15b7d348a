"""CLI: seeding is idempotent, users are created with roles, demo data is realistic."""

from __future__ import annotations

from sqlalchemy import func, select

from onewindow.applicants.models import Applicant
from onewindow.auth.models import User
from onewindow.catalog.models import Service, ServiceDocument
from onewindow.core.snils import is_valid_snils
from onewindow.intake.models import Application


def test_seed_twice_changes_nothing(app, session):
    runner = app.test_cli_runner()
    before = (session.scalar(select(func.count(Service.id))),
              session.scalar(select(func.count(ServiceDocument.id))))
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0 and "добавлено услуг 0" in result.output
    session.expire_all()
    after = (session.scalar(select(func.count(Service.id))),
             session.scalar(select(func.count(ServiceDocument.id))))
    assert before == after and before[0] == 30


def test_create_user_command(app, session):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["create-user", "ivanova", "--full-name", "Иванова Анна Петровна",
                             "--role", "archivist", "--password", "long-secret-phrase"])
    assert ok.exit_code == 0, ok.output
    weak = runner.invoke(args=["create-user", "petrov", "--full-name", "Петров П. П.",
                               "--role", "specialist", "--password", "1234567890"])
    assert weak.exit_code != 0 and "простой" in weak.output
    user = session.scalar(select(User).where(User.username == "ivanova"))
    assert user.role == "archivist" and user.check_password("long-secret-phrase")
    assert user.password_hash != "long-secret-phrase"


def test_demo_command(app, session):
    result = app.test_cli_runner().invoke(args=["demo", "--applicants", "40",
                                                "--applications", "30"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count(Applicant.id))) == 40
    assert session.scalar(select(func.count(Application.id))) == 30
    assert all(is_valid_snils(s) for s in session.scalars(select(Applicant.snils)))
    by_year: dict[int, list[int]] = {}
    for year, seq in session.execute(select(Application.year, Application.seq)):
        by_year.setdefault(year, []).append(seq)
    assert sum(len(v) for v in by_year.values()) == 30
    assert all(sorted(v) == list(range(1, len(v) + 1)) for v in by_year.values())
    assert session.scalar(select(User).where(User.username == "specialist")) is not None

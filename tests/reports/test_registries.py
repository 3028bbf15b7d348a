"""The registries report: appeals answered on time / late, every installed area shown."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

from onewindow.registry.models import Appeal
from onewindow.reporting.periods import period_of
from onewindow.reports.registries import registries_report

from ..conftest import login


def _appeal(session, seq, *, user, registered, due, status="registered", answered=None):
    appeal = Appeal(number=f"О-{seq}", year=2026, seq=seq, received_on=registered,
                    registered_on=registered, subject="Вопрос", text="Текст", due_date=due,
                    forward_due=due, status=status, answer_date=answered,
                    created_at=datetime(2026, 11, 2, 9), created_by_id=user.id)
    session.add(appeal)
    return appeal


def test_appeals_on_time_late_and_overdue(session, users, client):
    user = users["chief"]
    _appeal(session, 1, user=user, registered=date(2026, 11, 2), due=date(2026, 11, 20),
            status="answered", answered=date(2026, 11, 5))
    _appeal(session, 2, user=user, registered=date(2026, 11, 3), due=date(2026, 11, 4),
            status="answered", answered=date(2026, 11, 6))
    _appeal(session, 3, user=user, registered=date(2026, 11, 4), due=date(2026, 11, 10))
    session.commit()
    report = registries_report(session, period=period_of("week", date(2026, 11, 2)),
                               today=date(2026, 11, 20))
    figures = {(r[0], r[1]): r[2] for r in report.tables[0].rows}
    appeals = "Обращения граждан"
    assert figures[(appeals, "Обращений зарегистрировано")] == 3
    assert figures[(appeals, "Дан ответ")] == 2
    assert figures[(appeals, "из них в срок")] == 1
    assert figures[(appeals, "из них с нарушением срока")] == 1
    assert figures[(appeals, "из них просрочено")] == 1
    sections = {r[0] for r in report.tables[0].rows}
    assert sections == {"Запросы", appeals, "Выборки СФР / ЦЗН", "Архив личных дел"}
    login(client, users["director"])
    week = {"period": "week", "date": "02.11.2026"}
    assert "Обращения граждан" in client.get("/reports/registries", query_string=week) \
        .get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(client.get("/reports/registries.xlsx",
                                                query_string=week).data)).worksheets[0]
    assert [c.value for c in sheet[3]] == ["Раздел", "Показатель", "Значение"]

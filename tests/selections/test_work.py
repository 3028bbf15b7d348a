"""Working the list: decisions, outcomes, filters, the applicant card, reports, access."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from onewindow.selections.models import SelectionHit

from ..conftest import login
from ..journal import audited, printed
from ..pdfcheck import pdf_text
from .helpers import csv_bytes, fresh, import_file, make_recipient, snils


@pytest.fixture
def worked(session, tmp_path, users):
    """A selection with one confirmed hit (СНИЛС) and one candidate (one letter)."""
    anna = make_recipient(session, surname="Иванова", name="Анна", snils=snils(1))
    olga = make_recipient(session, surname="Смирнова", name="Ольга", patronymic="Ивановна",
                          birth_date=date(1960, 2, 3), snils=None)
    session.commit()
    selection, _job = import_file(session, tmp_path, csv_bytes([
        [snils(1), "Иванова", "Анна", "Петровна", "01.05.1980", "=HYPERLINK(\"x\")", "", ""],
        ["", "Смирнова", "Олга", "Ивановна", "03.02.1960", "переезд", "", ""],
        ["", "Никтова", "Нина", "", "01.01.1950", "умер", "", ""],
    ]), user=users["specialist"])
    hits = {h.rule: h.id for h in session.scalars(select(SelectionHit))}
    ids = {"selection": selection.id, "anna": anna.id, "olga": olga.id, **hits}
    session.rollback()
    return ids


def test_candidate_needs_confirmation_before_outcome(specialist_client, session, worked):
    hit_id = worked["fuzzy_name"]
    response = specialist_client.post(f"/selections/hits/{hit_id}/outcome",
                                      data={"outcome": "suspended"},
                                      headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "Сначала подтвердите" in response.get_data(as_text=True)
    response = specialist_client.post(f"/selections/hits/{hit_id}/decide",
                                      data={"confirm": "1", "sure": "1"},
                                      headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and text.lstrip().startswith("<tr")
    assert "data-outcome-form" in text
    hit = fresh(session).get(SelectionHit, hit_id)
    assert hit.status == "confirmed" and hit.decided_at is not None


def test_reject_candidate(specialist_client, session, worked):
    hit_id = worked["fuzzy_name"]
    specialist_client.post(f"/selections/hits/{hit_id}/decide", data={"confirm": "0", "sure": "1"})
    assert fresh(session).get(SelectionHit, hit_id).status == "rejected"


def test_outcome_with_comment_and_progress(specialist_client, session, worked, users):
    hit_id, sid = worked["snils"], worked["selection"]
    response = specialist_client.post(f"/selections/hits/{hit_id}/outcome",
                                      data={"outcome": "", "comment": "x"},
                                      headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Выберите результат" in response.get_data(
        as_text=True)
    response = specialist_client.post(
        f"/selections/hits/{hit_id}/outcome",
        data={"outcome": "suspended", "comment": "приказ № 5", "sure": "1"},
        headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "выплата приостановлена" in text
    assert "приказ № 5" in text
    hit = fresh(session).get(SelectionHit, hit_id)
    assert hit.processed_by_id == users["specialist"].id and hit.outcome == "suspended"
    session.rollback()
    page = specialist_client.get(f"/selections/{sid}").get_data(as_text=True)
    assert "Отработано 1 из 2" in page
    mine = specialist_client.get(f"/selections/{sid}?state=processed&mine=1",
                                 headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "приказ № 5" in mine and "<html" not in mine
    pending = specialist_client.get(f"/selections/{sid}?state=pending",
                                    headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "приказ № 5" not in pending and "Смирнова" in pending
    by_action = specialist_client.get(
        f"/selections/{sid}?state=all&action=нет такого",
        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Нет совпадений по этому фильтру" in by_action


def test_applicant_card_shows_hits(specialist_client, worked):
    page = specialist_client.get(f"/applicants/{worked['anna']}").get_data(as_text=True)
    assert "Селекции СФР/ЦЗН" in page and "СНИЛС совпал" in page
    assert f"/selections/{worked['selection']}" in page


def test_selection_reports(specialist_client, session, users, worked):
    sid = worked["selection"]
    specialist_client.post(f"/selections/hits/{worked['snils']}/outcome",
                           data={"outcome": "not_required", "sure": "1"})
    response = specialist_client.get(f"/selections/{sid}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Отчёт по селекции" in text and "Не отработано" in text
    response = specialist_client.get(f"/selections/{sid}/report.xlsx")
    assert response.status_code == 200
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(response.data))
    totals = {r[0]: r[1] for r in wb["Итоги"].iter_rows(min_row=2, values_only=True)}
    assert totals["Строк получено"] == 3 and isinstance(totals["Строк получено"], int)
    assert totals["Отработано: не требуется"] == 1
    assert wb["Итоги"].freeze_panes == "A2"
    detail = wb["Совпадения"]
    assert detail.freeze_panes == "A2" and detail["A1"].value == "Группа"
    events = [r[6] for r in detail.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"x\")" in events  # neutralised, not a formula
    assert isinstance(detail["L2"].value, int)  # «Уверенность, %» as a number
    user_id = users["specialist"].id
    assert printed(session) == [("selection_report", "selection", str(sid), user_id)]
    assert audited(session, "print") == [("selection", str(sid), user_id)]
    assert audited(session, "export") == [("selection", str(sid), user_id)]


def test_period_report(specialist_client, users, worked):
    page = specialist_client.get("/selections/report?period=11.2026").get_data(as_text=True)
    assert "Строк получено" in page and "Селекций: 1" in page
    response = specialist_client.get("/selections/report.xlsx?period=11.2026")
    assert response.status_code == 200
    response = specialist_client.get("/selections/report.pdf?period=11.2026")
    assert "Отчёт по селекциям за 11.2026" in pdf_text(response.data)
    session, user_id = specialist_client.application.extensions["sqlalchemy"].session, users[
        "specialist"].id
    assert [p[:3] for p in printed(session)] == [("selection_report", "selection_period",
                                                  "11.2026")]
    assert audited(session, "export") == [("selection_period", "11.2026", user_id)]
    assert specialist_client.get("/selections/report?period=13.2026").status_code == 422


def test_profile_actions_are_editable(specialist_client, session):
    from onewindow.selections import services

    profile = services.save_profile(session, source="czn", name="ЦЗН", mapping={"snils": "S"},
                                    user_id=None, now=None)
    pid = profile.id
    session.commit()
    response = specialist_client.post(f"/selections/profiles/{pid}",
                                      data={"actions": "без знака равенства"})
    assert response.status_code == 422 and "тип события = действие" in response.get_data(
        as_text=True)
    response = specialist_client.post(f"/selections/profiles/{pid}", data={
        "actions": "трудоустроен = Запросить документы", "default_action": "Проверить",
        "active": "y"})
    assert response.status_code == 303
    assert "трудоустроен → Запросить документы" in specialist_client.get(
        "/selections/profiles").get_data(as_text=True)


def test_nav_and_access(client, users):
    login(client, users["specialist"])
    assert ">Селекции</a>" in client.get("/selections/").get_data(as_text=True)
    client.post("/logout")
    login(client, users["archivist"])
    assert ">Селекции</a>" not in client.get("/").get_data(as_text=True)
    assert client.get("/selections/").status_code == 403
    client.post("/logout")
    login(client, users["chief"])
    assert client.get("/selections/").status_code == 200

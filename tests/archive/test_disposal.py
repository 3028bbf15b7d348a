"""Retention, selection for destruction with exclusions, the act, approval, destroyed lookups."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask import current_app
from sqlalchemy import select

from onewindow.archive import services as archive
from onewindow.archive.models import CaseFile
from onewindow.disposal import documents, services
from onewindow.disposal.models import DisposalAct
from onewindow.errors import Conflict, Forbidden

from ..conftest import login
from ..factories import make_applicant, make_application
from ..journal import audited, printed
from ..pdfcheck import pdf_text
from ..registry.helpers import make_appeal, make_incoming
from .helpers import make_box, make_case_file

HX = {"HX-Request": "true"}
NOW = datetime(2026, 11, 27, 10, 0)


def _closed(session, closed: datetime, *, service_code="ESP", applicant=None, box=None):
    case_file = make_case_file(session, service_code=service_code, applicant=applicant,
                               now=datetime(2015, 3, 2, 9))
    if box is not None:
        archive.place_case_file(session, case_file=case_file, box=box, user_id=None,
                                now=datetime(2015, 3, 2, 9))
    archive.close_case_file(session, case_file, reason="payments_stopped", note=None,
                            user_id=None, now=closed)
    return case_file


@pytest.mark.parametrize(("closed", "years", "expires"), [
    (date(2020, 6, 15), 5, date(2026, 1, 1)),   # mid-year: from 1 January after closing
    (date(2020, 1, 1), 5, date(2026, 1, 1)),
    (date(2020, 12, 31), 5, date(2026, 1, 1)),
    (date(2020, 2, 29), 5, date(2026, 1, 1)),   # leap day
    (date(2024, 2, 29), 1, date(2026, 1, 1)),
    (date(2021, 1, 1), 75, date(2097, 1, 1)),
])
def test_retention_date_arithmetic(closed, years, expires):
    assert services.retention_expires_on(closed, years) == expires


def test_selection_by_date(session):
    mid_year = _closed(session, datetime(2020, 6, 15, 12))
    leap = _closed(session, datetime(2020, 2, 29, 12))
    recent = _closed(session, datetime(2021, 1, 1, 12))
    permanent = _closed(session, datetime(2001, 5, 5, 12), service_code="RPHON")
    expert = _closed(session, datetime(2010, 5, 5, 12), service_code="RAD")
    active = make_case_file(session)
    before = services.select_for_destruction(session, as_of=date(2025, 12, 31))
    assert [c.case_file.id for c in before.selected] == []
    on_day = services.select_for_destruction(session, as_of=date(2026, 1, 1))
    assert sorted(c.case_file.id for c in on_day.selected) == sorted([mid_year.id, leap.id])
    assert {c.expires_on for c in on_day.selected} == {date(2026, 1, 1)}
    later = services.select_for_destruction(session, as_of=date(2027, 1, 1))
    ids = {c.case_file.id for c in later.selected}
    assert recent.id in ids and permanent.id not in ids and active.id not in ids
    assert [c.case_file.id for c in later.expert_review] == [expert.id]
    assert "ЭПК" in later.expert_review[0].reasons[0]


def test_exclusions_each_with_its_reason(session, users):
    clean = _closed(session, datetime(2019, 5, 5, 12))
    # An open application of the same person.
    applicant = make_applicant(session)
    application = make_application(session, applicant=applicant, user=users["specialist"],
                                   service_code="GAZ")
    with_application = _closed(session, datetime(2019, 5, 5, 12), applicant=applicant)
    # An appeal without an answer.
    appellant = make_applicant(session)
    appeal = make_appeal(session, user=users["specialist"], applicant_id=appellant.id)
    with_appeal = _closed(session, datetime(2019, 5, 5, 12), applicant=appellant)
    # An incoming request about the person, not answered.
    requested = make_applicant(session)
    request = make_incoming(session, user=users["specialist"], applicant=requested)
    with_request = _closed(session, datetime(2019, 5, 5, 12), applicant=requested)
    # A folder on an employee's desk.
    issued = _closed(session, datetime(2019, 5, 5, 12))
    archive.issue_case_file(session, case_file=issued, to_user_id=users["chief"].id,
                            due_on=date(2026, 12, 31), user_id=None, now=NOW)
    selection = services.select_for_destruction(session, as_of=date(2026, 11, 27))
    assert [c.case_file.id for c in selection.selected] == [clean.id]
    reasons = {c.case_file.id: "; ".join(c.reasons) for c in selection.excluded}
    assert f"заявление № {application.number} не рассмотрено" in reasons[with_application.id]
    assert f"обращение № {appeal.number} без ответа" in reasons[with_appeal.id]
    assert f"запрос № {request.number} без ответа" in reasons[with_request.id]
    assert "дело выдано: " + users["chief"].full_name in reasons[issued.id]


def test_act_pdf_approval_and_destruction(session, users):
    box = make_box(session)
    first = _closed(session, datetime(2019, 5, 5, 12), box=box)
    second = _closed(session, datetime(2020, 7, 1, 12), box=box)
    act = services.create_act(session, as_of=date(2026, 11, 27), user_id=None, now=NOW,
                              article="ст. 000")
    assert act.number == "1/2026" and [i.case_file_id for i in act.items] == [first.id,
                                                                              second.id]
    # The same folders cannot go into a second act while this one stands.
    with pytest.raises(Conflict):
        services.create_act(session, as_of=date(2026, 11, 27), user_id=None, now=NOW)
    text = " ".join(pdf_text(documents.act_pdf(act, config=current_app.config)).split())
    assert "о выделении к уничтожению документов, не подлежащих хранению" in text
    assert "АКТ № 1/2026" in text and "УТВЕРЖДАЮ" in text
    assert "Итого 2 (два) дела" in text
    assert first.number in text and second.number in text
    assert "5 лет, ст. 000" in text and "Росархива" in text
    # The basis is a title in the nominative: «Основание: Перечень…».
    assert "Основание: " in text and "На основании Перечень" not in text
    with pytest.raises(Conflict):  # not approved yet
        services.record_destruction(session, act=act, destroyed_on=date(2026, 11, 27),
                                    user_id=None, now=NOW)
    for role in ("admin", "chief", "archivist", "specialist"):
        with pytest.raises(Forbidden):
            services.approve_act(session, act=act, user=users[role], now=NOW)
    services.approve_act(session, act=act, user=users["director"], now=NOW)
    assert act.status == "approved" and act.approved_by_id == users["director"].id
    services.record_destruction(session, act=act, destroyed_on=date(2026, 11, 27),
                                user_id=users["archivist"].id, now=NOW)
    session.flush()
    for case_file in (first, second):
        case_file = session.get(CaseFile, case_file.id)
        assert case_file.status == "destroyed" and case_file.box_id is None
        assert case_file.number and case_file.year == 2015  # the register entry stays
        assert case_file.status_name == "уничтожено по акту № 1/2026 от 27.11.2026"
        assert case_file.events[-1].kind == "destroyed"
    # A destroyed folder cannot be placed, issued or reopened.
    with pytest.raises(Conflict):
        archive.place_case_file(session, case_file=first, box=box, user_id=None, now=NOW)
    with pytest.raises(Conflict):
        archive.reopen_case_file(session, first, reason="x", user_id=None, now=NOW)


def test_reopened_folder_blocks_approval(session, users):
    case_file = _closed(session, datetime(2019, 5, 5, 12))
    act = services.create_act(session, as_of=date(2026, 11, 27), user_id=None, now=NOW)
    archive.reopen_case_file(session, case_file, reason="Новое заявление", user_id=None,
                             now=NOW)
    with pytest.raises(Conflict) as exc:
        services.approve_act(session, act=act, user=users["director"], now=NOW)
    assert case_file.number in exc.value.message


def test_lookup_of_a_destroyed_folder(client, session, users):
    case_file = _closed(session, datetime(2019, 5, 5, 12), box=make_box(session))
    act = services.create_act(session, as_of=date(2026, 11, 27), user_id=None, now=NOW)
    services.approve_act(session, act=act, user=users["director"], now=NOW)
    services.record_destruction(session, act=act, destroyed_on=date(2026, 11, 27),
                                user_id=None, now=NOW)
    number, case_id = case_file.number, case_file.id
    session.commit()
    login(client, users["archivist"])
    r = client.post("/archive/scan", data={"code": number, "mode": "lookup"}, headers=HX)
    html = r.get_data(as_text=True)
    assert "уничтожено по акту № 1/2026 от 27.11.2026" in html
    page = client.get(f"/archive/cases/{case_id}").get_data(as_text=True)
    assert "уничтожено по акту № 1/2026 от 27.11.2026" in page
    assert "Открыть снова" not in page
    label = client.get(f"/archive/cases/{case_id}/label.pdf")
    assert "уничтожено по акту № 1/2026" in " ".join(pdf_text(label.data).split())


def test_applying_again_after_destruction_opens_a_new_folder(session, users):
    applicant = make_applicant(session)
    old = _closed(session, datetime(2019, 5, 5, 12), applicant=applicant)
    act = services.create_act(session, as_of=date(2026, 11, 27), user_id=None, now=NOW)
    services.approve_act(session, act=act, user=users["director"], now=NOW)
    services.record_destruction(session, act=act, destroyed_on=date(2026, 11, 27),
                                user_id=None, now=NOW)
    application = make_application(session, applicant=applicant, user=users["specialist"],
                                   now=NOW)
    session.commit()
    folders = list(session.scalars(select(CaseFile).where(
        CaseFile.applicant_id == applicant.id).order_by(CaseFile.id)))
    assert [f.status for f in folders] == ["destroyed", "active"]
    assert folders[0].id == old.id and folders[1].number != old.number
    assert application in folders[1].applications and folders[0].applications == []


def test_disposal_views_and_role_only_approval(client, session, users):
    _closed(session, datetime(2019, 5, 5, 12))
    session.commit()
    login(client, users["archivist"])
    r = client.get("/archive/disposal/?on=27.11.2026")
    assert r.status_code == 200 and "Сроки хранения истекли на 27.11.2026: 1" in r.get_data(
        as_text=True)
    r = client.post("/archive/disposal/acts", data={"as_of": "01.01.2020"})
    assert r.status_code == 422 and "Нет дел с истёкшим сроком" in r.get_data(as_text=True)
    r = client.post("/archive/disposal/acts", data={"as_of": "27.11.2026"})
    assert r.status_code == 303
    act_id = session.scalar(select(DisposalAct.id))
    page = client.get(f"/archive/disposal/acts/{act_id}").get_data(as_text=True)
    assert "Акт № 1/" in page and "проект" in page and "Отменить акт" in page
    assert client.get(f"/archive/disposal/acts/{act_id}/act.pdf").mimetype == "application/pdf"
    assert printed(session) == [("disposal_act", "disposal_act", str(act_id),
                                 users["archivist"].id)]
    assert audited(session, "print") == [("disposal_act", str(act_id), users["archivist"].id)]
    for role in ("admin", "chief", "archivist"):
        other = client.application.test_client()
        login(other, users[role])
        assert other.post(f"/archive/disposal/acts/{act_id}/approve").status_code == 403
    director = client.application.test_client()
    login(director, users["director"])
    assert director.post(f"/archive/disposal/acts/{act_id}/approve").status_code == 303
    session.rollback()
    assert session.get(DisposalAct, act_id).status == "approved"
    r = client.post(f"/archive/disposal/acts/{act_id}/destroy", data={"destroyed_on": ""})
    assert r.status_code == 422 and "Укажите дату уничтожения" in r.get_data(as_text=True)

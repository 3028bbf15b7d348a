"""Letters: declined names (male, female, double surnames), answers and notices."""

from __future__ import annotations

from datetime import datetime

import pytest

from onewindow.core.declension import dative_full, dative_short, salutation
from onewindow.intake.services import change_status
from onewindow.registry import documents, services

from ..factories import make_applicant, make_application
from ..pdfcheck import pdf_text
from .helpers import NOW, make_appeal, make_incoming


@pytest.mark.parametrize("parts, sex, short, greeting", [
    (("Иванов", "Иван", "Петрович"), "M", "Иванову И. П.", "Уважаемый Иван Петрович!"),
    (("Иванова", "Анна", "Петровна"), "F", "Ивановой А. П.", "Уважаемая Анна Петровна!"),
    (("Римский-Корсаков", "Николай", "Андреевич"), "M", "Римскому-Корсакову Н. А.",
     "Уважаемый Николай Андреевич!"),
    (("Петрова-Водкина", "Мария", "Ильинична"), None, "Петровой-Водкиной М. И.",
     "Уважаемая Мария Ильинична!"),
    (("Черных", "Ольга", "Сергеевна"), "F", "Черных О. С.", "Уважаемая Ольга Сергеевна!"),
])
def test_declension(parts, sex, short, greeting):
    surname, name, patronymic = parts
    assert dative_short(surname, name, patronymic, sex=sex) == short
    assert salutation(name, patronymic, sex=sex) == greeting


def test_dative_full():
    assert dative_full("Иванова", "Анна", "Петровна", sex="F") == "Ивановой Анне Петровне"
    assert dative_full("Кузнецов", "Пётр", "Ильич", sex="M") == "Кузнецову Петру Ильичу"


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_appeal_answer_letter_male(session, users, app):
    appeal = make_appeal(session, user=users["specialist"])
    services.answer_appeal(session, appeal, text="Перерасчёт произведён.\nДоплата — в декабре.",
                           signed_by="Директор А. А. Петров", user_id=users["specialist"].id,
                           now=NOW)
    text = _flat(pdf_text(documents.appeal_letter_pdf(appeal, kind="answer",
                                                      config=app.config)))
    assert "Иванову И. П." in text
    assert "Уважаемый Иван Петрович!" in text
    assert "Перерасчёт произведён." in text
    assert "ИСХ-2026-00001" in text
    assert "рег. № ОГ-2026-00001" in text


def test_appeal_extension_letter_female_double_surname(session, users, app):
    appeal = make_appeal(session, user=users["specialist"], surname="Петрова-Водкина",
                         name="Мария", patronymic="Ильинична", sex="F")
    services.extend_appeal(session, appeal, days=15, reason="Запрошены сведения в СФР",
                           user_id=users["chief"].id, now=NOW)
    text = _flat(pdf_text(documents.appeal_letter_pdf(appeal, kind="extension",
                                                      config=app.config)))
    assert "Петровой-Водкиной М. И." in text
    assert "Уважаемая Мария Ильинична!" in text
    assert "продлён до 12.01.2027" in text


def test_request_answer_letter(session, users, app):
    applicant = make_applicant(session)
    req = make_incoming(session, user=users["specialist"], applicant=applicant)
    services.answer_request(session, req, text=services.answer_template(
        req, institution="ГКУ ЦСЗН"), signed_by="Директор А. А. Петров",
        user_id=users["specialist"].id, now=NOW)
    text = _flat(pdf_text(documents.request_answer_pdf(req, config=app.config)))
    assert "ЦСЗН по Дзержинскому району Волгограда" in text
    assert "На № 12-34/567 от 24.11.2026" in text
    assert "Иванова Анна Петровна" in text
    assert req.answer_number in text


def test_decision_notice_letter(session, users, app):
    from onewindow.registry.notices import record_decision_notice

    applicant = make_applicant(session, surname="Соколова-Мещерская", name="Елена",
                               patronymic="Викторовна", sex="F")
    application = make_application(session, applicant=applicant, user=users["specialist"])
    change_status(session, application, to="transferred", user_id=users["chief"].id, now=NOW)
    change_status(session, application, to="refused", user_id=users["chief"].id,
                  now=datetime(2026, 11, 30, 12), comment="Доход выше порога")
    notice = record_decision_notice(session, application, user_id=users["chief"].id,
                                    now=datetime(2026, 11, 30, 12))
    assert notice.status == "printed"
    text = _flat(pdf_text(documents.decision_notice_pdf(notice, config=app.config)))
    assert "Соколовой-Мещерской Елене Викторовне" in text
    assert "Уважаемая Елена Викторовна!" in text
    assert "Причина отказа: Доход выше порога." in text
    assert application.number in text

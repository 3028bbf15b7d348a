"""Generated texts in office Russian: no «(а)», no blanks where the data is known, usual
signature blocks, no doubled words."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from onewindow.intake.services import change_status
from onewindow.registry import documents, handover, services
from onewindow.registry.config import REQUEST_TYPES
from onewindow.registry.notices import record_decision_notice

from ..factories import make_applicant, make_application, make_user
from ..pdfcheck import pdf_text
from .helpers import NOW, make_incoming

LEFTOVERS = ("(а)", "нужное оставить", "{", "}")
BLANK = re.compile(r"(?<!_)_{2,6}(?!_)")  # a blank to fill in; a signature line is longer


def _flat(text: str) -> str:
    return " ".join(text.split())


def _clean(text: str) -> None:
    for leftover in LEFTOVERS:
        assert leftover not in text, (leftover, text)
    assert not BLANK.search(text), text
    doubled = re.search(r"(\(срок по запросу\)).*\1|\b(\w{3,})\b[:\s]+\b\2\b", text,
                        re.IGNORECASE)
    assert doubled is None, doubled


def test_no_benefit_answer_is_written_for_the_person(session, users):
    woman = make_applicant(session, surname="Кузнецова", name="Анна", patronymic="Ивановна",
                           sex="F")
    application = make_application(session, applicant=woman, user=users["specialist"])
    req = make_incoming(session, user=users["specialist"], applicant=woman)
    req.application = application
    text = services.answer_template(req, institution="ГКУ ЦСЗН")
    _clean(text)
    assert text.startswith("На Ваш запрос от 24.11.2026 № 12-34/567 сообщаем, что "
                           "Кузнецова Анна Ивановна")
    assert f"меру социальной поддержки «{application.service.name}» не получала." in text
    # Someone typed in (not in the registry), no date on their letter: nothing left blank.
    typed = make_incoming(session, user=users["specialist"], their_date=None,
                          their_number=None, correspondent=req.correspondent)
    text = services.answer_template(typed, institution="ГКУ ЦСЗН")
    _clean(text)
    assert text.startswith("На Ваш запрос сообщаем, что Петров Пётр Петрович "
                           "(01.01.1960 г. р.)")
    assert "меры социальной поддержки, указанные в запросе, не получал." in text


def test_request_type_names_say_their_term_once():
    for rtype in REQUEST_TYPES.values():
        assert "срок" not in rtype.name.lower(), rtype.name


@pytest.mark.parametrize("typed, position, name", [
    ("Медведенко Ю. Н., директор", "Директор", "Ю. Н. Медведенко"),
    ("Директор Ю.Н. Медведенко", "Директор", "Ю. Н. Медведенко"),
    ("заместитель директора Римская-Корсакова О. В.", "Заместитель директора",
     "О. В. Римская-Корсакова"),
    ("Директор", "Директор", ""),
    ("", "Директор", ""),
])
def test_signature_block(typed, position, name):
    assert documents.signature(typed) == (position, name)


def test_letter_signature_and_notice_wording(session, users, app):
    applicant = make_applicant(session, sex="F")
    req = make_incoming(session, user=users["specialist"], applicant=applicant)
    services.answer_request(session, req, text=services.answer_template(
        req, institution="ГКУ ЦСЗН"), signed_by="Медведенко Ю. Н., директор",
        user_id=users["specialist"].id, now=NOW)
    text = _flat(pdf_text(documents.request_answer_pdf(req, config=app.config)))
    _clean(text)
    assert re.search(r"Директор _+ Ю\. Н\. Медведенко", text), text[-300:]
    assert "Медведенко Ю. Н., директор" not in text
    application = make_application(session, applicant=applicant, user=users["specialist"])
    change_status(session, application, to="transferred", user_id=users["chief"].id, now=NOW)
    change_status(session, application, to="granted", user_id=users["chief"].id,
                  now=datetime(2026, 11, 30, 12))
    notice = record_decision_notice(session, application, user_id=users["chief"].id,
                                    now=datetime(2026, 11, 30, 12))
    text = _flat(pdf_text(documents.decision_notice_pdf(notice, config=app.config)))
    _clean(text)
    assert ("принято решение о назначении меры социальной поддержки "
            f"«{application.service.name}»") in text
    assert "о предоставлении:" not in text


def test_handover_act_verbs_follow_the_people(session, users, app):
    leaver = make_user(session, full_name="Смирнова Ольга Петровна")
    receiver = make_user(session, full_name="Орлов Игорь Васильевич")
    services.create_assignment(session, text="Проверить дела", due_date=date(2026, 12, 1),
                               assignee_id=leaver.id, author_id=users["chief"].id, now=NOW)
    row = handover.create_handover(
        session, leaver_id=leaver.id, receiver_id=receiver.id, reason="leave",
        starts_on=NOW.date(), ends_on=None, user_id=users["chief"].id, now=NOW)
    text = _flat(pdf_text(documents.handover_act_pdf(row, config=app.config)))
    assert "(а)" not in text
    assert "Передала: _______________ Смирнова О. П." in text
    assert "Принял: _______________ Орлов И. В." in text

"""Citizens' appeals (59-ФЗ): registration warning, 30 days, one extension, forwarding."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from onewindow.errors import Conflict, InvalidInput
from onewindow.registry import services

from .helpers import make_appeal

NOW = datetime(2026, 11, 27, 10, 0)


def test_registration_due_dates(session, users):
    appeal = make_appeal(session, user=users["specialist"], now=datetime(2026, 12, 2, 9))
    assert appeal.number == "ОГ-2026-00001"
    assert appeal.due_date == date(2027, 1, 11)  # 01.01.2027 + holidays
    assert appeal.forward_due == date(2026, 12, 9)
    assert not appeal.late_registration


def test_late_registration_warns_then_records(session, users):
    with pytest.raises(InvalidInput) as exc:
        make_appeal(session, user=users["specialist"], received_on=date(2026, 11, 20))
    assert exc.value.field == "received_on"
    assert "срок регистрации" in exc.value.message
    appeal = make_appeal(session, user=users["specialist"], received_on=date(2026, 11, 20),
                         confirm_late=True)
    assert appeal.late_registration


def test_person_required_unless_anonymous(session, users):
    with pytest.raises(InvalidInput) as exc:
        make_appeal(session, user=users["specialist"], surname="")
    assert exc.value.field == "surname"
    with pytest.raises(InvalidInput) as exc:
        make_appeal(session, user=users["specialist"], address="", email=None)
    assert exc.value.field == "address"
    anonymous = make_appeal(session, user=users["specialist"], anonymous=True, address="")
    assert anonymous.anonymous and anonymous.surname is None
    assert anonymous.citizen_name == "анонимное обращение"


def test_sex_guessed_from_patronymic(session, users):
    appeal = make_appeal(session, user=users["specialist"], surname="Иванова", name="Анна",
                         patronymic="Петровна", sex=None)
    assert appeal.sex == "F"


def test_extension_once_up_to_thirty_days(session, users):
    appeal = make_appeal(session, user=users["specialist"])
    assert appeal.due_date == date(2026, 12, 28)
    with pytest.raises(InvalidInput):
        services.extend_appeal(session, appeal, days=31, reason="x", user_id=1, now=NOW)
    with pytest.raises(InvalidInput) as exc:
        services.extend_appeal(session, appeal, days=10, reason=" ", user_id=1, now=NOW)
    assert exc.value.field == "reason"
    services.extend_appeal(session, appeal, days=30, reason="Запрос в СФР",
                           user_id=users["chief"].id, now=NOW)
    # 28.12.2026 + 30 = 27.01.2027 (Wednesday)
    assert appeal.due_date == date(2027, 1, 27)
    assert appeal.original_due_date == date(2026, 12, 28)
    with pytest.raises(Conflict):
        services.extend_appeal(session, appeal, days=5, reason="ещё", user_id=1, now=NOW)


def test_repeated_appeal_linked_by_person_and_subject(session, users):
    first = make_appeal(session, user=users["specialist"])
    services.answer_appeal(session, first, text="Ответ", signed_by="Директор",
                           user_id=users["specialist"].id, now=NOW)
    again = make_appeal(session, user=users["specialist"], surname="ИВАНОВ",
                        subject="о перерасчёте  компенсации")
    assert again.parent_id == first.id
    other = make_appeal(session, user=users["specialist"], subject="О субсидии")
    assert other.parent_id is None


def test_complaint_needs_responsible_and_result(session, users):
    with pytest.raises(InvalidInput) as exc:
        make_appeal(session, user=users["specialist"], kind="complaint")
    assert exc.value.field == "responsible_id"
    complaint = make_appeal(session, user=users["specialist"], kind="complaint",
                            subject="Низкая оценка посетителя", responsible_id=users["chief"].id)
    with pytest.raises(InvalidInput) as exc:
        services.answer_appeal(session, complaint, text="Проверено", signed_by="Директор",
                               user_id=users["chief"].id, now=NOW)
    assert exc.value.field == "complaint_result"
    services.answer_appeal(session, complaint, text="Проверено", signed_by="Директор",
                           user_id=users["chief"].id, now=NOW, complaint_result="partly")
    assert complaint.status == "answered"
    assert complaint.answer_number == "ИСХ-2026-00001"


def test_forwarding_takes_outgoing_number(session, users):
    appeal = make_appeal(session, user=users["specialist"])
    services.forward_appeal(session, appeal, to="Комитет здравоохранения",
                            user_id=users["specialist"].id, now=NOW)
    assert appeal.status == "forwarded"
    assert appeal.forwarded_on == NOW.date() <= appeal.forward_due
    assert appeal.answer_number == "ИСХ-2026-00001"

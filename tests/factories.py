"""Factories with sensible defaults: make_x(session, **overrides)."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime

from onewindow.applicants.services import create_applicant
from onewindow.auth.services import create_user
from onewindow.core.snils import make_snils
from onewindow.intake.services import checklist_lines, register_application

DEFAULT_PASSWORD = "Test-password-42"
_seq = itertools.count(1)


def make_user(session, *, role="specialist", **overrides):
    n = next(_seq)
    values = {"username": f"{role}{n}", "full_name": f"Тестова Мария Ивановна {n}",
              "role": role, "password": DEFAULT_PASSWORD, "position": "Специалист"}
    values.update(overrides)
    return create_user(session, **values)


def make_applicant(session, **overrides):
    n = next(_seq)
    values = {
        "surname": "Иванова", "name": "Анна", "patronymic": "Петровна",
        "birth_date": date(1980, 5, 1), "sex": "F", "snils": make_snils(200_000_000 + n * 13),
        "id_doc_type": "passport_ru", "id_doc_series": "1804", "id_doc_number": f"{n:06d}",
        "address": "г. Волгоград, ул. Титова, д. 1", "phone": "+7 900 000-00-00",
    }
    values.update(overrides)
    applicant = create_applicant(session, values=values, today=date(2026, 11, 28),
                                 confirm_duplicate=True)
    return applicant


def make_application(session, *, applicant=None, user, service_code="ESP", now=None,
                     received=None, **overrides):
    from sqlalchemy import select

    from onewindow.catalog.models import Service

    applicant = applicant or make_applicant(session)
    service = session.scalar(select(Service).where(Service.code == service_code))
    lines = checklist_lines(service)
    for i, line in enumerate(lines):
        line.received = (i in received) if received is not None else (
            line.mandatory and not line.interagency)
        line.sheets = 2 if line.received else 0
    values = {
        "applicant_id": applicant.id, "service_code": service_code, "documents": lines,
        "user_id": user.id, "now": now or datetime(2026, 11, 27, 10, 30),
        "idempotency_key": uuid.uuid4().hex,
    }
    values.update(overrides)
    return register_application(session, **values)

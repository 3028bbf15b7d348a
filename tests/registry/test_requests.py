"""Incoming and outgoing requests: due dates, journal numbers, pauses, interagency."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from onewindow.errors import Conflict, InvalidInput
from onewindow.extensions import db
from onewindow.numbering import NumberCounter
from onewindow.registry import queries, services
from onewindow.registry.models import Correspondent, Request

from ..factories import make_applicant, make_application, make_user
from .helpers import NOW, make_correspondent, make_incoming


def test_incoming_due_five_working_days_and_stated(session, users):
    applicant = make_applicant(session)
    req = make_incoming(session, user=users["specialist"], applicant=applicant,
                        now=datetime(2026, 12, 28, 9, 0))
    assert req.number == "ВХ-2026-00001"
    assert req.due_date == date(2027, 1, 13)
    assert req.applicants == [applicant]
    court = make_incoming(session, user=users["specialist"], type_code="court",
                          correspondent=req.correspondent, stated_due=date(2027, 1, 20),
                          now=datetime(2026, 12, 28, 9, 0))
    assert court.due_date == date(2027, 1, 20)
    assert court.number == "ВХ-2026-00002"
    with pytest.raises(InvalidInput) as exc:
        make_incoming(session, user=users["specialist"], type_code="court",
                      correspondent=req.correspondent)
    assert exc.value.field == "stated_due"


def test_incoming_needs_person_and_sender(session, users):
    corr = make_correspondent(session)
    with pytest.raises(InvalidInput) as exc:
        make_incoming(session, user=users["specialist"], correspondent=corr, persons_text="")
    assert exc.value.field == "persons_text"
    with pytest.raises(InvalidInput) as exc:
        make_incoming(session, user=users["specialist"], correspondent_id=None)
    assert exc.value.field == "correspondent_id"
    with pytest.raises(Conflict):
        make_correspondent(session, name=corr.name.upper())


def test_answer_takes_outgoing_number_and_template(session, users, app):
    applicant = make_applicant(session, surname="Сидорова", name="Мария", patronymic="Ивановна")
    req = make_incoming(session, user=users["specialist"], applicant=applicant)
    services.take_request(session, req, user_id=users["specialist"].id, now=NOW)
    text = services.answer_template(req, institution="ЦСЗН")
    assert "Сидорова Мария Ивановна (01.05.1980 г. р.)" in text
    assert "от 24.11.2026 № 12-34/567" in text
    services.answer_request(session, req, text=text, signed_by="Директор А. А. Петров",
                            user_id=users["specialist"].id, now=NOW)
    assert req.status == "answered"
    assert req.answer_number == "ИСХ-2026-00001"
    with pytest.raises(Conflict):
        services.answer_request(session, req, text="x", signed_by="y",
                                user_id=users["specialist"].id, now=NOW)


def test_pause_moves_due_by_paused_working_days(session, users):
    req = make_incoming(session, user=users["specialist"], now=datetime(2027, 2, 18, 9, 0))
    assert req.due_date == date(2027, 2, 26)
    services.pause_request(session, req, reason="Ждём ответ СФР", on=date(2027, 2, 19),
                           user_id=users["specialist"].id)
    assert req.status == "paused"
    with pytest.raises(Conflict):
        services.answer_request(session, req, text="x", signed_by="y",
                                user_id=users["specialist"].id, now=NOW)
    services.resume_request(session, req, on=date(2027, 2, 24), user_id=users["specialist"].id)
    assert req.pauses[0].working_days == 2
    assert req.due_date == date(2027, 3, 2)
    assert req.original_due_date == date(2027, 2, 26)
    assert req.status == "in_work"


def test_outgoing_request_lateness_and_answer(session, users):
    corr = make_correspondent(session, name="ОСФР по Волгоградской области", kind="sfr")
    out = services.register_outgoing_request(
        session, type_code="document_out", correspondent_id=corr.id, channel="smev",
        subject="Справка о стаже", user_id=users["specialist"].id, now=NOW)
    assert out.number == "ИСХ-2026-00001"
    assert out.due_date == date(2026, 12, 4)
    board = queries.deadline_board(session, today=date(2026, 12, 7), user_id=None)
    # An answer the office waits for is in its own group, not in anyone's own overdue.
    assert [i.number for i in board.group("awaiting").rows] == [out.number]
    assert board.group("awaiting").overdue == 1 and board.counts["overdue"] == 0
    assert board.group("awaiting").rows[0].note == "ответ не поступил"
    services.record_answer_received(session, out, number="123", on=date(2026, 12, 3),
                                    text="Справка", user_id=users["specialist"].id,
                                    now=datetime(2026, 12, 7, 9))
    assert out.status == "received"
    board = queries.deadline_board(session, today=date(2026, 12, 7), user_id=None)
    assert board.group("awaiting").total == 0


def test_create_interagency_requests_for_application(session, users):
    application = make_application(session, user=users["specialist"])
    assert application.interagency_documents, "the ESP checklist has interagency documents"
    created = services.create_interagency_requests(session, application, users["specialist"].id,
                                                   NOW)
    assert len(created) == len(application.interagency_documents)
    assert {r.application_document_id for r in created} == {
        d.id for d in application.interagency_documents}
    assert all(r.direction == "out" and r.status == "sent" for r in created)
    assert all(r.applicants == [application.applicant] for r in created)
    # Idempotent: the documents already have requests.
    assert services.create_interagency_requests(session, application,
                                                users["specialist"].id, NOW) == []
    waiting = queries.awaited_answers(session, application.id)
    assert [r.id for r in waiting] == [r.id for r in sorted(created, key=lambda r: r.due_date)]
    services.record_answer_received(session, created[0], number="1", on=NOW.date(), text=None,
                                    user_id=users["specialist"].id, now=NOW)
    assert created[0] not in queries.awaited_answers(session, application.id)


def _register_in_thread(app, corr_id, user_id, n, errors, kind):
    try:
        with app.app_context():
            for _ in range(n):
                if kind == "out":
                    services.register_outgoing_request(
                        db.session, type_code="other_out", correspondent_id=corr_id,
                        channel="post", subject="Запрос", user_id=user_id,
                        now=datetime(2026, 11, 27, 10, 0))
                else:
                    req = make_incoming(db.session, user=_user(user_id),
                                        correspondent=db.session.get(Correspondent, corr_id))
                    services.answer_request(db.session, req, text="Ответ", signed_by="Директор",
                                            user_id=user_id, now=datetime(2026, 11, 27, 11))
                db.session.commit()
            db.session.remove()
    except Exception as exc:  # noqa: BLE001 - reported to the main thread
        errors.append(exc)


def _user(user_id):
    from onewindow.auth.models import User

    return db.session.get(User, user_id)


def test_outgoing_journal_gapless_under_concurrency(app, session):
    user = make_user(session)
    corr = make_correspondent(session)
    corr_id, user_id = corr.id, user.id
    session.commit()  # and touch nothing more: SQLite's write lock must be free
    errors: list[Exception] = []
    threads = [threading.Thread(target=_register_in_thread,
                                args=(app, corr_id, user_id, 5, errors,
                                      "out" if i % 2 else "in"))
               for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    session.expire_all()
    out_numbers = sorted(session.scalars(select(Request.number).where(
        Request.direction == "out")))
    answer_numbers = sorted(session.scalars(select(Request.answer_number).where(
        Request.direction == "in")))
    numbers = sorted(out_numbers + answer_numbers)
    assert numbers == [f"ИСХ-2026-{i:05d}" for i in range(1, 31)]
    in_numbers = sorted(session.scalars(select(Request.number).where(Request.direction == "in")))
    assert in_numbers == [f"ВХ-2026-{i:05d}" for i in range(1, 16)]
    assert session.scalar(select(NumberCounter.value).where(
        NumberCounter.journal == "registry_out")) == 30
    assert session.scalar(select(func.count(Request.id))) == 30

"""Refused actions through the views: 422 (409 for a stale read), the service's message
next to the field it names (or on top), and nothing of the refused action kept."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from onewindow.core import clock
from onewindow.registry import services
from onewindow.registry.models import (
    Acknowledgement,
    AckVersion,
    Assignment,
    Correspondent,
    Handover,
    Request,
)

from ..conftest import login
from ..factories import make_user
from .helpers import NOW, make_correspondent, make_incoming


def field_error(html: str, field: str) -> str:
    """The message shown next to ``field`` (the forms macro's ``<p id="…-error">``)."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert match, f"no message next to {field!r}"
    return match.group(1)


def top_error(html: str) -> str:
    match = re.search(r'<p class="error form-error" role="alert">([^<]*)</p>', html)
    assert match, "no message on top of the page"
    return match.group(1)


def count(session, model) -> int:
    session.rollback()  # a fresh read of what the requests committed
    return session.scalar(select(func.count()).select_from(model))


def ru(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def test_incoming_request_refused_by_the_service(specialist_client, session, users):
    corr = make_correspondent(session)
    session.commit()
    data = {"direction": "in", "type_code": "no_benefit", "correspondent_id": corr.id,
            "channel": "post", "their_number": "55", "their_date": "",
            "received_on": ru(clock.today() + timedelta(days=1)), "subject": "Подтвердить",
            "persons_text": "Петров Пётр Петрович", "assigned_to_id": users["specialist"].id}
    refused = specialist_client.post("/registry/requests", data=data)
    assert refused.status_code == 422
    assert "не может быть в будущем" in field_error(refused.text, "received_on")
    assert count(session, Request) == 0


def test_request_action_refused_keeps_the_request_as_it_was(specialist_client, session, users):
    req = make_incoming(session, user=users["specialist"], now=NOW)
    services.pause_request(session, req, reason="Ждём ответ ПФР", on=NOW.date(),
                           user_id=users["specialist"].id)
    request_id = req.id
    session.commit()
    early = ru(NOW.date() - timedelta(days=1))
    refused = specialist_client.post(f"/registry/requests/{request_id}/resume",
                                     data={"on": early})
    assert refused.status_code == 422
    assert "раньше начала приостановления" in field_error(refused.text, "on")
    session.rollback()
    req = session.get(Request, request_id)
    assert req.status == "paused" and req.open_pause is not None
    # A refusal that names no field is shown on top of the card; the answer is not kept.
    conflict = specialist_client.post(f"/registry/requests/{request_id}/answer",
                                      data={"text": "Не получал", "signed_by": "Директор"})
    assert conflict.status_code == 422
    assert "Срок приостановлен" in top_error(conflict.text)
    session.rollback()
    req = session.get(Request, request_id)
    assert req.status == "paused" and req.answer_text is None


def test_correspondent_twice_is_refused_by_the_name(specialist_client, session):
    make_correspondent(session, name="УПФР в Дзержинском районе")
    session.commit()
    refused = specialist_client.post("/registry/correspondents", data={
        "name": "УПФР в Дзержинском районе", "kind": "district"})
    assert refused.status_code == 422
    assert "уже есть в справочнике" in field_error(refused.text, "name")
    assert count(session, Correspondent) == 1


def test_assignment_refusals(client, session, users):
    spec, chief = users["specialist"], users["chief"]
    login(client, chief)
    past = ru(clock.today() - timedelta(days=1))
    refused = client.post("/registry/assignments", data={
        "text": "Сверить дела", "due_date": past, "assignee_id": spec.id, "on_control": "y"})
    assert refused.status_code == 422
    assert "не может быть в прошлом" in field_error(refused.text, "due_date")
    assert count(session, Assignment) == 0
    row = services.create_assignment(session, text="Сверить дела",
                                     due_date=clock.today() + timedelta(days=2),
                                     assignee_id=spec.id, author_id=chief.id, now=NOW)
    assignment_id = row.id
    session.commit()
    client.post("/logout")
    login(client, spec)
    blank = client.post(f"/registry/assignments/{assignment_id}/done", data={"result": "  "})
    assert blank.status_code == 422
    assert "Опишите результат" in field_error(blank.text, "result")
    session.rollback()
    row = session.get(Assignment, assignment_id)
    row.status = "closed"
    session.commit()
    # "Already closed" names no field and the card shows no result form: said on top.
    closed = client.post(f"/registry/assignments/{assignment_id}/done",
                         data={"result": "Сделано"})
    assert closed.status_code == 422
    assert re.search(r'<div class="flashes"[^>]*><p>Поручение уже закрыто</p>', closed.text)
    session.rollback()
    assert session.get(Assignment, assignment_id).result is None


def test_acknowledgement_refusals(client, session, users):
    spec, chief = users["specialist"], users["chief"]
    outsider = make_user(session)
    doc = services.publish_ack_document(session, title="Приказ № 7", kind="order",
                                        text="Текст 1", addressee_ids=[spec.id],
                                        user_id=chief.id, now=NOW)
    doc_id, version_id = doc.id, doc.current.id
    session.commit()
    login(client, chief)
    same = client.post(f"/registry/acks/{doc_id}/versions",
                       data={"text": "Текст 1", "change_note": ""})
    assert same.status_code == 422
    assert "Текст не изменился" in field_error(same.text, "text")
    assert count(session, AckVersion) == 1
    client.post("/logout")
    login(client, outsider)
    refused = client.post(f"/registry/acks/{doc_id}/acknowledge",
                          data={"version_id": version_id})
    assert refused.status_code == 409
    assert "не в списке ознакомления" in top_error(refused.text)
    assert count(session, Acknowledgement) == 0


def test_handover_to_oneself_is_refused(client, session, users):
    spec = users["specialist"]
    login(client, users["chief"])
    refused = client.post("/registry/handovers", data={
        "leaver_id": spec.id, "receiver_id": spec.id, "reason": "trip",
        "starts_on": ru(clock.today()), "ends_on": "", "scope": "all"})
    assert refused.status_code == 422
    assert "одно лицо" in field_error(refused.text, "receiver_id")
    assert count(session, Handover) == 0

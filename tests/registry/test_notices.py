"""Decision notices sent through a local SMTP server; failures recorded and retried."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from email import message_from_bytes

import pytest
from sqlalchemy import select, text

from onewindow.core import clock
from onewindow.errors import Conflict, InvalidInput
from onewindow.intake.services import change_status
from onewindow.registry import documents, notices
from onewindow.registry.models import DecisionNotice

from ..conftest import login
from ..factories import make_applicant, make_application

NOW = datetime(2026, 11, 30, 12, 0)


class _Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _decided(session, users, **applicant):
    applicant = make_applicant(session, email="anna@example.org", **applicant)
    application = make_application(session, applicant=applicant, user=users["specialist"])
    change_status(session, application, to="transferred", user_id=users["chief"].id, now=NOW)
    change_status(session, application, to="granted", user_id=users["chief"].id, now=NOW,
                  comment="Назначена с 01.12.2026")
    return application


def _make_pdf(app):
    return lambda n: documents.decision_notice_pdf(n, config=app.config)


def test_notice_requires_decision(session, users):
    application = make_application(session, user=users["specialist"])
    with pytest.raises(Conflict):
        notices.record_decision_notice(session, application, user_id=1, now=NOW)


def test_email_sent_through_local_smtp(session, users, app, smtp_server):
    controller, handler = smtp_server
    application = _decided(session, users)
    notice = notices.record_decision_notice(session, application, user_id=users["chief"].id,
                                            now=NOW, email_consent=True)
    assert notice.status == "pending" and notice.email_to == "anna@example.org"
    # One notice per decision: a second call returns the same one.
    assert notices.record_decision_notice(session, application, user_id=1, now=NOW) is notice
    settings = notices.SmtpSettings(host=controller.hostname, port=controller.port,
                                    sender="csz@example.org")
    attempts = notices.retry_due_notices(session, settings=settings, now=NOW,
                                         make_pdf=_make_pdf(app), institution="ГКУ ЦСЗН")
    assert [a.ok for a in attempts] == [True]
    assert notice.status == "sent" and notice.attempts_count == 1
    assert len(handler.messages) == 1
    envelope = handler.messages[0]
    assert envelope.rcpt_tos == ["anna@example.org"]
    msg = message_from_bytes(envelope.content)
    assert application.number in str(msg.get("Subject"))
    parts = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1 and parts[0].get_payload(decode=True).startswith(b"%PDF")
    # Nothing left to send.
    assert notices.due_for_sending(session, now=NOW + timedelta(days=1)) == []


def test_failed_sending_recorded_and_retried(session, users, app, smtp_server):
    controller, handler = smtp_server
    application = _decided(session, users)
    notice = notices.record_decision_notice(session, application, user_id=users["chief"].id,
                                            now=NOW, email_consent=True)
    dead = notices.SmtpSettings(host="127.0.0.1", port=_free_port(), timeout=3)
    attempt = notices.deliver_notice(session, notice, settings=dead, pdf=b"%PDF-1.4",
                                     institution="ЦСЗН", now=NOW)
    assert not attempt.ok and attempt.detail
    assert notice.status == "failed"
    assert notice.next_attempt_at == NOW + timedelta(minutes=5)
    # Not yet due: nothing is retried before the time.
    assert notices.due_for_sending(session, now=NOW + timedelta(minutes=1)) == []
    live = notices.SmtpSettings(host=controller.hostname, port=controller.port)
    attempts = notices.retry_due_notices(session, settings=live,
                                         now=NOW + timedelta(minutes=6),
                                         make_pdf=_make_pdf(app), institution="ЦСЗН")
    assert [a.ok for a in attempts] == [True]
    assert notice.status == "sent"
    assert [a.ok for a in notice.attempts] == [False, True]
    assert len(handler.messages) == 1


def test_consent_needs_address(session, users):
    applicant = make_applicant(session, email=None)
    application = make_application(session, applicant=applicant, user=users["specialist"])
    change_status(session, application, to="transferred", user_id=users["chief"].id, now=NOW)
    change_status(session, application, to="refused", user_id=users["chief"].id, now=NOW,
                  comment="Нет права")
    with pytest.raises(InvalidInput) as exc:
        notices.record_decision_notice(session, application, user_id=1, now=NOW,
                                       email_consent=True)
    assert exc.value.field == "email"
    notice = notices.record_decision_notice(session, application, user_id=users["chief"].id,
                                            now=NOW)
    assert notice.decision == "refused" and notice.status == "printed"
    assert notice.number == "ИСХ-2026-00001"


def test_unconfigured_smtp_is_a_recorded_failure(session, users):
    application = _decided(session, users)
    notice = notices.record_decision_notice(session, application, user_id=users["chief"].id,
                                            now=NOW, email_consent=True)
    attempt = notices.deliver_notice(session, notice, settings=notices.SmtpSettings(host=""),
                                     pdf=b"%PDF", institution="ЦСЗН", now=NOW)
    assert not attempt.ok and "SMTP_HOST" in attempt.detail
    assert notice.status == "failed"


def test_cli_sends_due_notices(session, users, app, smtp_server, monkeypatch):
    controller, handler = smtp_server
    application = _decided(session, users)
    notices.record_decision_notice(session, application, user_id=users["chief"].id,
                                   now=clock.now() - timedelta(minutes=1), email_consent=True)
    session.commit()
    monkeypatch.setitem(app.config, "SMTP_HOST", controller.hostname)
    monkeypatch.setitem(app.config, "SMTP_PORT", str(controller.port))
    result = app.test_cli_runner().invoke(args=["registry", "send-notices"])
    assert result.exit_code == 0, result.output
    assert "Отправлено: 1, ошибок: 0" in result.output
    assert len(handler.messages) == 1


class _SeesCommitted(_Collect):
    """An SMTP server that, on receiving, looks from another connection whether the
    notice it carries is already in the database (committed)."""

    def __init__(self, engine):
        super().__init__()
        self.engine, self.committed = engine, []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        with self.engine.connect() as conn:
            self.committed.append(conn.execute(text(
                "SELECT count(*) FROM registry_decision_notices")).scalar_one())
        return await super().handle_DATA(server, session, envelope)


def test_the_desk_sends_the_email_only_after_the_notice_is_committed(
        client, session, users, app, monkeypatch):
    """The SMTP exchange (up to its timeout) never runs inside the write transaction: on
    SQLite that would hold every desk's write lock meanwhile."""
    from aiosmtpd.controller import Controller

    application = _decided(session, users)
    session.commit()
    handler = _SeesCommitted(session.get_bind())
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        monkeypatch.setitem(app.config, "SMTP_HOST", controller.hostname)
        monkeypatch.setitem(app.config, "SMTP_PORT", str(controller.port))
        login(client, users["chief"])
        r = client.post(f"/registry/applications/{application.id}/notice",
                        data={"email_consent": "y", "email": "anna@example.org"})
    finally:
        controller.stop()
    assert r.status_code == 303
    assert handler.committed == [1] and len(handler.messages) == 1
    session.expire_all()
    notice = session.scalar(select(DecisionNotice))
    assert [(a.ok, a.detail) for a in notice.attempts] == [(True, notice.attempts[0].detail)]
    assert notice.status == "sent"
    assert "Уведомление отправлено по e-mail" in client.get(r.headers["Location"]).text

"""Notices to applicants on decisions: the letter, and e-mail through the office's SMTP.

Each e-mail sending is recorded with its result. A failed sending stays "ошибка
отправки" with the next attempt time; ``retry_due_notices`` (CLI ``flask registry
send-notices``, or the button on the notices page) tries again — nothing is lost silently.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput
from .models import DecisionNotice, NoticeAttempt
from .services import take_outgoing_number

MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(minutes=5)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "noreply@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 20.0

    @property
    def configured(self) -> bool:
        return bool(self.host)


def smtp_settings(config=None) -> SmtpSettings:
    """Settings from the app config or the environment: SMTP_HOST, SMTP_PORT, SMTP_FROM."""
    config = config or {}

    def get(name, default=None):
        return config.get(name) or os.environ.get(name) or default

    return SmtpSettings(
        host=get("SMTP_HOST", ""), port=int(get("SMTP_PORT", 25)),
        sender=get("SMTP_FROM", "noreply@localhost"),
        starttls=str(get("SMTP_STARTTLS", "")).lower() in ("1", "true", "yes"),
        username=get("SMTP_USER"), password=get("SMTP_PASSWORD"),
    )


def _decision_of(application) -> str:
    if application.status in ("granted", "refused"):
        return application.status
    for event in reversed(application.events):
        if event.status_to in ("granted", "refused"):
            return event.status_to
    raise Conflict("По заявлению ещё нет решения: уведомление формируется после решения")


def record_decision_notice(session: Session, application, *, user_id: int, now: datetime,
                           email_consent: bool = False,
                           email: str | None = None) -> DecisionNotice:
    """Create the notice (уведомление) about the decision; one per decision.

    With the applicant's consent and an e-mail address the notice is queued for e-mail
    ("ожидает отправки"); otherwise it is printed and handed over or posted.
    """
    decision = _decision_of(application)
    existing = session.scalar(select(DecisionNotice).where(
        DecisionNotice.application_id == application.id, DecisionNotice.decision == decision))
    email = (email or application.applicant.email or "").strip() or None
    if email_consent and (not email or "@" not in email):
        raise InvalidInput("Для отправки по e-mail укажите адрес заявителя", field="email")
    if existing is not None:
        if email_consent and existing.email_to is None and existing.status == "printed":
            # The notice was prepared at the decision; the citizen consents to e-mail later.
            existing.email_to, existing.status, existing.next_attempt_at = email, "pending", now
            session.flush()
        return existing
    notice = DecisionNotice(
        application_id=application.id, decision=decision,
        reason=application.decision_reason, number=take_outgoing_number(session, on=now.date()),
        created_at=now, created_by_id=user_id,
        email_to=email if email_consent else None,
        status="pending" if email_consent else "printed",
        next_attempt_at=now if email_consent else None,
    )
    session.add(notice)
    session.flush()
    return notice


def build_message(notice: DecisionNotice, *, settings: SmtpSettings, pdf: bytes,
                  institution: str) -> EmailMessage:
    application = notice.application
    msg = EmailMessage()
    msg["Subject"] = f"Уведомление о решении по заявлению № {application.number}"
    msg["From"] = settings.sender
    msg["To"] = notice.email_to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1] or None)
    msg.set_content(
        f"Здравствуйте, {application.applicant.name} {application.applicant.patronymic or ''}"
        .rstrip() + ".\n\n"
        f"По Вашему заявлению № {application.number} ({application.service.name}) принято "
        f"решение: {notice.decision_name}.\nУведомление № {notice.number} — во вложении.\n\n"
        f"{institution}\n")
    msg.add_attachment(pdf, maintype="application", subtype="pdf",
                       filename=f"uvedomlenie-{application.number}.pdf")
    return msg


def check_sendable(notice: DecisionNotice) -> None:
    """Refuse a notice that is not sent by e-mail or has been sent already."""
    if notice.email_to is None:
        raise Conflict("Уведомление не отправляется по e-mail")
    if notice.status == "sent":
        raise Conflict("Уведомление уже отправлено")


def send_email(notice: DecisionNotice, *, settings: SmtpSettings, pdf: bytes,
               institution: str) -> tuple[bool, str]:
    """Hand one notice to the SMTP server: (accepted?, what happened). Writes nothing, so a
    request sends only after its transaction is committed (no lock held meanwhile)."""
    try:
        if not settings.configured:
            raise RuntimeError("SMTP-сервер не настроен (SMTP_HOST)")
        msg = build_message(notice, settings=settings, pdf=pdf, institution=institution)
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException, RuntimeError) as exc:
        return False, f"{type(exc).__name__}: {exc}"[:1000]
    return True, f"Принято сервером {settings.host}:{settings.port}"


def record_attempt(session: Session, notice: DecisionNotice, *, ok: bool, detail: str,
                   now: datetime) -> NoticeAttempt:
    """Record one sending and its result; a failure is retried later, with back-off."""
    attempt = NoticeAttempt(at=now, ok=ok, detail=detail)
    notice.attempts.append(attempt)
    notice.attempts_count += 1
    if ok:
        notice.status = "sent"
        notice.next_attempt_at = None
    else:
        notice.status = "failed"
        notice.next_attempt_at = (
            now + RETRY_BASE * (2 ** (notice.attempts_count - 1))
            if notice.attempts_count < MAX_ATTEMPTS else None)
    session.flush()
    return attempt


def deliver_notice(session: Session, notice: DecisionNotice, *, settings: SmtpSettings,
                   pdf: bytes, institution: str, now: datetime) -> NoticeAttempt:
    """Try to send one notice by e-mail and record the attempt and its result."""
    check_sendable(notice)
    ok, detail = send_email(notice, settings=settings, pdf=pdf, institution=institution)
    return record_attempt(session, notice, ok=ok, detail=detail, now=now)


def due_for_sending(session: Session, *, now: datetime) -> list[DecisionNotice]:
    return list(session.scalars(select(DecisionNotice).where(
        DecisionNotice.status.in_(("pending", "failed")),
        DecisionNotice.next_attempt_at.is_not(None),
        or_(DecisionNotice.next_attempt_at <= now),
    ).order_by(DecisionNotice.id)))


def retry_due_notices(session: Session, *, settings: SmtpSettings, now: datetime, make_pdf,
                      institution: str) -> list[NoticeAttempt]:
    """Send every notice that is pending or whose retry time has come."""
    return [deliver_notice(session, n, settings=settings, pdf=make_pdf(n),
                           institution=institution, now=now)
            for n in due_for_sending(session, now=now)]

"""Feedback verbs: issue a desk tablet, take a rating (tablet or one-time QR token), review."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.rating_tokens import TokenTarget, parse_token
from ..errors import Conflict, InvalidInput, NotFound
from ..intake.models import Application
from ..queue.models import Desk, Ticket
from .models import FeedbackDevice, Rating

COMMENT_MAX = 2000
USED_MESSAGE = "Оценка по этому посещению уже получена. Спасибо!"
# A tablet rating belongs to the visit finished at that desk within this time.
TABLET_WINDOW = timedelta(minutes=20)


# --- one-time tokens on receipts and tickets ----------------------------------------------

def read_token(secret: str, token: str) -> TokenTarget:
    try:
        return parse_token(secret, token)
    except ValueError as exc:
        raise NotFound("Ссылка для оценки недействительна") from exc


def token_used(session: Session, target: TokenTarget) -> bool:
    return session.scalar(select(Rating.id).where(Rating.token_key == target.key)) is not None


# --- ratings ----------------------------------------------------------------------------

def _clean(score, comment) -> tuple[int, str | None]:
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise InvalidInput("Выберите оценку от 1 до 5", field="score")
    comment = (comment or "").strip() or None
    if comment and len(comment) > COMMENT_MAX:
        raise InvalidInput(f"Комментарий длиннее {COMMENT_MAX} знаков", field="comment")
    return score, comment


def _ticket_context(ticket) -> dict:
    """Desk, specialist and service of a visit (the service of its first application)."""
    application = ticket.applications[0] if ticket.applications else None
    return {"ticket_id": ticket.id, "desk_id": ticket.desk_id,
            "specialist_id": ticket.specialist_id,
            "application_id": application.id if application else None,
            "service_id": application.service_id if application else None}


def _store(session: Session, rating: Rating) -> Rating | None:
    """Insert the rating; None when its visit was rated meanwhile (the unique token_key).

    A concurrent second use of the token fails on the unique key at the flush; the
    savepoint undoes only that insert, so the caller's transaction goes on.
    """
    rating.complaint = rating.score <= 2 and bool(rating.comment)
    if rating.token_key is None:
        session.add(rating)
        session.flush()
        return rating
    try:
        with session.begin_nested():
            session.add(rating)
            session.flush()
    except IntegrityError:
        return None
    return rating


def rate_by_token(session: Session, *, target: TokenTarget, score, comment,
                  now: datetime) -> Rating:
    """The visitor's rating from the QR code: once per receipt or ticket."""
    score, comment = _clean(score, comment)
    if token_used(session, target):
        raise Conflict(USED_MESSAGE)
    context: dict = {}
    if target.kind == "a":
        application = session.get(Application, target.object_id)
        if application is None:
            raise NotFound("Ссылка для оценки недействительна")
        context = {"application_id": application.id, "service_id": application.service_id,
                   "specialist_id": application.registered_by_id}
        ticket = session.scalar(select(Ticket).where(
            Ticket.applications.any(Application.id == application.id)).limit(1))
        if ticket is not None:
            context["ticket_id"], context["desk_id"] = ticket.id, ticket.desk_id
    else:
        ticket = session.get(Ticket, target.object_id)
        if ticket is None:
            raise NotFound("Ссылка для оценки недействительна")
        context = _ticket_context(ticket)
    rating = _store(session, Rating(at=now, score=score, comment=comment, source="qr",
                                    token_key=target.key, **context))
    if rating is None:
        raise Conflict(USED_MESSAGE)
    return rating


def rate_at_desk(session: Session, *, device: FeedbackDevice, score, comment,
                 now: datetime) -> Rating:
    """A rating on the desk's tablet: bound to the visit just finished (or under way)."""
    score, comment = _clean(score, comment)
    if not device.active:
        raise NotFound("Планшет отключён")
    device.last_seen_at = now
    ticket = session.scalar(
        select(Ticket).where(
            Ticket.desk_id == device.desk_id,
            Ticket.status.in_(("called", "serving", "finished")),
            (Ticket.finished_at.is_(None)) | (Ticket.finished_at >= now - TABLET_WINDOW),
        ).order_by(Ticket.called_at.desc(), Ticket.id.desc()).limit(1)
    )
    context: dict = {"desk_id": device.desk_id}
    key = None
    if ticket is not None and not token_used(session, TokenTarget("t", ticket.id)):
        context = _ticket_context(ticket)
        context["desk_id"] = device.desk_id
        key = f"t:{ticket.id}"
    rating = _store(session, Rating(at=now, score=score, comment=comment, source="tablet",
                                    device_id=device.id, token_key=key, **context))
    if rating is None:  # the same visit rated twice at once: keep the first
        rating = session.scalar(select(Rating).where(Rating.token_key == key))
    return rating


def review_complaint(session: Session, *, rating: Rating, user_id: int, note: str,
                     now: datetime) -> Rating:
    """The chief specialist records what was done about a complaint."""
    note = (note or "").strip()
    if not note:
        raise InvalidInput("Опишите принятые меры", field="note")
    if not rating.complaint:
        raise Conflict("Это не жалоба")
    if rating.reviewed_at is not None:
        raise Conflict("Жалоба уже рассмотрена")
    rating.reviewed_at, rating.reviewed_by_id, rating.review_note = now, user_id, note
    session.flush()
    return rating


# --- tablets ----------------------------------------------------------------------------

def issue_device(session: Session, *, name: str, desk_id: int | None, user_id: int | None,
                 now: datetime) -> FeedbackDevice:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Укажите название планшета", field="name")
    desk = session.get(Desk, desk_id) if desk_id else None
    if desk is None:
        raise InvalidInput("Выберите окно", field="desk_id")
    device = FeedbackDevice(name=name[:100], desk_id=desk.id, token=secrets.token_urlsafe(32),
                            created_at=now, created_by_id=user_id)
    session.add(device)
    session.flush()
    return device


def revoke_device(session: Session, device: FeedbackDevice, *, now: datetime):
    if device.revoked_at is None:
        device.revoked_at = now
        session.flush()
    return device


def device_by_token(session: Session, token: str | None) -> FeedbackDevice | None:
    if not token:
        return None
    device = session.scalar(select(FeedbackDevice).where(FeedbackDevice.token == token))
    return device if device is not None and device.active else None

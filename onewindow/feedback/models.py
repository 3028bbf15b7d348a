"""Visitor feedback (оценка качества): desk tablets and ratings, complaints among them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

SOURCE_NAMES = {"tablet": "планшет у окна", "qr": "QR-код"}
SCORE_NAMES = {1: "очень плохо", 2: "плохо", 3: "удовлетворительно", 4: "хорошо",
               5: "отлично"}


class FeedbackDevice(db.Model):
    """A tablet at a desk, bound by the token an admin or the chief issued to it."""

    __tablename__ = "feedback_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    desk_id: Mapped[int] = mapped_column(ForeignKey("queue_desks.id"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]

    desk = relationship("Desk")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Rating(db.Model):
    """One visitor's rating 1–5 with an optional comment; no personal data is kept."""

    __tablename__ = "feedback_ratings"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        CheckConstraint("source IN ('tablet', 'qr')", name="source_known"),
        Index("ix_feedback_ratings_at", "at"),
        Index("ix_feedback_ratings_complaint", "complaint", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))
    # "a:<application id>" or "t:<ticket id>": one rating per receipt / visit.
    token_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_devices.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("queue_tickets.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("queue_desks.id"))
    specialist_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    # A rating of 1–2 with a comment: the chief specialist reviews it.
    complaint: Mapped[bool] = mapped_column(default=False)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)

    desk = relationship("Desk")
    specialist = relationship("User", foreign_keys=[specialist_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    service = relationship("Service")
    application = relationship("Application")
    ticket = relationship("Ticket")

    @property
    def source_name(self) -> str:
        return SOURCE_NAMES.get(self.source, self.source)

    @property
    def score_name(self) -> str:
        return SCORE_NAMES.get(self.score, str(self.score))

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

STATUS_NAMES = {
    "accepted": "принято",
    "transferred": "передано в отдел",
    "granted": "решение: назначено",
    "refused": "решение: отказано",
    "notified": "заявитель уведомлён",
    "cancelled": "аннулировано",
}
# Which statuses may follow which: принято → передано → решение → уведомлён.
STATUS_FLOW = {
    "accepted": ("transferred",),
    "transferred": ("granted", "refused"),
    "granted": ("notified",),
    "refused": ("notified",),
    "notified": (),
    "cancelled": (),
}
OPEN_STATUSES = ("accepted", "transferred")
DECIDED_STATUSES = ("granted", "refused", "notified")


class Application(db.Model):
    """An application (заявление) registered at the desk."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_applications_year_seq"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATUS_NAMES) + ")", name="status_known"
        ),
        Index("ix_applications_registered_by_registered_at", "registered_by_id", "registered_at"),
        Index("ix_applications_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    representative_name: Mapped[str | None] = mapped_column(String(300))
    representative_document: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[datetime]
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    deadline: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="accepted")
    status_changed_at: Mapped[datetime]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # The form's one-time token: a double click or resubmit finds the first application.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    service = relationship("Service")
    applicant = relationship("Applicant", back_populates="applications")
    registered_by = relationship("User", foreign_keys=[registered_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])
    documents: Mapped[list[ApplicationDocument]] = relationship(
        back_populates="application", order_by="ApplicationDocument.position",
        cascade="all, delete-orphan",
    )
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.at",
        cascade="all, delete-orphan",
    )

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def received_documents(self) -> list[ApplicationDocument]:
        return [d for d in self.documents if d.received]

    @property
    def missing_documents(self) -> list[ApplicationDocument]:
        return [d for d in self.documents if d.mandatory and not d.received and not d.interagency]

    @property
    def interagency_documents(self) -> list[ApplicationDocument]:
        return [d for d in self.documents if d.interagency and not d.received]

    @property
    def total_sheets(self) -> int:
        return sum(d.sheets or 0 for d in self.received_documents)


class ApplicationDocument(db.Model):
    """A line of the application's document list: from the checklist or added by hand."""

    __tablename__ = "application_documents"
    __table_args__ = (
        CheckConstraint("form IN ('original', 'copy')", name="form_known"),
        CheckConstraint("sheets >= 0", name="sheets_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(Text)
    form: Mapped[str] = mapped_column(String(10))
    sheets: Mapped[int] = mapped_column(default=0)
    received: Mapped[bool]
    mandatory: Mapped[bool] = mapped_column(default=False)
    interagency: Mapped[bool] = mapped_column(default=False)
    from_checklist: Mapped[bool] = mapped_column(default=True)

    application: Mapped[Application] = relationship(back_populates="documents")

    @property
    def form_label(self) -> str:
        return "подлинник" if self.form == "original" else "копия"


class ApplicationEvent(db.Model):
    """A status change or cancellation, with who and when."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="events")
    user = relationship("User")

    @property
    def status_to_name(self) -> str:
        return STATUS_NAMES.get(self.status_to, self.status_to)

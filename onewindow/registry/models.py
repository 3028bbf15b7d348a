"""Deadline registries: requests, citizens' appeals, notices, assignments, handovers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.text import full_name, initials
from ..extensions import db

CHANNELS = {
    "post": "почта",
    "email": "электронная почта",
    "smev": "система межведомственного взаимодействия",
    "courier": "нарочно",
}
REQUEST_STATUSES = {
    "registered": "зарегистрирован",
    "in_work": "в работе",
    "paused": "срок приостановлен",
    "answered": "ответ направлен",
    "forwarded": "переадресован",
    "sent": "направлен, ждём ответ",
    "received": "ответ получен",
    "cancelled": "аннулирован",
}
REQUEST_OPEN = ("registered", "in_work", "paused")
OUTGOING_WAITING = ("sent",)
CORRESPONDENT_KINDS = {
    "district": "ЦСЗН другого района",
    "region": "орган соцзащиты другого региона",
    "sfr": "Социальный фонд России",
    "zags": "органы ЗАГС",
    "mvd": "органы МВД",
    "other": "иная организация",
}

request_applicants = Table(
    "registry_request_applicants",
    db.metadata,
    Column("request_id", ForeignKey("registry_requests.id", ondelete="CASCADE"),
           primary_key=True),
    Column("applicant_id", ForeignKey("applicants.id"), primary_key=True),
)


class Correspondent(db.Model):
    """An organisation the office exchanges letters with (reusable directory)."""

    __tablename__ = "registry_correspondents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="other")
    address: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def kind_name(self) -> str:
        return CORRESPONDENT_KINDS.get(self.kind, self.kind)


class Request(db.Model):
    """A request (запрос): incoming from another body, or outgoing from the office."""

    __tablename__ = "registry_requests"
    __table_args__ = (
        UniqueConstraint("direction", "year", "seq", name="uq_registry_requests_dir_year_seq"),
        CheckConstraint("direction IN ('in', 'out')", name="direction_known"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in REQUEST_STATUSES) + ")",
            name="status_known",
        ),
        Index("ix_registry_requests_status_due", "status", "due_date"),
        Index("ix_registry_requests_assigned_status", "assigned_to_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    # Registration number in our journal: incoming journal or the outgoing journal.
    number: Mapped[str] = mapped_column(String(30))
    year: Mapped[int]
    seq: Mapped[int]
    type_code: Mapped[str] = mapped_column(String(30))
    correspondent_id: Mapped[int] = mapped_column(ForeignKey("registry_correspondents.id"))
    channel: Mapped[str] = mapped_column(String(20), default="post")
    their_number: Mapped[str | None] = mapped_column(String(60))
    their_date: Mapped[date | None]
    received_on: Mapped[date]  # incoming: received; outgoing: sent
    subject: Mapped[str] = mapped_column(Text)
    persons_text: Mapped[str | None] = mapped_column(Text)  # people not found in the registry
    attachments: Mapped[str | None] = mapped_column(Text)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date | None]  # incoming: answer due; outgoing: answer expected
    original_due_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="registered")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"),
                                                       index=True)
    application_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("application_documents.id"))
    # The answer (ours for incoming; theirs for outgoing).
    answer_number: Mapped[str | None] = mapped_column(String(60))
    answer_date: Mapped[date | None]
    answer_text: Mapped[str | None] = mapped_column(Text)
    signed_by: Mapped[str | None] = mapped_column(String(200))
    forwarded_to: Mapped[str | None] = mapped_column(String(300))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    correspondent: Mapped[Correspondent] = relationship()
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    application = relationship("Application")
    application_document = relationship("ApplicationDocument")
    applicants = relationship("Applicant", secondary=request_applicants,
                              order_by="Applicant.surname")
    pauses: Mapped[list[DeadlinePause]] = relationship(
        back_populates="request", order_by="DeadlinePause.started_on",
        cascade="all, delete-orphan")

    @property
    def status_name(self) -> str:
        return REQUEST_STATUSES[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in REQUEST_OPEN

    @property
    def direction_name(self) -> str:
        return "входящий" if self.direction == "in" else "исходящий"

    @property
    def open_pause(self) -> DeadlinePause | None:
        return next((p for p in self.pauses if p.ended_on is None), None)


class DeadlinePause(db.Model):
    """A pause of a request's deadline while the office waits for what it depends on."""

    __tablename__ = "registry_deadline_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("registry_requests.id", ondelete="CASCADE"), index=True)
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text)
    working_days: Mapped[int | None]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    request: Mapped[Request] = relationship(back_populates="pauses")


APPEAL_KINDS = {
    "statement": "заявление",
    "proposal": "предложение",
    "complaint": "жалоба",
}
APPEAL_CHANNELS = {
    "personal": "личный приём",
    "post": "почта",
    "email": "электронная почта",
    "portal": "портал",
    "oral": "устно",
}
APPEAL_STATUSES = {
    "registered": "зарегистрировано",
    "in_work": "в работе",
    "answered": "дан ответ",
    "forwarded": "переадресовано",
    "cancelled": "аннулировано",
}
APPEAL_OPEN = ("registered", "in_work")


class Appeal(db.Model):
    """A citizen's appeal (обращение гражданина, 59-ФЗ)."""

    __tablename__ = "registry_appeals"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_registry_appeals_year_seq"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in APPEAL_STATUSES) + ")",
            name="status_known",
        ),
        CheckConstraint("sex IS NULL OR sex IN ('M', 'F')", name="sex_known"),
        Index("ix_registry_appeals_status_due", "status", "due_date"),
        Index("ix_registry_appeals_assigned_status", "assigned_to_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20), default="statement")
    channel: Mapped[str] = mapped_column(String(20), default="post")
    received_on: Mapped[date]
    registered_on: Mapped[date]
    late_registration: Mapped[bool] = mapped_column(default=False)
    anonymous: Mapped[bool] = mapped_column(default=False)
    surname: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    # normalize_person_key(surname + name): finds the citizen's earlier appeals.
    person_key: Mapped[str | None] = mapped_column(String(200), index=True)
    sex: Mapped[str | None] = mapped_column(String(1))
    address: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(200))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicants.id"))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date]
    forward_due: Mapped[date]
    extended: Mapped[bool] = mapped_column(default=False)
    extension_days: Mapped[int | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    original_due_date: Mapped[date | None]
    forwarded_to: Mapped[str | None] = mapped_column(String(300))
    forwarded_on: Mapped[date | None]
    answer_text: Mapped[str | None] = mapped_column(Text)
    answer_number: Mapped[str | None] = mapped_column(String(30))
    answer_date: Mapped[date | None]
    signed_by: Mapped[str | None] = mapped_column(String(200))
    complaint_result: Mapped[str | None] = mapped_column(String(30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("registry_appeals.id"))
    status: Mapped[str] = mapped_column(String(20), default="registered")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    responsible = relationship("User", foreign_keys=[responsible_id])
    applicant = relationship("Applicant")
    parent = relationship("Appeal", remote_side=[id])

    @property
    def status_name(self) -> str:
        return APPEAL_STATUSES[self.status]

    @property
    def kind_name(self) -> str:
        return APPEAL_KINDS.get(self.kind, self.kind)

    @property
    def channel_name(self) -> str:
        return APPEAL_CHANNELS.get(self.channel, self.channel)

    @property
    def is_open(self) -> bool:
        return self.status in APPEAL_OPEN

    @property
    def citizen_name(self) -> str:
        if self.anonymous:
            return "анонимное обращение"
        return full_name(self.surname or "", self.name, self.patronymic)

    @property
    def citizen_short(self) -> str:
        return initials(self.surname or "", self.name, self.patronymic)


NOTICE_STATUSES = {
    "printed": "к выдаче / почтой",
    "pending": "ожидает отправки",
    "sent": "отправлено",
    "failed": "ошибка отправки",
}


class DecisionNotice(db.Model):
    """A notice (уведомление) to the applicant about the decision on an application."""

    __tablename__ = "registry_decision_notices"
    __table_args__ = (
        CheckConstraint("decision IN ('granted', 'refused')", name="decision_known"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in NOTICE_STATUSES) + ")",
            name="status_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    email_to: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="printed")
    attempts_count: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]

    application = relationship("Application")
    created_by = relationship("User")
    attempts: Mapped[list[NoticeAttempt]] = relationship(
        back_populates="notice", order_by="NoticeAttempt.at", cascade="all, delete-orphan")

    @property
    def status_name(self) -> str:
        return NOTICE_STATUSES[self.status]

    @property
    def decision_name(self) -> str:
        return "назначено" if self.decision == "granted" else "отказано"


class NoticeAttempt(db.Model):
    """One e-mail sending of a notice, with its result."""

    __tablename__ = "registry_notice_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("registry_decision_notices.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    ok: Mapped[bool]
    detail: Mapped[str] = mapped_column(Text, default="")

    notice: Mapped[DecisionNotice] = relationship(back_populates="attempts")


ASSIGNMENT_STATUSES = {
    "open": "на исполнении",
    "done": "исполнено",
    "closed": "снято с контроля",
    "cancelled": "отменено",
}


class Assignment(db.Model):
    """An assignment (поручение) from the chief to a specialist."""

    __tablename__ = "registry_assignments"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in ASSIGNMENT_STATUSES) + ")",
            name="status_known",
        ),
        Index("ix_registry_assignments_status_due", "status", "due_date"),
        Index("ix_registry_assignments_assignee_status", "assignee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_control: Mapped[bool] = mapped_column(default=True)
    link: Mapped[str | None] = mapped_column(String(40))  # "application:12", "request:3"
    status: Mapped[str] = mapped_column(String(10), default="open")
    result: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]
    control_mark: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    author = relationship("User", foreign_keys=[author_id])
    assignee = relationship("User", foreign_keys=[assignee_id])

    @property
    def status_name(self) -> str:
        return ASSIGNMENT_STATUSES[self.status]

    @property
    def is_open(self) -> bool:
        return self.status == "open"


ACK_KINDS = {
    "order": "приказ",
    "instruction": "инструкция",
    "regulation": "административный регламент",
    "other": "иной документ",
}


class AckDocument(db.Model):
    """A document staff must acknowledge (ознакомление): an order, instruction, regulation."""

    __tablename__ = "registry_ack_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="order")
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]

    published_by = relationship("User")
    versions: Mapped[list[AckVersion]] = relationship(
        back_populates="document", order_by="AckVersion.number", cascade="all, delete-orphan")
    addressees = relationship("User", secondary="registry_ack_addressees",
                              order_by="User.full_name")

    @property
    def current(self) -> AckVersion:
        return self.versions[-1]

    @property
    def kind_name(self) -> str:
        return ACK_KINDS.get(self.kind, self.kind)


ack_addressees = Table(
    "registry_ack_addressees",
    db.metadata,
    Column("document_id", ForeignKey("registry_ack_documents.id", ondelete="CASCADE"),
           primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)


class AckVersion(db.Model):
    """One published text of an acknowledgement document."""

    __tablename__ = "registry_ack_versions"
    __table_args__ = (UniqueConstraint("document_id", "number",
                                       name="uq_registry_ack_versions_doc_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("registry_ack_documents.id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    change_note: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime]

    document: Mapped[AckDocument] = relationship(back_populates="versions")
    acknowledgements: Mapped[list[Acknowledgement]] = relationship(
        back_populates="version", cascade="all, delete-orphan")


class Acknowledgement(db.Model):
    """A person's "ознакомлен(а)" with one version."""

    __tablename__ = "registry_acknowledgements"
    __table_args__ = (UniqueConstraint("version_id", "user_id",
                                       name="uq_registry_acknowledgements_version_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("registry_ack_versions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime]

    version: Mapped[AckVersion] = relationship(back_populates="acknowledgements")
    user = relationship("User")


ITEM_KINDS = {
    "application": "заявление",
    "request": "запрос",
    "appeal": "обращение",
    "assignment": "поручение",
    "checkout": "дело из архива",
}


class Holding(db.Model):
    """Who held an item (application, request, appeal, assignment) from when to when.

    Applications have no "assigned specialist" column in intake's table: the current
    holder is the open holding, or the registering specialist when there is none.
    """

    __tablename__ = "registry_holdings"
    __table_args__ = (
        Index("ix_registry_holdings_item", "item_kind", "item_id"),
        Index("ix_registry_holdings_user_open", "user_id", "until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    since: Mapped[datetime]
    until: Mapped[datetime | None]
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("registry_handovers.id"))
    note: Mapped[str | None] = mapped_column(String(300))

    user = relationship("User")


HANDOVER_REASONS = {
    "leave": "отпуск",
    "trip": "командировка",
    "illness": "временная нетрудоспособность",
    "dismissal": "увольнение",
}


class Handover(db.Model):
    """A handover of a leaving specialist's items (передача дел) to a receiver."""

    __tablename__ = "registry_handovers"
    __table_args__ = (
        CheckConstraint("leaver_id <> receiver_id", name="different_people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leaver_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    receiver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_back_at: Mapped[datetime | None]
    # When the items actually moved; None while a handover dated ahead is only planned.
    applied_at: Mapped[datetime | None]

    leaver = relationship("User", foreign_keys=[leaver_id])
    receiver = relationship("User", foreign_keys=[receiver_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    items: Mapped[list[HandoverItem]] = relationship(
        back_populates="handover", order_by="HandoverItem.id", cascade="all, delete-orphan")

    @property
    def reason_name(self) -> str:
        return HANDOVER_REASONS.get(self.reason, self.reason)

    @property
    def planned(self) -> bool:
        return self.applied_at is None


class HandoverItem(db.Model):
    """One item passed in a handover, as it was listed in the act."""

    __tablename__ = "registry_handover_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(
        ForeignKey("registry_handovers.id", ondelete="CASCADE"), index=True)
    item_kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int]
    label: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None]
    taken_back: Mapped[bool] = mapped_column(default=False)

    handover: Mapped[Handover] = relationship(back_populates="items")

    @property
    def kind_name(self) -> str:
        return ITEM_KINDS.get(self.item_kind, self.item_kind)

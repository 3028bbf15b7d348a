from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.morphology import typing_words
from ..core.text import plural_ru
from ..extensions import db

service_categories = Table(
    "service_categories",
    db.metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "category_id", ForeignKey("beneficiary_categories.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class BeneficiaryCategory(db.Model):
    """A category of beneficiaries (ветеран труда, инвалид, …), editable by an admin."""

    __tablename__ = "beneficiary_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class ServiceGroup(db.Model):
    __tablename__ = "service_groups"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Service(db.Model):
    """A state service the sector accepts documents for."""

    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("deadline_days > 0", name="deadline_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    short_name: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(200))
    group_code: Mapped[str] = mapped_column(ForeignKey("service_groups.code"))
    description: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    deadline_days: Mapped[int]
    retention_years: Mapped[int | None]
    retention_permanent: Mapped[bool] = mapped_column(default=False)
    expert_review: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Normalised words of name, description and documents (casefold, ё→е) for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    group: Mapped[ServiceGroup] = relationship()
    documents: Mapped[list[ServiceDocument]] = relationship(
        back_populates="service", order_by="ServiceDocument.position",
        cascade="all, delete-orphan",
    )
    categories: Mapped[list[BeneficiaryCategory]] = relationship(
        secondary=service_categories, order_by="BeneficiaryCategory.name"
    )

    @property
    def picker_words(self) -> str:
        """What the intake's service picker matches typed words against (by their start):
        every form of the short name's words («детей» for «на ребёнка») and the full name."""
        return f"{typing_words(self.short_name)} {self.name}"

    @property
    def deadline_label(self) -> str:
        days = self.deadline_days or 0
        return f"{days} {plural_ru(days, ('рабочий день', 'рабочих дня', 'рабочих дней'))}"

    @property
    def retention_label(self) -> str:
        if self.retention_permanent:
            return "постоянно"
        years = self.retention_years or 0
        return f"{years} {plural_ru(years, ('год', 'года', 'лет'))}"


class ServiceDocument(db.Model):
    """A document on a service's checklist."""

    __tablename__ = "service_documents"
    __table_args__ = (
        CheckConstraint("form IN ('original', 'copy')", name="form_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(Text)
    form: Mapped[str] = mapped_column(String(10), default="copy")
    mandatory: Mapped[bool] = mapped_column(default=True)
    # The office obtains it itself by interagency request (210-ФЗ, art. 7).
    interagency: Mapped[bool] = mapped_column(default=False)

    service: Mapped[Service] = relationship(back_populates="documents")

    @property
    def form_label(self) -> str:
        return FORM_LABELS[self.form]


FORM_LABELS = {"original": "подлинник", "copy": "копия"}

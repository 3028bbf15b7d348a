"""Selection of closed case files for destruction and the act (акт о выделении к уничтожению)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

ACT_STATUSES = {
    "draft": "проект",
    "approved": "утверждён",
    "destroyed": "дела уничтожены",
    "cancelled": "отменён",
}
DEFAULT_BASIS = (
    "Перечень типовых управленческих архивных документов, образующихся в процессе "
    "деятельности государственных органов, органов местного самоуправления и организаций, "
    "с указанием сроков их хранения (утв. приказом Росархива от 20.12.2019 № 236)")


class DisposalAct(db.Model):
    """An act selecting closed case files for destruction; approved by the director."""

    __tablename__ = "disposal_acts"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_disposal_acts_year_seq"),
        CheckConstraint("status IN ('draft', 'approved', 'destroyed', 'cancelled')",
                        name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    act_date: Mapped[date]
    as_of: Mapped[date]  # retention counted up to this date
    basis: Mapped[str] = mapped_column(Text)
    article: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    destroyed_on: Mapped[date | None]
    destroyed_at: Mapped[datetime | None]
    destroyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    created_by = relationship("User", foreign_keys=[created_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    destroyed_by = relationship("User", foreign_keys=[destroyed_by_id])
    items: Mapped[list[DisposalItem]] = relationship(
        back_populates="act", order_by="DisposalItem.position", cascade="all, delete-orphan")

    @property
    def status_name(self) -> str:
        return ACT_STATUSES[self.status]


class DisposalItem(db.Model):
    """A case file listed in an act."""

    __tablename__ = "disposal_items"
    __table_args__ = (
        UniqueConstraint("act_id", "case_file_id", name="uq_disposal_items_act_case_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("disposal_acts.id", ondelete="CASCADE"),
                                        index=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id"), index=True)
    position: Mapped[int]
    expires_on: Mapped[date]

    act: Mapped[DisposalAct] = relationship(back_populates="items")
    case_file = relationship("CaseFile")

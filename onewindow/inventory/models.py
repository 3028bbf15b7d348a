"""Archive inventories (инвентаризация): the director's order, the frozen list, box scans."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

INVENTORY_STATUSES = {
    "open": "идёт",
    "finished": "сканирование завершено",
    "approved": "итоги утверждены",
    "applied": "исправления внесены",
}
SCOPE_KINDS = {"all": "весь архив", "rooms": "помещения", "racks": "стеллажи",
               "boxes": "выбранные короба"}
BOX_STATES = {"not_started": "не начат", "in_progress": "идёт", "paused": "пауза",
              "done": "готов"}
OUTCOMES = {
    "found": "на месте",
    "misplaced": "в другом коробе",
    "missing": "не найдено",
    "absent": "выдано (отсутствует законно)",
    "unknown": "неизвестный код",
    "duplicate": "повторное сканирование",
}
TASK_STATUSES = {"open": "ищется", "found": "найдено", "lost": "не найдено"}


class Inventory(db.Model):
    """An inventory of the archive opened by the director's order."""

    __tablename__ = "inventories"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'finished', 'approved', 'applied')",
                        name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(String(40))
    order_date: Mapped[date]
    scope_kind: Mapped[str] = mapped_column(String(10), default="all")
    scope_label: Mapped[str] = mapped_column(Text, default="")
    commission: Mapped[str] = mapped_column(Text)  # one member a line
    deadline: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finished_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[datetime | None]
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    opened_by = relationship("User", foreign_keys=[opened_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    boxes: Mapped[list[InventoryBox]] = relationship(
        back_populates="inventory", order_by="InventoryBox.position")

    @property
    def status_name(self) -> str:
        return INVENTORY_STATUSES[self.status]

    @property
    def scope_name(self) -> str:
        return SCOPE_KINDS.get(self.scope_kind, self.scope_kind)

    @property
    def commission_members(self) -> list[str]:
        return [m.strip() for m in (self.commission or "").splitlines() if m.strip()]


class InventoryBox(db.Model):
    """A box in the inventory's scope and the state of its scanning."""

    __tablename__ = "inventory_boxes"
    __table_args__ = (
        UniqueConstraint("inventory_id", "box_id", name="uq_inventory_boxes_inventory_box"),
        CheckConstraint("state IN ('not_started', 'in_progress', 'paused', 'done')",
                        name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inventory_id: Mapped[int] = mapped_column(ForeignKey("inventories.id"), index=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("archive_boxes.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(12), default="not_started")
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    inventory: Mapped[Inventory] = relationship(back_populates="boxes")
    box = relationship("ArchiveBox")
    worker = relationship("User")

    @property
    def state_name(self) -> str:
        return BOX_STATES[self.state]


class InventoryExpected(db.Model):
    """A folder expected in a box when the inventory opened (the frozen list)."""

    __tablename__ = "inventory_expected"
    __table_args__ = (
        UniqueConstraint("inventory_id", "case_file_id",
                         name="uq_inventory_expected_inventory_case_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inventory_id: Mapped[int] = mapped_column(ForeignKey("inventories.id"), index=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id"), index=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("archive_boxes.id"))

    case_file = relationship("CaseFile")
    box = relationship("ArchiveBox")


class InventoryScan(db.Model):
    """One scanned code during an inventory, with its outcome at the time of the scan."""

    __tablename__ = "inventory_scans"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('found', 'misplaced', 'unknown', 'duplicate')", name="outcome_known"),
        Index("ix_inventory_scans_inventory_case_file", "inventory_id", "case_file_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inventory_id: Mapped[int] = mapped_column(ForeignKey("inventories.id"), index=True)
    inventory_box_id: Mapped[int] = mapped_column(ForeignKey("inventory_boxes.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    case_file_id: Mapped[int | None] = mapped_column(ForeignKey("case_files.id"))
    # Where the register had the folder when it was scanned (for "misplaced").
    register_box_id: Mapped[int | None] = mapped_column(ForeignKey("archive_boxes.id"))
    outcome: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    inventory_box: Mapped[InventoryBox] = relationship()
    case_file = relationship("CaseFile")
    register_box = relationship("ArchiveBox")
    user = relationship("User")

    @property
    def outcome_name(self) -> str:
        return OUTCOMES[self.outcome]


class SearchTask(db.Model):
    """A search for a folder the inventory did not find (задание архивариусу)."""

    __tablename__ = "inventory_search_tasks"
    __table_args__ = (
        UniqueConstraint("inventory_id", "case_file_id",
                         name="uq_inventory_search_tasks_inventory_case_file"),
        CheckConstraint("status IN ('open', 'found', 'lost')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inventory_id: Mapped[int] = mapped_column(ForeignKey("inventories.id"), index=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str | None] = mapped_column(Text)

    inventory: Mapped[Inventory] = relationship()
    case_file = relationship("CaseFile")

    @property
    def status_name(self) -> str:
        return TASK_STATUSES[self.status]

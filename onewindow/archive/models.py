"""The archive room: case files (личные дела), their boxes, moves and checkouts."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.text import format_date
from ..database import MappingJson
from ..extensions import db

CLOSE_REASONS = {
    "payments_stopped": "прекращение выплат",
    "moved_away": "выбытие (переезд)",
    "died": "смерть получателя",
    "other": "иная причина",
}
STATUS_NAMES = {"active": "действующее", "closed": "закрыто", "destroyed": "уничтожено",
                "cancelled": "аннулировано"}
# A cancelled file (an undone import) keeps its row; a live file may take its number.
LIVE_CASE_FILE = text("status <> 'cancelled'")
# One folder per applicant and service at a time: a destroyed one (retention over) makes
# room for a new folder when the person applies again; its entry stays.
OPEN_CASE_FILE = text("status NOT IN ('cancelled', 'destroyed')")

case_file_applications = Table(
    "case_file_applications",
    db.metadata,
    Column("case_file_id", ForeignKey("case_files.id", ondelete="CASCADE"), primary_key=True),
    Column("application_id", ForeignKey("applications.id"), primary_key=True, unique=True),
)


class ArchiveRoom(db.Model):
    """An archive room (помещение)."""

    __tablename__ = "archive_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    racks: Mapped[list[ArchiveRack]] = relationship(
        back_populates="room", order_by="ArchiveRack.number")


class ArchiveRack(db.Model):
    """A rack (стеллаж) in a room."""

    __tablename__ = "archive_racks"
    __table_args__ = (UniqueConstraint("room_id", "number", name="uq_archive_racks_room_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("archive_rooms.id"), index=True)
    number: Mapped[int]

    room: Mapped[ArchiveRoom] = relationship(back_populates="racks")
    shelves: Mapped[list[ArchiveShelf]] = relationship(
        back_populates="rack", order_by="ArchiveShelf.number")


class ArchiveShelf(db.Model):
    """A shelf (полка) of a rack."""

    __tablename__ = "archive_shelves"
    __table_args__ = (
        UniqueConstraint("rack_id", "number", name="uq_archive_shelves_rack_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rack_id: Mapped[int] = mapped_column(ForeignKey("archive_racks.id"), index=True)
    number: Mapped[int]

    rack: Mapped[ArchiveRack] = relationship(back_populates="shelves")
    boxes: Mapped[list[ArchiveBox]] = relationship(
        back_populates="shelf", order_by="ArchiveBox.number")

    @property
    def location(self) -> str:
        rack = self.rack
        return f"{rack.room.name}, стеллаж {rack.number}, полка {self.number}"


class ArchiveBox(db.Model):
    """A box (короб) of case files on a shelf, with its own barcode."""

    #: Every box barcode is this prefix and a number (services.next_box_barcode).
    BARCODE_PREFIX = "BOX"

    __tablename__ = "archive_boxes"
    __table_args__ = (
        UniqueConstraint("shelf_id", "number", name="uq_archive_boxes_shelf_number"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    barcode: Mapped[str] = mapped_column(String(20), unique=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("archive_shelves.id"), index=True)
    number: Mapped[int]
    capacity: Mapped[int] = mapped_column(default=50)
    year_from: Mapped[int | None]
    year_to: Mapped[int | None]
    group_code: Mapped[str | None] = mapped_column(ForeignKey("service_groups.code"))
    note: Mapped[str | None] = mapped_column(Text)
    # The office's own name of the box as written in its register («К-001», «Короб 12»).
    label: Mapped[str | None] = mapped_column(String(40))
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("archive_import_batches.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    shelf: Mapped[ArchiveShelf] = relationship(back_populates="boxes")
    group = relationship("ServiceGroup")
    case_files: Mapped[list[CaseFile]] = relationship(
        back_populates="box", order_by="CaseFile.number")

    @property
    def name(self) -> str:
        """«короб К-001» as the office wrote it, else «короб 12»."""
        if self.label:
            return self.label if self.label.casefold().startswith("короб") \
                else f"короб {self.label}"
        return f"короб {self.number}"

    @property
    def location(self) -> str:
        return f"{self.shelf.location}, {self.name}"

    @property
    def years_label(self) -> str:
        if self.year_from and self.year_to and self.year_from != self.year_to:
            return f"{self.year_from}–{self.year_to}"
        return str(self.year_from or self.year_to or "")


def destroyed_label(status: str, act_number: str | None, act_date: date | None) -> str:
    """«уничтожено по акту № … от …» for a destroyed file, else nothing."""
    if status != "destroyed":
        return ""
    return f"уничтожено по акту № {act_number} от {format_date(act_date)}"


class CaseFile(db.Model):
    """A personal case file (личное дело) of one applicant for one service."""

    __tablename__ = "case_files"
    __table_args__ = (
        Index("uq_case_files_applicant_service", "applicant_id", "service_id", unique=True,
              sqlite_where=OPEN_CASE_FILE, postgresql_where=OPEN_CASE_FILE),
        Index("uq_case_files_number", "number", unique=True,
              sqlite_where=LIVE_CASE_FILE, postgresql_where=LIVE_CASE_FILE),
        CheckConstraint("status IN ('active', 'closed', 'destroyed', 'cancelled')",
                        name="status_known"),
        CheckConstraint("sheets >= 0", name="sheets_nonnegative"),
        Index("ix_case_files_opened_on", "opened_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    year: Mapped[int]
    end_year: Mapped[int | None]
    opened_on: Mapped[date]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="active")
    closed_on: Mapped[date | None]
    close_reason: Mapped[str | None] = mapped_column(String(20))
    close_note: Mapped[str | None] = mapped_column(Text)
    sheets: Mapped[int] = mapped_column(default=0)
    box_id: Mapped[int | None] = mapped_column(ForeignKey("archive_boxes.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("archive_import_batches.id"), index=True)
    import_row: Mapped[int | None]
    # Set when destroyed by an approved act (onewindow/disposal); the entry stays forever.
    destroyed_act_number: Mapped[str | None] = mapped_column(String(40))
    destroyed_act_date: Mapped[date | None]
    # Set when an undone import cancels the file (status "cancelled"): who, when, why.
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    applicant = relationship("Applicant")
    service = relationship("Service")
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])
    box: Mapped[ArchiveBox | None] = relationship(back_populates="case_files")
    applications = relationship(
        "Application", secondary=case_file_applications,
        order_by="Application.registered_at")
    moves: Mapped[list[CaseFileMove]] = relationship(
        back_populates="case_file", order_by="CaseFileMove.id", cascade="all, delete-orphan")
    checkouts: Mapped[list[Checkout]] = relationship(
        back_populates="case_file", order_by="Checkout.id", cascade="all, delete-orphan")
    events: Mapped[list[CaseFileEvent]] = relationship(
        back_populates="case_file", order_by="CaseFileEvent.id", cascade="all, delete-orphan")

    @property
    def status_name(self) -> str:
        if self.status == "destroyed":
            return self.destroyed_label
        return STATUS_NAMES[self.status]

    @property
    def destroyed_label(self) -> str:
        return destroyed_label(self.status, self.destroyed_act_number, self.destroyed_act_date)

    @property
    def close_reason_name(self) -> str:
        return CLOSE_REASONS.get(self.close_reason or "", "")

    @property
    def open_checkout(self) -> Checkout | None:
        return next((c for c in self.checkouts if c.returned_at is None), None)

    @property
    def location(self) -> str:
        if self.status == "destroyed":
            return self.destroyed_label
        return self.box.location if self.box else "не размещено"

    @property
    def end_dates(self) -> str:
        """Крайние даты for the inventory list."""
        last = self.closed_on.year if self.closed_on else self.end_year
        if last and last != self.year:
            return f"{self.year}–{last}"
        return str(self.year)


class CaseFileEvent(db.Model):
    """Opening, closing, reopening and other changes of a case file: who, when, why."""

    __tablename__ = "case_file_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(
        ForeignKey("case_files.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)

    case_file: Mapped[CaseFile] = relationship(back_populates="events")
    user = relationship("User")

    KIND_NAMES = {"opened": "открыто", "closed": "закрыто", "reopened": "открыто повторно",
                  "imported": "импортировано", "sheets": "число листов", "linked": "заявление",
                  "destroyed": "уничтожено", "inventory": "инвентаризация",
                  "cancelled": "аннулировано"}

    @property
    def kind_name(self) -> str:
        return self.KIND_NAMES.get(self.kind, self.kind)


class CaseFileMove(db.Model):
    """A folder moved from one box to another (or first filed)."""

    __tablename__ = "case_file_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(
        ForeignKey("case_files.id", ondelete="CASCADE"), index=True)
    from_box_id: Mapped[int | None] = mapped_column(ForeignKey("archive_boxes.id"))
    to_box_id: Mapped[int] = mapped_column(ForeignKey("archive_boxes.id"), index=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    warning: Mapped[str | None] = mapped_column(Text)

    case_file: Mapped[CaseFile] = relationship(back_populates="moves")
    from_box = relationship("ArchiveBox", foreign_keys=[from_box_id])
    to_box = relationship("ArchiveBox", foreign_keys=[to_box_id])
    user = relationship("User")


class Checkout(db.Model):
    """A folder issued to an employee (выдача дела) until it is returned."""

    __tablename__ = "case_file_checkouts"
    __table_args__ = (
        # At most one open checkout per folder, even under concurrent scans.
        Index("uq_case_file_checkouts_open", "case_file_id", unique=True,
              sqlite_where=text("returned_at IS NULL"),
              postgresql_where=text("returned_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(
        ForeignKey("case_files.id", ondelete="CASCADE"), index=True)
    issued_to_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date]
    returned_at: Mapped[datetime | None]
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case_file: Mapped[CaseFile] = relationship(back_populates="checkouts")
    issued_to = relationship("User", foreign_keys=[issued_to_id])
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    returned_by = relationship("User", foreign_keys=[returned_by_id])

    def is_overdue(self, today: date) -> bool:
        return self.returned_at is None and self.due_on < today


class ImportBatch(db.Model):
    """One imported register (XLSX/CSV) — undone in one step."""

    __tablename__ = "archive_import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_imported: Mapped[int] = mapped_column(default=0)
    rows_skipped: Mapped[int] = mapped_column(default=0)
    report: Mapped[str | None] = mapped_column(Text)
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undo_reason: Mapped[str | None] = mapped_column(Text)

    user = relationship("User", foreign_keys=[user_id])
    undone_by = relationship("User", foreign_keys=[undone_by_id])


class ImportProfile(MappingJson, db.Model):
    """A named column mapping of a register layout; the next file with these columns uses it."""

    __tablename__ = "archive_import_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    mapping_json: Mapped[str] = mapped_column(Text, default="{}")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_used_at: Mapped[datetime | None]



class ServiceSpelling(db.Model):
    """How registers write a service («ЕДВ ветеранам», «Субсидия ЖКУ»), confirmed once."""

    __tablename__ = "archive_service_spellings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # normalize_search of the spelling as written.
    spelling: Mapped[str] = mapped_column(String(200), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    service = relationship("Service")

"""Reads for the archive room: scans, lists, folders out and overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..applicants.models import Applicant
from ..catalog.models import Service
from ..core.keyboard import scan_variants
from ..core.text import full_name, normalize_search
from ..intake.queries import find_by_number
from .models import (
    ArchiveBox,
    ArchiveRack,
    ArchiveRoom,
    ArchiveShelf,
    CaseFile,
    Checkout,
    case_file_applications,
)


@dataclass
class ScanHit:
    """What a scanned code turned out to be."""

    kind: str  # "case", "box", "application" or "unknown"
    code: str
    obj: object | None = None


# What a scan card shows, loaded with the row itself: one query instead of a lazy load per
# link of the location chain (box → shelf → rack → room), the person and the service.
BOX_CARD = (joinedload(ArchiveBox.shelf).joinedload(ArchiveShelf.rack)
            .joinedload(ArchiveRack.room), joinedload(ArchiveBox.group))
CASE_CARD = (joinedload(CaseFile.applicant), joinedload(CaseFile.service),
             joinedload(CaseFile.box).joinedload(ArchiveBox.shelf)
             .joinedload(ArchiveShelf.rack).joinedload(ArchiveRack.room),
             joinedload(CaseFile.checkouts).joinedload(Checkout.issued_to))


def find_box(session: Session, code: str, *, card: bool = False) -> ArchiveBox | None:
    """The box of this barcode, typed in either keyboard layout; ``card`` also loads its
    location and group."""
    codes = [c.upper() for c in scan_variants(code)
             if c.upper().startswith(ArchiveBox.BARCODE_PREFIX)]
    if not codes:
        return None
    stmt = select(ArchiveBox).where(ArchiveBox.barcode.in_(codes))
    return session.scalar(stmt.options(*BOX_CARD) if card else stmt)


def find_case_file(session: Session, code: str, *, card: bool = False) -> CaseFile | None:
    """The case file of this number; ``card`` also loads what its scan card shows.

    The code may have been typed with either keyboard layout active (``scan_variants``).
    A live file comes before cancelled ones (an undone import) that had the same number.
    """
    variants = scan_variants(code)
    if not variants:
        return None
    stmt = (select(CaseFile).where(CaseFile.number.in_(variants))
            .order_by(CaseFile.status == "cancelled", CaseFile.id.desc()))
    if not card:
        return session.scalar(stmt)
    # All rows, not first(): the joined checkouts of the file arrive one row each.
    found = session.execute(stmt.options(*CASE_CARD)).unique().scalars().all()
    return found[0] if found else None


def resolve_code(session: Session, code: str) -> ScanHit:
    """A box barcode, a case number or an application number (from a receipt)."""
    code = (code or "").strip()
    if not code:
        return ScanHit("unknown", code)
    # Only a box barcode can name a box: a case or application number skips that query
    # (find_box asks the database only for a code that starts like one, in either layout).
    box = find_box(session, code, card=True)
    if box is not None:
        return ScanHit("box", code, box)
    case_file = find_case_file(session, code, card=True)
    if case_file is not None:
        return ScanHit("case", code, case_file)
    # Application numbers (ГГГГ-NNNNNN) are digits and a hyphen: the same in both layouts.
    application = find_by_number(session, code)
    if application is not None:
        return ScanHit("application", code, application)
    return ScanHit("unknown", code)


def case_files_out(session: Session) -> list[Checkout]:
    return list(session.scalars(
        select(Checkout).where(Checkout.returned_at.is_(None))
        .options(selectinload(Checkout.case_file).selectinload(CaseFile.applicant),
                 selectinload(Checkout.issued_to))
        .order_by(Checkout.due_on, Checkout.id)))


def case_files_overdue(session: Session, *, today: date) -> list[Checkout]:
    return [c for c in case_files_out(session) if c.due_on < today]


def search_case_files(session: Session, *, q: str = "", status: str = "",
                      opened_on: date | None = None, batch_id: int | None = None,
                      box_id: int | None = None, limit: int = 200,
                      cancelled: bool = False) -> list[CaseFile]:
    """Case files by number or name prefix; cancelled ones only when asked for."""
    stmt = select(CaseFile).join(Applicant).options(
        selectinload(CaseFile.applicant), selectinload(CaseFile.service),
        selectinload(CaseFile.box))
    q = (q or "").strip()
    if q:
        norm = normalize_search(q)
        stmt = stmt.where((CaseFile.number == q) | (
            (Applicant.search_name >= norm) & (Applicant.search_name < norm + "\uffff")))
    if status in ("active", "closed", "cancelled"):
        stmt = stmt.where(CaseFile.status == status)
    elif not cancelled:
        stmt = stmt.where(CaseFile.status != "cancelled")
    if opened_on is not None:
        stmt = stmt.where(CaseFile.opened_on == opened_on)
    if batch_id is not None:
        stmt = stmt.where(CaseFile.import_batch_id == batch_id)
        return list(session.scalars(stmt.order_by(CaseFile.import_row, CaseFile.id)))
    if box_id is not None:
        stmt = stmt.where(CaseFile.box_id == box_id)
    return list(session.scalars(stmt.order_by(CaseFile.id.desc()).limit(limit)))


class LabelRow(NamedTuple):
    """What a folder label shows of a case file, read without loading the file itself."""

    number: str
    year: int
    status: str
    destroyed_act_number: str | None
    destroyed_act_date: date | None
    surname: str
    name: str
    patronymic: str | None
    service: str
    import_row: int | None


def label_rows(session: Session, *, opened_on: date | None = None,
               batch_id: int | None = None) -> list[LabelRow]:
    """Folder labels of the files opened on a day (by number) or of an import (register
    order), cancelled ones left out: one query of the columns printed — a thousand labels
    used to load a thousand files, their applicants and boxes first."""
    stmt = (select(CaseFile.number, CaseFile.year, CaseFile.status,
                   CaseFile.destroyed_act_number, CaseFile.destroyed_act_date,
                   Applicant.surname, Applicant.name, Applicant.patronymic,
                   Service.short_name, CaseFile.import_row)
            .join(Applicant, Applicant.id == CaseFile.applicant_id)
            .join(Service, Service.id == CaseFile.service_id)
            .where(CaseFile.status != "cancelled"))
    if batch_id is not None:
        stmt = stmt.where(CaseFile.import_batch_id == batch_id).order_by(CaseFile.import_row,
                                                                         CaseFile.id)
    else:
        stmt = stmt.where(CaseFile.opened_on == opened_on).order_by(CaseFile.number)
    return [LabelRow(*row) for row in session.execute(stmt)]


def case_files_of_applicant(session: Session, applicant_id: int) -> list[CaseFile]:
    return list(session.scalars(
        select(CaseFile).where(CaseFile.applicant_id == applicant_id,
                               CaseFile.status != "cancelled")
        .options(selectinload(CaseFile.service), selectinload(CaseFile.box))
        .order_by(CaseFile.opened_on)))


def box_contents(session: Session, box: ArchiveBox) -> list[CaseFile]:
    return list(session.scalars(
        select(CaseFile).where(CaseFile.box_id == box.id)
        .options(selectinload(CaseFile.applicant), selectinload(CaseFile.service),
                 selectinload(CaseFile.checkouts))
        .order_by(CaseFile.number)))


def inventory_files(session: Session, boxes: list[ArchiveBox]) -> dict[int, list[CaseFile]]:
    """Box id → its case files by number, with what the inventory list prints (two queries).

    The boxes' locations are loaded with them; before, each folder's person and service
    were loaded one by one.
    """
    ids = [b.id for b in boxes]
    if not ids:
        return {}
    list(session.scalars(select(ArchiveBox).where(ArchiveBox.id.in_(ids)).options(*BOX_CARD)))
    out: dict[int, list[CaseFile]] = {i: [] for i in ids}
    for case_file in session.scalars(
            select(CaseFile).where(CaseFile.box_id.in_(ids))
            .options(joinedload(CaseFile.applicant), joinedload(CaseFile.service),
                     selectinload(CaseFile.checkouts))
            .order_by(CaseFile.number)):
        out[case_file.box_id].append(case_file)
    return out


class _Person(NamedTuple):
    full_name: str


class _ServiceName(NamedTuple):
    short_name: str


class BoxLine(NamedTuple):
    """One case file of a scanned box as its card lists it (read like a CaseFile there)."""

    number: str
    applicant: _Person
    service: _ServiceName
    open_checkout: bool


def box_lines(session: Session, box: ArchiveBox) -> list[BoxLine]:
    """The box's case files by number for the scan card: columns only, one query.

    A box holds dozens of folders; loading them as ORM objects with their applicants,
    services and checkouts cost about ten times the query itself.
    """
    out = (select(Checkout.id).where(Checkout.case_file_id == CaseFile.id,
                                     Checkout.returned_at.is_(None)).exists())
    rows = session.execute(
        select(CaseFile.number, Applicant.surname, Applicant.name, Applicant.patronymic,
               Service.short_name, out)
        .join(Applicant, Applicant.id == CaseFile.applicant_id)
        .join(Service, Service.id == CaseFile.service_id)
        .where(CaseFile.box_id == box.id).order_by(CaseFile.number))
    return [BoxLine(number, _Person(full_name(surname, name, patronymic)),
                    _ServiceName(short_name), bool(is_out))
            for number, surname, name, patronymic, short_name, is_out in rows]


def rooms(session: Session) -> list[ArchiveRoom]:
    return list(session.scalars(
        select(ArchiveRoom).options(
            selectinload(ArchiveRoom.racks).selectinload(ArchiveRack.shelves)
            .selectinload(ArchiveShelf.boxes))
        .order_by(ArchiveRoom.name)))


def boxes_in_order(session: Session, ids: list[int] | None = None) -> list[ArchiveBox]:
    stmt = (select(ArchiveBox).join(ArchiveShelf).join(ArchiveRack).join(ArchiveRoom)
            .order_by(ArchiveRoom.name, ArchiveRack.number, ArchiveShelf.number,
                      ArchiveBox.number))
    if ids is not None:
        stmt = stmt.where(ArchiveBox.id.in_(ids))
    return list(session.scalars(stmt))


def case_file_of_application(session: Session, application_id: int) -> CaseFile | None:
    return session.scalar(select(CaseFile).join(
        case_file_applications, case_file_applications.c.case_file_id == CaseFile.id)
        .where(case_file_applications.c.application_id == application_id))

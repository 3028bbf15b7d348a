"""Reads for the archive room: scans, lists, folders out and overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..applicants.models import Applicant
from ..core.text import normalize_search
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


def find_box(session: Session, code: str) -> ArchiveBox | None:
    return session.scalar(select(ArchiveBox).where(ArchiveBox.barcode == code.strip().upper()))


def find_case_file(session: Session, code: str) -> CaseFile | None:
    return session.scalar(select(CaseFile).where(CaseFile.number == code.strip()))


def resolve_code(session: Session, code: str) -> ScanHit:
    """A box barcode, a case number or an application number (from a receipt)."""
    from ..intake.queries import find_by_number

    code = (code or "").strip()
    if not code:
        return ScanHit("unknown", code)
    box = find_box(session, code)
    if box is not None:
        return ScanHit("box", code, box)
    case_file = find_case_file(session, code)
    if case_file is not None:
        return ScanHit("case", code, case_file)
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
                      box_id: int | None = None, limit: int = 200) -> list[CaseFile]:
    stmt = select(CaseFile).join(Applicant).options(
        selectinload(CaseFile.applicant), selectinload(CaseFile.service),
        selectinload(CaseFile.box))
    q = (q or "").strip()
    if q:
        norm = normalize_search(q)
        stmt = stmt.where((CaseFile.number == q) | (
            (Applicant.search_name >= norm) & (Applicant.search_name < norm + "\uffff")))
    if status in ("active", "closed"):
        stmt = stmt.where(CaseFile.status == status)
    if opened_on is not None:
        stmt = stmt.where(CaseFile.opened_on == opened_on)
    if batch_id is not None:
        stmt = stmt.where(CaseFile.import_batch_id == batch_id)
        return list(session.scalars(stmt.order_by(CaseFile.import_row, CaseFile.id)))
    if box_id is not None:
        stmt = stmt.where(CaseFile.box_id == box_id)
    return list(session.scalars(stmt.order_by(CaseFile.id.desc()).limit(limit)))


def case_files_by_ids(session: Session, ids: list[int]) -> list[CaseFile]:
    found = {c.id: c for c in session.scalars(select(CaseFile).where(CaseFile.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def case_files_of_applicant(session: Session, applicant_id: int) -> list[CaseFile]:
    return list(session.scalars(
        select(CaseFile).where(CaseFile.applicant_id == applicant_id)
        .options(selectinload(CaseFile.service), selectinload(CaseFile.box))
        .order_by(CaseFile.opened_on)))


def box_contents(session: Session, box: ArchiveBox) -> list[CaseFile]:
    return list(session.scalars(
        select(CaseFile).where(CaseFile.box_id == box.id)
        .options(selectinload(CaseFile.applicant), selectinload(CaseFile.service),
                 selectinload(CaseFile.checkouts))
        .order_by(CaseFile.number)))


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


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min)
    return start, start + timedelta(days=1)


def case_file_of_application(session: Session, application_id: int) -> CaseFile | None:
    return session.scalar(select(CaseFile).join(
        case_file_applications, case_file_applications.c.case_file_id == CaseFile.id)
        .where(case_file_applications.c.application_id == application_id))

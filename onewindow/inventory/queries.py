"""Reads for inventories: outcome per folder, progress per box and overall."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..archive.models import ArchiveBox, CaseFile, Checkout
from .models import Inventory, InventoryBox, InventoryExpected, InventoryScan, SearchTask


@dataclass
class FolderRow:
    case_file: CaseFile
    outcome: str
    expected_box: ArchiveBox | None = None  # frozen at opening
    found_box: ArchiveBox | None = None  # where scanned
    register_box: ArchiveBox | None = None  # where the register had it when scanned
    checkout: Checkout | None = None
    scan: InventoryScan | None = None


@dataclass
class BoxRow:
    inventory_box: InventoryBox
    expected: int = 0
    found: int = 0
    misplaced_here: int = 0
    missing: int = 0
    absent: int = 0
    pending: int = 0
    unknown: int = 0
    duplicate: int = 0

    @property
    def box(self) -> ArchiveBox:
        return self.inventory_box.box


@dataclass
class Outcomes:
    inventory: Inventory
    found: list[FolderRow] = field(default_factory=list)
    misplaced: list[FolderRow] = field(default_factory=list)
    missing: list[FolderRow] = field(default_factory=list)
    absent: list[FolderRow] = field(default_factory=list)
    pending: list[FolderRow] = field(default_factory=list)
    # Moved out of the scope by a recorded move during the inventory: not missing.
    moved_out: list[FolderRow] = field(default_factory=list)
    unknown: list[InventoryScan] = field(default_factory=list)
    duplicate: list[InventoryScan] = field(default_factory=list)
    boxes: list[BoxRow] = field(default_factory=list)
    expected_total: int = 0

    @property
    def totals(self) -> dict[str, int]:
        return {"found": len(self.found), "misplaced": len(self.misplaced),
                "missing": len(self.missing), "absent": len(self.absent),
                "unknown": len(self.unknown), "duplicate": len(self.duplicate)}

    @property
    def boxes_done(self) -> int:
        return sum(1 for b in self.boxes if b.inventory_box.state == "done")

    @property
    def accounted(self) -> int:
        """Expected folders whose fate is known (scanned anywhere or checked out)."""
        return self.expected_total - len(self.pending) - len(self.missing)

    @property
    def percent(self) -> int:
        if not self.boxes:
            return 0
        return round(100 * self.boxes_done / len(self.boxes))

    def outcome_of(self, case_file_id: int) -> str | None:
        for name in ("found", "misplaced", "missing", "absent", "pending"):
            if any(r.case_file.id == case_file_id for r in getattr(self, name)):
                return name
        return None


def outcomes(session: Session, inventory: Inventory) -> Outcomes:
    """Every folder's outcome so far; boxes not yet done leave their folders pending."""
    result = Outcomes(inventory=inventory)
    boxes = list(session.scalars(
        select(InventoryBox).where(InventoryBox.inventory_id == inventory.id)
        .options(selectinload(InventoryBox.box), selectinload(InventoryBox.worker))
        .order_by(InventoryBox.position)))
    by_ibox = {b.id: BoxRow(b) for b in boxes}
    by_box = {b.box_id: by_ibox[b.id] for b in boxes}
    result.boxes = list(by_ibox.values())
    scans = list(session.scalars(
        select(InventoryScan).where(InventoryScan.inventory_id == inventory.id)
        .options(selectinload(InventoryScan.case_file).selectinload(CaseFile.applicant),
                 selectinload(InventoryScan.register_box),
                 selectinload(InventoryScan.inventory_box).selectinload(InventoryBox.box))
        .order_by(InventoryScan.id)))
    first: dict[int, InventoryScan] = {}
    for scan in scans:
        row = by_ibox[scan.inventory_box_id]
        if scan.outcome == "unknown":
            result.unknown.append(scan)
            row.unknown += 1
        elif scan.outcome == "duplicate":
            result.duplicate.append(scan)
            row.duplicate += 1
        else:
            first[scan.case_file_id] = scan
            folder = FolderRow(case_file=scan.case_file, outcome=scan.outcome,
                               found_box=scan.inventory_box.box,
                               register_box=scan.register_box, scan=scan)
            if scan.outcome == "found":
                result.found.append(folder)
                row.found += 1
            else:
                result.misplaced.append(folder)
                row.misplaced_here += 1
    expected = list(session.scalars(
        select(InventoryExpected).where(InventoryExpected.inventory_id == inventory.id)
        .options(selectinload(InventoryExpected.case_file).selectinload(CaseFile.applicant),
                 selectinload(InventoryExpected.case_file).selectinload(CaseFile.checkouts)
                 .selectinload(Checkout.issued_to),
                 selectinload(InventoryExpected.box))
        .order_by(InventoryExpected.id)))
    result.expected_total = len(expected)
    final = inventory.status != "open"
    for exp in expected:
        row = by_box.get(exp.box_id)
        if row is not None:
            row.expected += 1
        if exp.case_file_id in first:
            scan = first[exp.case_file_id]
            for folder in (result.found if scan.outcome == "found" else result.misplaced):
                if folder.scan is scan:
                    folder.expected_box = exp.box
            continue
        checkout = exp.case_file.open_checkout
        folder = FolderRow(case_file=exp.case_file, outcome="", expected_box=exp.box,
                           checkout=checkout)
        current_box = exp.case_file.box_id
        if checkout is None and current_box != exp.box_id and current_box not in by_box:
            folder.outcome = "moved_out"
            result.moved_out.append(folder)
            if row is not None:
                row.expected -= 1
            continue
        if checkout is not None:
            folder.outcome = "absent"
            result.absent.append(folder)
            if row is not None:
                row.absent += 1
        elif final or (row is not None and row.inventory_box.state == "done"):
            folder.outcome = "missing"
            result.missing.append(folder)
            if row is not None:
                row.missing += 1
        else:
            folder.outcome = "pending"
            result.pending.append(folder)
            if row is not None:
                row.pending += 1
    return result


def inventories(session: Session) -> list[Inventory]:
    return list(session.scalars(select(Inventory).order_by(Inventory.id.desc())))


def search_tasks(session: Session, *, inventory_id: int | None = None,
                 open_only: bool = False) -> list[SearchTask]:
    stmt = select(SearchTask).options(
        selectinload(SearchTask.case_file).selectinload(CaseFile.applicant),
        selectinload(SearchTask.inventory)).order_by(SearchTask.id)
    if inventory_id is not None:
        stmt = stmt.where(SearchTask.inventory_id == inventory_id)
    if open_only:
        stmt = stmt.where(SearchTask.status == "open")
    return list(session.scalars(stmt))


def box_row(result: Outcomes, inventory_box_id: int) -> BoxRow | None:
    return next((b for b in result.boxes if b.inventory_box.id == inventory_box_id), None)

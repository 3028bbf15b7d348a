"""Inventories: open by order (freeze the list), scan boxes, approve, apply corrections."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..archive.models import ArchiveBox, CaseFile, CaseFileEvent, CaseFileMove
from ..archive.queries import boxes_in_order, find_box
from ..auth.roles import DIRECTOR
from ..core.keyboard import scan_variants
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from .models import (
    SCOPE_KINDS,
    Inventory,
    InventoryBox,
    InventoryExpected,
    InventoryScan,
    SearchTask,
)
from .queries import outcomes


def _lock(session: Session, model, pk: int):
    return session.scalar(select(model).where(model.id == pk).with_for_update()
                          .execution_options(populate_existing=True))


def scope_boxes(session: Session, *, scope_kind: str, room_ids=(), rack_ids=(),
                box_codes=()) -> tuple[list[ArchiveBox], str]:
    """The boxes an order covers and a human description of the scope."""
    boxes = boxes_in_order(session)
    if scope_kind == "all":
        return boxes, "весь архив"
    if scope_kind == "rooms":
        ids = set(room_ids)
        chosen = [b for b in boxes if b.shelf.rack.room_id in ids]
        names = sorted({b.shelf.rack.room.name for b in chosen})
        return chosen, "помещения: " + ", ".join(names)
    if scope_kind == "racks":
        ids = set(rack_ids)
        chosen = [b for b in boxes if b.shelf.rack_id in ids]
        names = sorted({f"{b.shelf.rack.room.name}, стеллаж {b.shelf.rack.number}"
                        for b in chosen})
        return chosen, "стеллажи: " + "; ".join(names)
    if scope_kind == "boxes":
        chosen, unknown = [], []
        for code in box_codes:
            box = find_box(session, code)
            (chosen.append(box) if box is not None else unknown.append(code))
        if unknown:
            raise InvalidInput("Нет коробов: " + ", ".join(unknown), field="boxes")
        order = {b.id: i for i, b in enumerate(boxes)}
        chosen = sorted({b.id: b for b in chosen}.values(), key=lambda b: order.get(b.id, 0))
        return chosen, "короба: " + ", ".join(b.barcode for b in chosen)
    raise InvalidInput("Выберите охват инвентаризации", field="scope_kind")


def open_inventory(session: Session, *, order_number: str, order_date: date | None,
                   scope_kind: str, commission: str, deadline: date | None,
                   user_id: int | None, now: datetime, room_ids=(), rack_ids=(),
                   box_codes=()) -> Inventory:
    """Open an inventory by the director's order and freeze the expected list."""
    order_number = (order_number or "").strip()
    if not order_number:
        raise InvalidInput("Укажите номер приказа", field="order_number")
    if order_date is None:
        raise InvalidInput("Укажите дату приказа", field="order_date")
    members = [m.strip() for m in (commission or "").splitlines() if m.strip()]
    if not members:
        raise InvalidInput("Укажите членов комиссии (по одному в строке)", field="commission")
    if deadline is None or deadline < order_date:
        raise InvalidInput("Срок — не раньше даты приказа", field="deadline")
    if scope_kind not in SCOPE_KINDS:
        raise InvalidInput("Выберите охват инвентаризации", field="scope_kind")
    boxes, label = scope_boxes(session, scope_kind=scope_kind, room_ids=room_ids,
                               rack_ids=rack_ids, box_codes=box_codes)
    if not boxes:
        raise InvalidInput("В выбранном охвате нет коробов", field="scope_kind")
    inventory = Inventory(order_number=order_number, order_date=order_date,
                          scope_kind=scope_kind, scope_label=label,
                          commission="\n".join(members), deadline=deadline, status="open",
                          opened_at=now, opened_by_id=user_id)
    session.add(inventory)
    session.flush()
    box_ids = [b.id for b in boxes]
    for position, box in enumerate(boxes, 1):
        session.add(InventoryBox(inventory_id=inventory.id, box_id=box.id, position=position))
    # The frozen list: every folder the register puts in a box of the scope right now.
    for case_id, box_id in session.execute(
            select(CaseFile.id, CaseFile.box_id)
            .where(CaseFile.box_id.in_(box_ids), CaseFile.status != "destroyed")):
        session.add(InventoryExpected(inventory_id=inventory.id, case_file_id=case_id,
                                      box_id=box_id))
    session.flush()
    return inventory


def get_inventory(session: Session, inventory_id: int) -> Inventory:
    inventory = session.get(Inventory, inventory_id)
    if inventory is None:
        raise NotFound("Инвентаризация не найдена")
    return inventory


def _require_open(inventory: Inventory) -> None:
    if inventory.status != "open":
        raise Conflict(f"Инвентаризация {inventory.status_name}: сканирование закрыто")


def inventory_box_for(session: Session, inventory: Inventory, code: str) -> InventoryBox | None:
    box = find_box(session, code or "")
    if box is None:
        return None
    return session.scalar(select(InventoryBox).where(
        InventoryBox.inventory_id == inventory.id, InventoryBox.box_id == box.id))


def start_box(session: Session, *, inventory: Inventory, inventory_box: InventoryBox,
              user_id: int | None, now: datetime) -> InventoryBox:
    """Begin (or resume) scanning a box; a finished box is reopened for more scans."""
    _require_open(inventory)
    inventory_box = _lock(session, InventoryBox, inventory_box.id)
    if inventory_box.state != "in_progress":
        inventory_box.state = "in_progress"
        inventory_box.started_at = inventory_box.started_at or now
        inventory_box.finished_at = None
    inventory_box.worker_id = user_id
    session.flush()
    return inventory_box


def set_box_state(session: Session, *, inventory: Inventory, inventory_box: InventoryBox,
                  state: str, now: datetime) -> InventoryBox:
    """Pause a box session or mark the box done."""
    _require_open(inventory)
    if state not in ("paused", "done"):
        raise InvalidInput("Неизвестное состояние короба")
    inventory_box = _lock(session, InventoryBox, inventory_box.id)
    if inventory_box.state == "not_started" and state == "paused":
        raise Conflict("Сканирование короба ещё не начато")
    inventory_box.state = state
    inventory_box.finished_at = now if state == "done" else None
    session.flush()
    return inventory_box


def record_scan(session: Session, *, inventory: Inventory, inventory_box: InventoryBox,
                code: str, user_id: int | None, now: datetime) -> InventoryScan:
    """Classify one scanned folder code in the box being scanned and record it.

    The folder's row is locked first, so the same folder scanned at once in two boxes
    gets exactly one "found"/"misplaced" and one "duplicate".
    """
    _require_open(inventory)
    code = (code or "").strip()
    if not code:
        raise InvalidInput("Пустой код", field="code")
    if inventory_box.state != "in_progress":
        inventory_box = start_box(session, inventory=inventory, inventory_box=inventory_box,
                                  user_id=user_id, now=now)
    scan = InventoryScan(inventory_id=inventory.id, inventory_box_id=inventory_box.id,
                         code=code[:60], at=now, user_id=user_id)
    # A live folder before a cancelled one (an undone import) that had the same number;
    # the code may have been typed with either keyboard layout active.
    case_id = session.scalar(select(CaseFile.id).where(CaseFile.number.in_(scan_variants(code)))
                             .order_by(CaseFile.status == "cancelled", CaseFile.id.desc())
                             .limit(1))
    if case_id is None:
        scan.outcome = "unknown"
        scan.note = "Код не найден в реестре дел"
    else:
        case_file = _lock(session, CaseFile, case_id)
        scan.case_file_id = case_file.id
        scan.register_box_id = case_file.box_id
        first = session.scalar(select(InventoryScan).where(
            InventoryScan.inventory_id == inventory.id,
            InventoryScan.case_file_id == case_file.id,
            InventoryScan.outcome.in_(("found", "misplaced"))).order_by(InventoryScan.id))
        if first is not None:
            scan.outcome = "duplicate"
            if first.inventory_box_id == inventory_box.id:
                scan.note = "Дело уже отсканировано в этом коробе"
            else:
                scan.note = (f"Дело уже отсканировано в коробе "
                             f"{first.inventory_box.box.barcode}")
        elif case_file.status == "destroyed":
            scan.outcome = "misplaced"
            scan.note = case_file.destroyed_label
        elif case_file.box_id == inventory_box.box_id:
            scan.outcome = "found"
        else:
            scan.outcome = "misplaced"
            register = case_file.box.barcode if case_file.box else "не размещено"
            scan.note = f"По реестру: {register}"
    session.add(scan)
    session.flush()
    return scan


def finish_inventory(session: Session, *, inventory: Inventory, now: datetime) -> Inventory:
    """Close scanning; boxes still in work are refused."""
    inventory = _lock(session, Inventory, inventory.id)
    _require_open(inventory)
    busy = [b.box.barcode for b in inventory.boxes if b.state in ("in_progress", "paused")]
    if busy:
        raise Conflict("Не завершены короба: " + ", ".join(busy))
    inventory.status = "finished"
    inventory.finished_at = now
    session.flush()
    return inventory


def approve_inventory(session: Session, *, inventory: Inventory, user, now: datetime
                      ) -> Inventory:
    """The director approves the results (the role itself, not an administrator)."""
    if getattr(user, "role", None) != DIRECTOR:
        raise Forbidden("Итоги инвентаризации утверждает директор")
    inventory = _lock(session, Inventory, inventory.id)
    if inventory.status != "finished":
        raise Conflict("Утвердить можно после завершения сканирования")
    inventory.status = "approved"
    inventory.approved_at = now
    inventory.approved_by_id = user.id
    session.flush()
    return inventory


def apply_corrections(session: Session, *, inventory: Inventory, user_id: int | None,
                      now: datetime) -> tuple[int, int]:
    """Move misplaced folders to where they were found; open a search task for the missing.

    Returns (moved, tasks). Every move is recorded in the folder's history.
    """
    inventory = _lock(session, Inventory, inventory.id)
    if inventory.status != "approved":
        raise Conflict("Исправления вносятся после утверждения итогов директором")
    result = outcomes(session, inventory)
    reason = f"Инвентаризация по приказу № {inventory.order_number}"
    moved = 0
    for row in result.misplaced:
        case_file = _lock(session, CaseFile, row.case_file.id)
        target = row.found_box
        if case_file.status == "destroyed" or case_file.box_id == target.id:
            continue
        if case_file.open_checkout is not None:
            continue  # issued since the scan: the return will file it
        session.add(CaseFileMove(case_file=case_file, from_box_id=case_file.box_id,
                                 to_box_id=target.id, at=now, user_id=user_id,
                                 warning=reason))
        case_file.events.append(CaseFileEvent(
            at=now, user_id=user_id, kind="inventory",
            comment=f"{reason}: найдено в коробе {target.barcode}, перемещено по реестру"))
        case_file.box_id = target.id
        moved += 1
    tasks = 0
    for row in result.missing:
        exists = session.scalar(select(SearchTask.id).where(
            SearchTask.inventory_id == inventory.id,
            SearchTask.case_file_id == row.case_file.id))
        if exists is None:
            session.add(SearchTask(inventory_id=inventory.id, case_file_id=row.case_file.id,
                                   status="open", created_at=now))
            tasks += 1
    inventory.status = "applied"
    inventory.applied_at = now
    inventory.applied_by_id = user_id
    session.flush()
    return moved, tasks


def close_search_task(session: Session, *, task_id: int, found: bool, comment: str | None,
                      user_id: int | None, now: datetime) -> SearchTask:
    task = _lock(session, SearchTask, task_id)
    if task is None:
        raise NotFound("Задание не найдено")
    if task.status != "open":
        raise Conflict("Задание уже закрыто")
    comment = (comment or "").strip() or None
    if not found and not comment:
        raise InvalidInput("Опишите, где искали", field="comment")
    task.status = "found" if found else "lost"
    task.closed_at = now
    task.closed_by_id = user_id
    task.comment = comment
    task.case_file.events.append(CaseFileEvent(
        at=now, user_id=user_id, kind="inventory",
        comment=("поиск: найдено" if found else "поиск: не найдено") +
        (f" ({comment})" if comment else "")))
    session.flush()
    return task

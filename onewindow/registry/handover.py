"""Handover on leave (передача дел): list what a person holds, pass it on, take it back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..archive import services as archive
from ..archive.models import Checkout
from ..auth.models import User
from ..errors import Conflict, InvalidInput, NotFound
from ..intake.models import OPEN_STATUSES, Application
from . import holdings
from .models import (
    APPEAL_OPEN,
    HANDOVER_REASONS,
    ITEM_KINDS,
    OUTGOING_WAITING,
    REQUEST_OPEN,
    Appeal,
    Assignment,
    Handover,
    HandoverItem,
    Holding,
    Request,
)


@dataclass(frozen=True)
class HeldItem:
    kind: str
    id: int
    label: str
    due: date | None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def kind_name(self) -> str:
        return ITEM_KINDS.get(self.kind, self.kind)


#: Other areas (selections in progress, documents not yet passed to the department) may
#: register a provider ``fn(session, user_id) -> list[HeldItem]`` (and a reassignment in
#: ``_reassign`` for their kind). Archive checkouts are built in.
PROVIDERS: list[Callable[[Session, int], list[HeldItem]]] = []


def _applications(session: Session, user_id: int) -> list[HeldItem]:
    held_open = select(Holding.item_id).where(
        Holding.item_kind == "application", Holding.until.is_(None))
    mine = select(Holding.item_id).where(
        Holding.item_kind == "application", Holding.until.is_(None), Holding.user_id == user_id)
    rows = session.scalars(select(Application).where(
        Application.status.in_(OPEN_STATUSES),
        or_(Application.id.in_(mine),
            and_(Application.registered_by_id == user_id, Application.id.not_in(held_open))),
    ).order_by(Application.deadline, Application.id))
    return [HeldItem("application", a.id,
                     f"Заявление № {a.number}, {a.applicant.short_name}, {a.service.short_name}",
                     a.deadline) for a in rows]


def _checkouts(session: Session, user_id: int) -> list[HeldItem]:
    """Folders issued from the archive to the person (keyed by the folder's id)."""
    rows = session.scalars(select(Checkout).where(
        Checkout.issued_to_id == user_id, Checkout.returned_at.is_(None))
        .order_by(Checkout.due_on))
    return [HeldItem("checkout", c.case_file_id,
                     f"Личное дело № {c.case_file.number} (выдано {c.issued_at:%d.%m.%Y})",
                     c.due_on) for c in rows]


def _reassign_checkout(session: Session, *, item_id: int, to_user_id: int, now: datetime,
                       handover_id: int | None, note: str) -> None:
    """Re-issue the folder to the receiver through the archive's own verbs."""
    case_file = archive.get_case_file(session, item_id)
    old = archive.return_case_file(session, case_file=case_file, user_id=None, now=now)
    archive.issue_case_file(session, case_file=case_file, to_user_id=to_user_id,
                            due_on=max(old.due_on, now.date()), user_id=None, now=now)
    holdings.start(session, kind="checkout", item_id=item_id, user_id=to_user_id, now=now,
                   handover_id=handover_id, note=note)


def _reassign(session: Session, *, kind: str, item_id: int, to_user_id: int, now: datetime,
              handover_id: int, note: str) -> None:
    if kind == "checkout":
        holdings.finish(session, kind=kind, item_id=item_id, now=now)
        _reassign_checkout(session, item_id=item_id, to_user_id=to_user_id, now=now,
                           handover_id=handover_id, note=note)
    else:
        holdings.reassign(session, kind=kind, item_id=item_id, to_user_id=to_user_id,
                          now=now, handover_id=handover_id, note=note)


def held_items(session: Session, user_id: int) -> list[HeldItem]:
    """Everything open that ``user_id`` holds, in due-date order within each kind."""
    items = _applications(session, user_id)
    for r in session.scalars(select(Request).where(
            Request.assigned_to_id == user_id,
            Request.status.in_(REQUEST_OPEN + OUTGOING_WAITING)).order_by(Request.due_date)):
        items.append(HeldItem("request", r.id, f"{r.direction_name.capitalize()} запрос "
                              f"№ {r.number}: {r.subject[:80]}", r.due_date))
    for a in session.scalars(select(Appeal).where(
            Appeal.assigned_to_id == user_id, Appeal.status.in_(APPEAL_OPEN))
            .order_by(Appeal.due_date)):
        items.append(HeldItem("appeal", a.id, f"Обращение № {a.number} ({a.citizen_name}): "
                              f"{a.subject[:80]}", a.due_date))
    for s in session.scalars(select(Assignment).where(
            Assignment.assignee_id == user_id, Assignment.status == "open")
            .order_by(Assignment.due_date)):
        items.append(HeldItem("assignment", s.id, f"Поручение: {s.text[:100]}", s.due_date))
    items.extend(_checkouts(session, user_id))
    for provider in PROVIDERS:
        items.extend(provider(session, user_id))
    return items


def create_handover(
    session: Session, *, leaver_id: int, receiver_id: int, reason: str, starts_on: date,
    ends_on: date | None, user_id: int, now: datetime, keys: list[str] | None = None,
    approved_by_id: int | None = None,
) -> Handover:
    """Pass all (``keys=None``) or the chosen items to the receiver, in one transaction."""
    leaver, receiver = session.get(User, leaver_id), session.get(User, receiver_id)
    if leaver is None:
        raise InvalidInput("Выберите сотрудника, который передаёт дела", field="leaver_id")
    if receiver is None or not receiver.active:
        raise InvalidInput("Выберите сотрудника, который принимает дела", field="receiver_id")
    if leaver.id == receiver.id:
        raise InvalidInput("Передающий и принимающий — одно лицо", field="receiver_id")
    if reason not in HANDOVER_REASONS:
        raise InvalidInput("Выберите основание передачи", field="reason")
    if starts_on is None:
        raise InvalidInput("Укажите дату передачи", field="starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput("Дата возвращения раньше даты передачи", field="ends_on")
    available = {item.key: item for item in held_items(session, leaver.id)}
    if keys is None:
        chosen = list(available.values())
    else:
        unknown = [k for k in keys if k not in available]
        if unknown:
            raise Conflict("Часть выбранных дел уже не числится за сотрудником: обновите "
                           "список", field="keys")
        chosen = [available[k] for k in dict.fromkeys(keys)]
    if not chosen:
        raise InvalidInput("Нечего передавать: выберите хотя бы одно дело", field="keys")
    handover = Handover(leaver_id=leaver.id, receiver_id=receiver.id, reason=reason,
                        starts_on=starts_on, ends_on=ends_on, created_at=now,
                        created_by_id=user_id, approved_by_id=approved_by_id)
    session.add(handover)
    session.flush()
    for item in chosen:
        if item.kind not in ITEM_KINDS:
            raise Conflict(f"Передача дел вида «{item.kind}» не поддерживается")
        _reassign(session, kind=item.kind, item_id=item.id, to_user_id=receiver.id, now=now,
                  handover_id=handover.id, note="Передача дел")
        handover.items.append(HandoverItem(item_kind=item.kind, item_id=item.id,
                                           label=item.label, due_date=item.due))
    session.flush()
    return handover


def take_back(session: Session, handover: Handover, *, user_id: int,
              now: datetime) -> list[HandoverItem]:
    """On return: what is still open and still with the receiver goes back to the leaver."""
    if handover.taken_back_at is not None:
        raise Conflict("Дела по этой передаче уже возвращены")
    still_held = {item.key for item in held_items(session, handover.receiver_id)}
    returned = []
    for item in handover.items:
        if f"{item.item_kind}:{item.item_id}" in still_held:
            _reassign(session, kind=item.item_kind, item_id=item.item_id,
                      to_user_id=handover.leaver_id, now=now, handover_id=handover.id,
                      note="Возврат после передачи дел")
            item.taken_back = True
            returned.append(item)
    handover.taken_back_at = now
    session.flush()
    return returned


def get_handover(session: Session, handover_id: int) -> Handover:
    row = session.get(Handover, handover_id)
    if row is None:
        raise NotFound("Передача дел не найдена")
    return row

"""Handover on leave (передача дел): list what a person holds, pass it on, take it back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from ..archive import services as archive
from ..archive.models import Checkout
from ..auth.models import User
from ..core.text import format_date
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
    ).options(selectinload(Application.applicant), selectinload(Application.service))
        .order_by(Application.deadline, Application.id))
    return [HeldItem("application", a.id,
                     f"Заявление № {a.number}, {a.applicant.short_name}, {a.service.short_name}",
                     a.deadline) for a in rows]


def _checkouts(session: Session, user_id: int) -> list[HeldItem]:
    """Folders issued from the archive to the person (keyed by the folder's id)."""
    rows = session.scalars(select(Checkout).where(
        Checkout.issued_to_id == user_id, Checkout.returned_at.is_(None))
        .options(selectinload(Checkout.case_file)).order_by(Checkout.due_on))
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


def _reassign_all(session: Session, items: list[tuple[str, int]], *, to_user_id: int,
                  now: datetime, handover_id: int, note: str) -> None:
    """Pass the items on: archive folders through the archive's verbs, the rest in bulk."""
    for kind, item_id in items:
        if kind == "checkout":
            holdings.finish(session, kind=kind, item_id=item_id, now=now)
            _reassign_checkout(session, item_id=item_id, to_user_id=to_user_id, now=now,
                               handover_id=handover_id, note=note)
    holdings.reassign_many(session, [(k, i) for k, i in items if k != "checkout"],
                           to_user_id=to_user_id, now=now, handover_id=handover_id, note=note)


def held_items(session: Session, user_id: int) -> list[HeldItem]:
    """Everything open that ``user_id`` holds, in due-date order within each kind."""
    items = _applications(session, user_id)
    for r in session.scalars(select(Request).where(
            Request.assigned_to_id == user_id,
            Request.status.in_(REQUEST_OPEN + OUTGOING_WAITING))
            .order_by(Request.due_date, Request.id)):
        # The act lists each item in full: a label cut mid-word is a damaged act.
        items.append(HeldItem("request", r.id, f"{r.direction_name.capitalize()} запрос "
                              f"№ {r.number}: {r.subject}", r.due_date))
    for a in session.scalars(select(Appeal).where(
            Appeal.assigned_to_id == user_id, Appeal.status.in_(APPEAL_OPEN))
            .order_by(Appeal.due_date, Appeal.id)):
        items.append(HeldItem("appeal", a.id, f"Обращение № {a.number} ({a.citizen_name}): "
                              f"{a.subject}", a.due_date))
    for s in session.scalars(select(Assignment).where(
            Assignment.assignee_id == user_id, Assignment.status == "open")
            .order_by(Assignment.due_date, Assignment.id)):
        items.append(HeldItem("assignment", s.id, f"Поручение: {s.text}", s.due_date))
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
    unknown_kinds = {item.kind for item in chosen} - set(ITEM_KINDS)
    if unknown_kinds:
        raise Conflict(f"Передача дел вида «{sorted(unknown_kinds)[0]}» не поддерживается")
    session.execute(insert(HandoverItem), [
        {"handover_id": handover.id, "item_kind": item.kind, "item_id": item.id,
         "label": item.label, "due_date": item.due, "taken_back": False} for item in chosen])
    session.expire(handover, ["items"])
    if starts_on <= now.date():
        _apply(session, handover, now=now)
    # Dated ahead: planned; nothing moves before its date (apply_due_handovers, or «Передать»).
    session.flush()
    return handover


def _apply(session: Session, handover: Handover, *, now: datetime) -> None:
    _reassign_all(session, [(item.item_kind, item.item_id) for item in handover.items],
                  to_user_id=handover.receiver_id, now=now, handover_id=handover.id,
                  note="Передача дел")
    handover.applied_at = now


def apply_handover(session: Session, handover: Handover, *, now: datetime) -> Handover:
    """A planned handover takes effect: what the leaver still holds of its list moves on;
    what was closed meanwhile is dropped from the list."""
    if handover.applied_at is not None:
        raise Conflict("Дела по этой передаче уже переданы")
    if now.date() < handover.starts_on:
        raise Conflict("Передача запланирована с " + format_date(handover.starts_on)
                       + ": раньше этой даты дела не передаются")
    still_held = {item.key for item in held_items(session, handover.leaver_id)}
    for item in list(handover.items):
        if f"{item.item_kind}:{item.item_id}" not in still_held:
            handover.items.remove(item)
    _apply(session, handover, now=now)
    session.flush()
    return handover


def apply_due_handovers(session: Session, *, now: datetime) -> tuple[list[Handover],
                                                                     list[Handover]]:
    """The daily run: planned handovers whose date has come take effect; those whose
    return date has passed give the items back. Returns (applied, taken back)."""
    today = now.date()
    applied = [apply_handover(session, h, now=now) for h in session.scalars(
        select(Handover).where(Handover.applied_at.is_(None), Handover.starts_on <= today)
        .order_by(Handover.starts_on, Handover.id))]
    returned = list(session.scalars(select(Handover).where(
        Handover.applied_at.is_not(None), Handover.taken_back_at.is_(None),
        Handover.ends_on < today).order_by(Handover.ends_on, Handover.id)))
    for h in returned:
        take_back(session, h, user_id=None, now=now)
    return applied, returned


def take_back(session: Session, handover: Handover, *, user_id: int | None,
              now: datetime) -> list[HandoverItem]:
    """On return: what is still open and still with the receiver goes back to the leaver."""
    if handover.applied_at is None:
        raise Conflict("Передача ещё не началась: возвращать нечего")
    if handover.taken_back_at is not None:
        raise Conflict("Дела по этой передаче уже возвращены")
    still_held = {item.key for item in held_items(session, handover.receiver_id)}
    returned = [item for item in handover.items
                if f"{item.item_kind}:{item.item_id}" in still_held]
    _reassign_all(session, [(item.item_kind, item.item_id) for item in returned],
                  to_user_id=handover.leaver_id, now=now, handover_id=handover.id,
                  note="Возврат после передачи дел")
    if returned:
        session.execute(update(HandoverItem).where(
            HandoverItem.id.in_([item.id for item in returned])).values(taken_back=True))
        session.expire(handover, ["items"])
    handover.taken_back_at = now
    session.flush()
    return returned


def get_handover(session: Session, handover_id: int) -> Handover:
    row = session.get(Handover, handover_id)
    if row is None:
        raise NotFound("Передача дел не найдена")
    return row

"""Reads of the registries: the "Сроки" page, lists, what an application waits for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from ..applicants.models import Applicant
from ..archive.models import Checkout
from ..auth.models import User
from ..database import Page, paginate
from ..intake.models import OPEN_STATUSES, Application
from .deadlines import Deadlines, deadlines_for
from .models import (
    APPEAL_OPEN,
    OUTGOING_WAITING,
    REQUEST_OPEN,
    AckDocument,
    Appeal,
    Assignment,
    Correspondent,
    DecisionNotice,
    Handover,
    Holding,
    Request,
)

BOARD_GROUPS = {
    "request": "Входящие запросы",
    "appeal": "Обращения граждан",
    "application": "Заявления: сроки решения",
    "assignment": "Поручения",
    "checkout": "Дела из архива",
    "awaiting": "Ждём ответ: межведомственные запросы",
}
# Outgoing requests the office only waits for: shown apart, never in a person's own counts.
OWN_GROUPS = tuple(k for k in BOARD_GROUPS if k != "awaiting")
BOARD_WHEN = {
    "soon": "просрочено и ближайшие 3 рабочих дня",
    "urgent": "просрочено и сегодня",
    "overdue": "просрочено",
    "today": "срок сегодня",
    "week": "на этой неделе",
    "all": "все открытые",
}
BOARD_STATUS = {"new": "новые (не взяты в работу)", "in_work": "в работе"}
# The status filter applies to the kinds that have these stages; others are left out.
_STATUS_BY_KIND = {"request": {"new": "registered", "in_work": "in_work"},
                   "appeal": {"new": "registered", "in_work": "in_work"},
                   "application": {"new": "accepted", "in_work": "transferred"}}
PREVIEW_ROWS = 10  # rows per group on the overview; a chosen kind is paged
PAGE_ROWS = 50


@dataclass
class DeadlineItem:
    kind: str
    kind_name: str
    id: int
    number: str
    label: str
    due: date
    holder_id: int | None
    endpoint: str
    note: str = ""

    @property
    def url_args(self) -> dict:
        key = {"application": "application_id", "request": "request_id",
               "appeal": "appeal_id", "assignment": "assignment_id",
               "checkout": "case_id"}[self.kind]
        return {key: self.id}


@dataclass
class DeadlineGroup:
    """One kind of deadline: its counts under the filter and the rows of one page."""

    kind: str
    title: str
    total: int
    overdue: int
    due_today: int
    rows: list[DeadlineItem]
    page: int = 1
    per_page: int = PREVIEW_ROWS

    @property
    def own(self) -> bool:
        return self.kind != "awaiting"

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


@dataclass
class DeadlineBoard:
    today: date
    horizon: date
    when: str = "soon"
    kind: str | None = None
    groups: list[DeadlineGroup] = field(default_factory=list)

    @property
    def items(self) -> list[DeadlineItem]:
        return [i for g in self.groups for i in g.rows]

    @property
    def counts(self) -> dict[str, int]:
        """The person's own work (outgoing requests awaited are not counted)."""
        own = [g for g in self.groups if g.own]
        return {"overdue": sum(g.overdue for g in own),
                "today": sum(g.due_today for g in own),
                "total": sum(g.total for g in own)}

    def group(self, kind: str) -> DeadlineGroup | None:
        return next((g for g in self.groups if g.kind == kind), None)


@dataclass(frozen=True)
class _Source:
    """Where one kind of deadline lives: its table, due column and holder."""

    entity: type
    due: object
    holder: object
    where: tuple
    join: tuple | None = None
    load: tuple = ()

    def select(self, *columns):
        q = select(*columns).select_from(self.entity)
        if self.join is not None:
            q = q.outerjoin(*self.join)
        return q.where(*self.where)


def _source(kind: str) -> _Source:
    if kind == "application":
        held = and_(Holding.item_kind == "application", Holding.item_id == Application.id,
                    Holding.until.is_(None))
        return _Source(Application, Application.deadline,
                       func.coalesce(Holding.user_id, Application.registered_by_id),
                       (Application.status.in_(OPEN_STATUSES),), (Holding, held),
                       (selectinload(Application.applicant), selectinload(Application.service)))
    if kind in ("request", "awaiting"):
        statuses = OUTGOING_WAITING if kind == "awaiting" else REQUEST_OPEN
        return _Source(Request, Request.due_date, Request.assigned_to_id,
                       (Request.status.in_(statuses), Request.status != "paused",
                        Request.direction == ("out" if kind == "awaiting" else "in")),
                       load=(selectinload(Request.correspondent),))
    if kind == "appeal":
        return _Source(Appeal, Appeal.due_date, Appeal.assigned_to_id,
                       (Appeal.status.in_(APPEAL_OPEN),))
    if kind == "assignment":
        return _Source(Assignment, Assignment.due_date, Assignment.assignee_id,
                       (Assignment.status == "open",))
    return _Source(Checkout, Checkout.due_on, Checkout.issued_to_id,
                   (Checkout.returned_at.is_(None),),
                   load=(selectinload(Checkout.case_file),))


def _item(kind: str, obj, holder_id: int | None) -> DeadlineItem:
    if kind == "application":
        return DeadlineItem("application", "заявление", obj.id, obj.number,
                            f"{obj.applicant.short_name}: {obj.service.short_name}",
                            obj.deadline, holder_id, "intake.show_application")
    if kind in ("request", "awaiting"):
        out = kind == "awaiting"
        return DeadlineItem("request", "ждём ответ" if out else "запрос", obj.id, obj.number,
                            f"{obj.correspondent.name}: {obj.subject[:90]}", obj.due_date,
                            holder_id, "registry.show_request",
                            "ответ не поступил" if out and obj.due_date else "")
    if kind == "appeal":
        return DeadlineItem("appeal", obj.kind_name, obj.id, obj.number,
                            f"{obj.citizen_name}: {obj.subject[:90]}", obj.due_date,
                            holder_id, "registry.show_appeal",
                            "срок продлён" if obj.extended else "")
    if kind == "assignment":
        return DeadlineItem("assignment", "поручение", obj.id, f"П-{obj.id}", obj.text[:100],
                            obj.due_date, holder_id, "registry.show_assignment")
    return DeadlineItem("checkout", "дело из архива", obj.case_file_id, obj.case_file.number,
                        "вернуть дело в архив", obj.due_on, holder_id, "archive.show_case")


def _when_filter(due, when: str, *, today: date, horizon: date):
    if when == "urgent":
        return due <= today
    if when == "overdue":
        return due < today
    if when == "today":
        return due == today
    if when == "week":
        return and_(due >= today, due <= today + timedelta(days=6 - today.weekday()))
    if when == "all":
        return due.is_not(None)
    return due <= horizon


def deadline_board(session: Session, *, today: date, user_id: int | None,
                   kind: str | None = None, when: str = "soon", status: str | None = None,
                   page: int = 1, descending: bool = False,
                   dl: Deadlines | None = None) -> DeadlineBoard:
    """Open deadlines grouped by kind, counted in SQL, one page of rows per group.

    ``kind`` chooses one group (paged by ``PAGE_ROWS``); otherwise every group shows its
    first ``PREVIEW_ROWS``. ``when``: soon (overdue and the next 3 working days), urgent,
    overdue, today, week, all. ``status`` (new, in_work) keeps the kinds that have it.
    """
    dl = dl or deadlines_for(session)
    when = when if when in BOARD_WHEN else "soon"
    kind = kind if kind in BOARD_GROUPS else None
    board = DeadlineBoard(today=today, horizon=dl.horizon(today), when=when, kind=kind)
    status = status if status in BOARD_STATUS else None
    for k in ([kind] if kind else BOARD_GROUPS):
        if status and k not in _STATUS_BY_KIND:
            continue
        src = _source(k)
        conditions = [_when_filter(src.due, when, today=today, horizon=board.horizon)]
        if status:
            conditions.append(src.entity.status == _STATUS_BY_KIND[k][status])
        if user_id is not None:
            conditions.append(src.holder == user_id)
        total, overdue, due_today = session.execute(src.select(
            func.count(),
            func.coalesce(func.sum(case((src.due < today, 1), else_=0)), 0),
            func.coalesce(func.sum(case((src.due == today, 1), else_=0)), 0),
        ).where(*conditions)).one()
        per_page = PAGE_ROWS if kind else PREVIEW_ROWS
        pages = max((total + per_page - 1) // per_page, 1)
        current = min(max(page, 1), pages) if kind else 1
        order = (src.due.desc(), src.entity.id.desc()) if descending else (src.due,
                                                                             src.entity.id)
        rows = session.execute(src.select(src.entity, src.holder).where(*conditions)
                               .options(*src.load).order_by(*order)
                               .limit(per_page).offset((current - 1) * per_page)).all()
        board.groups.append(DeadlineGroup(
            k, BOARD_GROUPS[k], total, int(overdue), int(due_today),
            [_item(k, obj, holder) for obj, holder in rows], current, per_page))
    return board


def urgent_count(session: Session, *, today: date, user_id: int) -> int:
    """What this person must act on today: their own overdue and due-today items
    (outgoing requests the office waits for are not theirs to act on), a COUNT a kind."""
    total = 0
    for kind in OWN_GROUPS:
        src = _source(kind)
        total += session.scalar(src.select(func.count()).where(
            src.due <= today, src.holder == user_id)) or 0
    return total


def applicants_by_ids(session: Session, ids) -> list[Applicant]:
    """The applicants chosen on a form, in surname order (unknown ids are left out)."""
    ids = sorted({i for i in ids if isinstance(i, int) and 0 < i < 2**31})
    if not ids:
        return []
    return list(session.scalars(select(Applicant).where(Applicant.id.in_(ids))
                                .order_by(Applicant.surname, Applicant.name)))


def link_label(session: Session, link: str | None) -> str | None:
    """An assignment's «Связано с» as people read it: «Обращение ОГ-2026-00001, Иванов И. И.»."""
    if not link or ":" not in link:
        return None
    kind, raw_id = link.split(":", 1)
    model = {"application": Application, "request": Request, "appeal": Appeal}.get(kind)
    row = (session.get(model, int(raw_id)) if model and raw_id.isascii() and raw_id.isdigit()
           and len(raw_id) <= 18 else None)
    if row is None:
        return None
    if kind == "application":
        return f"Заявление № {row.number}, {row.applicant.short_name}"
    if kind == "request":
        word = "Входящий запрос" if row.direction == "in" else "Исходящий запрос"
        return f"{word} № {row.number}, {row.correspondent.name}"
    return f"Обращение № {row.number}, {row.citizen_name}"


def documents_by_number(session: Session, typed: str, *, limit: int = 10) -> list[tuple]:
    """Applications, requests and appeals whose number starts with ``typed``, as (number,
    label) pairs for an assignment's «Связанный документ» list."""
    typed = typed.strip().upper()
    if len(typed) < 2:
        return []
    found = []
    for model, kind in ((Application, "application"), (Request, "request"),
                        (Appeal, "appeal")):
        rows = session.scalars(select(model).where(model.number.startswith(
            typed, autoescape=True)).order_by(model.number.desc()).limit(limit))
        found += [(row.number, link_label(session, f"{kind}:{row.id}")) for row in rows]
    return found[:limit]


def awaited_answers(session: Session, application_id: int) -> list[Request]:
    """Outgoing requests of this application still waiting for an answer."""
    return list(session.scalars(select(Request).where(
        Request.application_id == application_id, Request.direction == "out",
        Request.status.in_(OUTGOING_WAITING)).order_by(Request.due_date)))


def application_requests(session: Session, application_id: int) -> list[Request]:
    return list(session.scalars(select(Request).where(
        Request.application_id == application_id).order_by(Request.id)))


def list_requests(session: Session, *, direction: str, status: str | None = None,
                  page: int = 1) -> Page:
    """Requests of one direction, newest first, a page at a time (a year is thousands)."""
    q = select(Request).where(Request.direction == direction)
    if status == "open":
        q = q.where(Request.status.in_(REQUEST_OPEN + OUTGOING_WAITING))
    return paginate(session, q.order_by(Request.id.desc()), page=page)


def list_appeals(session: Session, *, open_only: bool = False, page: int = 1) -> Page:
    q = select(Appeal)
    if open_only:
        q = q.where(Appeal.status.in_(APPEAL_OPEN))
    return paginate(session, q.order_by(Appeal.id.desc()), page=page)


def repeated_chain(session: Session, appeal: Appeal) -> list[Appeal]:
    """Earlier appeals this one repeats, and later ones that repeat it."""
    chain, seen, current = [], {appeal.id}, appeal.parent
    while current is not None and current.id not in seen:
        chain.append(current)
        seen.add(current.id)
        current = current.parent
    later = list(session.scalars(select(Appeal).where(Appeal.parent_id == appeal.id)))
    return chain + later


def correspondents(session: Session) -> list[Correspondent]:
    return list(session.scalars(select(Correspondent).where(Correspondent.active)
                                .order_by(Correspondent.name)))


def staff(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(
        User.active, User.role.in_(("specialist", "chief", "director", "archivist")))
        .order_by(User.full_name)))


def list_assignments(session: Session, *, user_id: int | None, page: int = 1) -> Page:
    """Assignments, open ones first by due date, then the rest, a page at a time."""
    q = select(Assignment)
    if user_id is not None:
        q = q.where((Assignment.assignee_id == user_id) | (Assignment.author_id == user_id))
    return paginate(session, q.order_by(Assignment.status != "open", Assignment.due_date,
                                        Assignment.id), page=page)


def list_ack_documents(session: Session) -> list[AckDocument]:
    return list(session.scalars(select(AckDocument).order_by(AckDocument.id.desc())))


def ack_log(document: AckDocument) -> list[dict]:
    """Per addressee: the acknowledgement of the current version, and of any earlier one."""
    current = document.current
    by_user: dict[int, dict] = {u.id: {"user": u, "current": None, "earlier": None}
                                for u in document.addressees}
    for version in document.versions:
        for ack in version.acknowledgements:
            row = by_user.get(ack.user_id)
            if row is None:
                continue
            if version.id == current.id:
                row["current"] = ack
            else:
                row["earlier"] = ack
    return list(by_user.values())


def pending_acks(session: Session, *, user_id: int) -> list[AckDocument]:
    docs = session.scalars(select(AckDocument).join(AckDocument.addressees)
                           .where(User.id == user_id))
    out = []
    for d in docs:
        if not any(a.user_id == user_id for a in d.current.acknowledgements):
            out.append(d)
    return out


def list_notices(session: Session, *, page: int = 1) -> Page:
    return paginate(session, select(DecisionNotice).order_by(DecisionNotice.id.desc()),
                    page=page)


def list_handovers(session: Session, *, page: int = 1) -> Page:
    return paginate(session, select(Handover).order_by(Handover.id.desc()), page=page)

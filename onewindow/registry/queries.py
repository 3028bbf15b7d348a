"""Reads of the registries: the "Сроки" page, lists, what an application waits for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..archive.models import Checkout
from ..auth.models import User
from ..intake.models import OPEN_STATUSES, Application
from . import holdings
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
    Request,
)


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
class DeadlineBoard:
    today: date
    horizon: date
    overdue: list[DeadlineItem] = field(default_factory=list)
    due_today: list[DeadlineItem] = field(default_factory=list)
    upcoming: list[DeadlineItem] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"overdue": len(self.overdue), "today": len(self.due_today),
                "upcoming": len(self.upcoming)}


def _collect(session: Session, *, until: date, user_id: int | None) -> list[DeadlineItem]:
    """Every open deadline on or before ``until`` (of one holder, or all)."""
    items: list[DeadlineItem] = []
    apps = list(session.scalars(select(Application).where(
        Application.status.in_(OPEN_STATUSES), Application.deadline <= until)))
    holders = holdings.application_holders(session, [a.id for a in apps])
    for a in apps:
        holder = holders.get(a.id, a.registered_by_id)
        if user_id is None or holder == user_id:
            items.append(DeadlineItem("application", "заявление", a.id, a.number,
                                      f"{a.applicant.short_name}: {a.service.short_name}",
                                      a.deadline, holder, "intake.show_application"))
    q = select(Request).where(Request.status.in_(REQUEST_OPEN + OUTGOING_WAITING),
                              Request.status != "paused", Request.due_date <= until)
    if user_id is not None:
        q = q.where(Request.assigned_to_id == user_id)
    for r in session.scalars(q):
        out = r.direction == "out"
        items.append(DeadlineItem(
            "request", "ждём ответ" if out else "запрос", r.id, r.number,
            f"{r.correspondent.name}: {r.subject[:90]}", r.due_date, r.assigned_to_id,
            "registry.show_request", "ответ не поступил" if out else ""))
    q = select(Appeal).where(Appeal.status.in_(APPEAL_OPEN), Appeal.due_date <= until)
    if user_id is not None:
        q = q.where(Appeal.assigned_to_id == user_id)
    for a in session.scalars(q):
        items.append(DeadlineItem("appeal", a.kind_name, a.id, a.number,
                                  f"{a.citizen_name}: {a.subject[:90]}", a.due_date,
                                  a.assigned_to_id, "registry.show_appeal",
                                  "срок продлён" if a.extended else ""))
    q = select(Assignment).where(Assignment.status == "open", Assignment.due_date <= until)
    if user_id is not None:
        q = q.where(Assignment.assignee_id == user_id)
    for s in session.scalars(q):
        items.append(DeadlineItem("assignment", "поручение", s.id, f"П-{s.id}", s.text[:100],
                                  s.due_date, s.assignee_id, "registry.show_assignment"))
    q = select(Checkout).where(Checkout.returned_at.is_(None), Checkout.due_on <= until)
    if user_id is not None:
        q = q.where(Checkout.issued_to_id == user_id)
    for c in session.scalars(q):
        items.append(DeadlineItem("checkout", "дело из архива", c.case_file_id,
                                  c.case_file.number, "вернуть дело в архив", c.due_on,
                                  c.issued_to_id, "archive.show_case"))
    items.sort(key=lambda i: (i.due, i.kind, i.id))
    return items


def deadline_board(session: Session, *, today: date, user_id: int | None,
                   dl: Deadlines | None = None) -> DeadlineBoard:
    """Overdue, due today, and due within the next 3 working days."""
    dl = dl or deadlines_for(session)
    board = DeadlineBoard(today=today, horizon=dl.horizon(today))
    for item in _collect(session, until=board.horizon, user_id=user_id):
        if item.due < today:
            board.overdue.append(item)
        elif item.due == today:
            board.due_today.append(item)
        else:
            board.upcoming.append(item)
    return board


def urgent_count(session: Session, *, today: date, user_id: int | None) -> int:
    """Overdue + due today, for the header: a few COUNT queries on indexed columns."""
    def count(q):
        return session.scalar(q) or 0

    total = 0
    rq = select(func.count(Request.id)).where(
        Request.status.in_(("registered", "in_work", "sent")), Request.due_date <= today)
    ap = select(func.count(Appeal.id)).where(Appeal.status.in_(APPEAL_OPEN),
                                             Appeal.due_date <= today)
    asg = select(func.count(Assignment.id)).where(Assignment.status == "open",
                                                  Assignment.due_date <= today)
    co = select(func.count(Checkout.id)).where(Checkout.returned_at.is_(None),
                                               Checkout.due_on <= today)
    if user_id is None:
        total += count(select(func.count(Application.id)).where(
            Application.status.in_(OPEN_STATUSES), Application.deadline <= today))
    else:
        rows = session.execute(select(Application.id, Application.registered_by_id).where(
            Application.status.in_(OPEN_STATUSES), Application.deadline <= today)).all()
        holders = holdings.application_holders(session, [r.id for r in rows])
        total += sum(1 for r in rows if holders.get(r.id, r.registered_by_id) == user_id)
        rq = rq.where(Request.assigned_to_id == user_id)
        ap = ap.where(Appeal.assigned_to_id == user_id)
        asg = asg.where(Assignment.assignee_id == user_id)
        co = co.where(Checkout.issued_to_id == user_id)
    return total + count(rq) + count(ap) + count(asg) + count(co)


def awaited_answers(session: Session, application_id: int) -> list[Request]:
    """Outgoing requests of this application still waiting for an answer."""
    return list(session.scalars(select(Request).where(
        Request.application_id == application_id, Request.direction == "out",
        Request.status.in_(OUTGOING_WAITING)).order_by(Request.due_date)))


def application_requests(session: Session, application_id: int) -> list[Request]:
    return list(session.scalars(select(Request).where(
        Request.application_id == application_id).order_by(Request.id)))


def list_requests(session: Session, *, direction: str, status: str | None = None,
                  limit: int = 200) -> list[Request]:
    q = select(Request).where(Request.direction == direction)
    if status == "open":
        q = q.where(Request.status.in_(REQUEST_OPEN + OUTGOING_WAITING))
    return list(session.scalars(q.order_by(Request.id.desc()).limit(limit)))


def list_appeals(session: Session, *, open_only: bool = False, limit: int = 200) -> list[Appeal]:
    q = select(Appeal)
    if open_only:
        q = q.where(Appeal.status.in_(APPEAL_OPEN))
    return list(session.scalars(q.order_by(Appeal.id.desc()).limit(limit)))


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


def list_assignments(session: Session, *, user_id: int | None, limit: int = 200):
    q = select(Assignment)
    if user_id is not None:
        q = q.where((Assignment.assignee_id == user_id) | (Assignment.author_id == user_id))
    return list(session.scalars(q.order_by(Assignment.status == "open", Assignment.due_date)
                                .limit(limit)))


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


def list_notices(session: Session, limit: int = 200) -> list[DecisionNotice]:
    return list(session.scalars(select(DecisionNotice).order_by(DecisionNotice.id.desc())
                                .limit(limit)))


def list_handovers(session: Session, limit: int = 100) -> list[Handover]:
    return list(session.scalars(select(Handover).order_by(Handover.id.desc()).limit(limit)))

"""Retention of closed case files, selection for destruction, the act and its approval."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from ..archive.models import CaseFile, CaseFileEvent, Checkout
from ..auth.roles import DIRECTOR
from ..catalog.models import Service
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..intake.models import OPEN_STATUSES, Application
from ..numbering import next_value
from ..registry.models import (
    APPEAL_OPEN,
    OUTGOING_WAITING,
    REQUEST_OPEN,
    Appeal,
    Request,
    request_applicants,
)
from .models import DEFAULT_BASIS, DisposalAct, DisposalItem

# An incoming request waits for our answer; an outgoing one ("sent") for theirs.
REQUEST_UNANSWERED = (*REQUEST_OPEN, *OUTGOING_WAITING)


def retention_expires_on(closed_on: date, years: int) -> date:
    """The first day the file may be destroyed: counted from 1 January after closing."""
    return date(closed_on.year + 1 + years, 1, 1)


def expires_on(case_file: CaseFile) -> date | None:
    """When the retention of a closed file ends; None for permanent or open files."""
    service: Service = case_file.service
    if case_file.closed_on is None or service.retention_permanent:
        return None
    years = service.retention_years if service.retention_years is not None else 5
    return retention_expires_on(case_file.closed_on, years)


@dataclass
class Candidate:
    case_file: CaseFile
    expires_on: date | None
    reasons: list[str] = field(default_factory=list)


@dataclass
class Selection:
    as_of: date
    selected: list[Candidate] = field(default_factory=list)
    excluded: list[Candidate] = field(default_factory=list)
    expert_review: list[Candidate] = field(default_factory=list)


def exclusion_reasons(session: Session, case_file: CaseFile) -> list[str]:
    """Why a file must not be destroyed now, in the office's words (empty = nothing)."""
    reasons = []
    applicant_id = case_file.applicant_id
    for app in session.scalars(select(Application).where(
            Application.applicant_id == applicant_id,
            Application.status.in_(OPEN_STATUSES)).order_by(Application.id)):
        reasons.append(f"заявление № {app.number} не рассмотрено ({app.status_name})")
    for req in session.scalars(
            select(Request).outerjoin(request_applicants,
                                      request_applicants.c.request_id == Request.id)
            .outerjoin(Application, Application.id == Request.application_id)
            .where(Request.status.in_(REQUEST_UNANSWERED),
                   or_(request_applicants.c.applicant_id == applicant_id,
                       Application.applicant_id == applicant_id))
            .distinct().order_by(Request.id)):
        reasons.append(f"запрос № {req.number} без ответа ({req.status_name})")
    for appeal in session.scalars(select(Appeal).where(
            Appeal.applicant_id == applicant_id, Appeal.status.in_(APPEAL_OPEN))
            .order_by(Appeal.id)):
        reasons.append(f"обращение № {appeal.number} без ответа ({appeal.status_name})")
    checkout = session.scalar(select(Checkout).where(
        Checkout.case_file_id == case_file.id, Checkout.returned_at.is_(None)))
    if checkout is not None:
        reasons.append(f"дело выдано: {checkout.issued_to.full_name} "
                       f"с {checkout.issued_at:%d.%m.%Y}")
    in_act = session.scalar(select(DisposalAct).join(DisposalItem).where(
        DisposalItem.case_file_id == case_file.id,
        DisposalAct.status.in_(("draft", "approved"))))
    if in_act is not None:
        reasons.append(f"уже включено в акт № {in_act.number} ({in_act.status_name})")
    return reasons


def select_for_destruction(session: Session, *, as_of: date) -> Selection:
    """Closed files whose retention has ended by ``as_of``, with exclusions and their reasons."""
    if as_of is None:
        raise InvalidInput("Укажите дату отбора", field="as_of")
    result = Selection(as_of=as_of)
    files = session.scalars(
        select(CaseFile).where(CaseFile.status == "closed")
        .options(selectinload(CaseFile.service), selectinload(CaseFile.applicant),
                 selectinload(CaseFile.box))
        .order_by(CaseFile.closed_on, CaseFile.number))
    for case_file in files:
        ends = expires_on(case_file)
        if ends is None or ends > as_of:
            continue
        candidate = Candidate(case_file=case_file, expires_on=ends)
        if case_file.service.expert_review:
            candidate.reasons = ["подлежит экспертизе ценности (ЭПК), не уничтожается"]
            result.expert_review.append(candidate)
            continue
        candidate.reasons = exclusion_reasons(session, case_file)
        (result.excluded if candidate.reasons else result.selected).append(candidate)
    return result


def create_act(session: Session, *, as_of: date, user_id: int | None, now: datetime,
               basis: str | None = None, article: str | None = None) -> DisposalAct:
    """Draft an act listing every file selected for ``as_of``."""
    selection = select_for_destruction(session, as_of=as_of)
    if not selection.selected:
        raise Conflict("Нет дел с истёкшим сроком хранения на эту дату")
    seq = next_value(session, journal="disposal_acts", period=str(now.year))
    act = DisposalAct(number=f"{seq}/{now.year}", year=now.year, seq=seq,
                      act_date=now.date(), as_of=as_of,
                      basis=(basis or "").strip() or DEFAULT_BASIS,
                      article=(article or "").strip() or None, status="draft",
                      created_at=now, created_by_id=user_id)
    for position, candidate in enumerate(selection.selected, 1):
        act.items.append(DisposalItem(case_file_id=candidate.case_file.id, position=position,
                                      expires_on=candidate.expires_on))
    session.add(act)
    session.flush()
    return act


def get_act(session: Session, act_id: int) -> DisposalAct:
    act = session.get(DisposalAct, act_id)
    if act is None:
        raise NotFound("Акт не найден")
    return act


def _lock_act(session: Session, act: DisposalAct) -> DisposalAct:
    return session.scalar(select(DisposalAct).where(DisposalAct.id == act.id).with_for_update()
                          .execution_options(populate_existing=True))


def _blockers(session: Session, act: DisposalAct) -> list[str]:
    """Files of the act that may no longer be destroyed (reopened, requested, issued)."""
    problems = []
    for item in act.items:
        case_file = item.case_file
        if case_file.status != "closed":
            problems.append(f"{case_file.number}: {case_file.status_name}")
            continue
        reasons = [r for r in exclusion_reasons(session, case_file)
                   if not r.startswith(f"уже включено в акт № {act.number} ")]
        if reasons:
            problems.append(f"{case_file.number}: " + "; ".join(reasons))
    return problems


def approve_act(session: Session, *, act: DisposalAct, user, now: datetime) -> DisposalAct:
    """The director approves the act — the role itself; an administrator may not."""
    if getattr(user, "role", None) != DIRECTOR:
        raise Forbidden("Акт утверждает директор")
    act = _lock_act(session, act)
    if act.status != "draft":
        raise Conflict(f"Акт {act.status_name}")
    problems = _blockers(session, act)
    if problems:
        raise Conflict("Дела больше нельзя уничтожить: " + " | ".join(problems))
    act.status = "approved"
    act.approved_at = now
    act.approved_by_id = user.id
    session.flush()
    return act


def record_destruction(session: Session, *, act: DisposalAct, destroyed_on: date | None,
                       user_id: int | None, now: datetime) -> DisposalAct:
    """Mark every file of an approved act destroyed; the register entries stay."""
    act = _lock_act(session, act)
    if act.status != "approved":
        raise Conflict("Уничтожение отмечается только по утверждённому акту")
    if destroyed_on is None or destroyed_on < act.act_date or destroyed_on > now.date():
        raise InvalidInput("Дата уничтожения — от даты акта до сегодняшнего дня",
                           field="destroyed_on")
    problems = _blockers(session, act)
    if problems:
        raise Conflict("Дела больше нельзя уничтожить: " + " | ".join(problems))
    for item in act.items:
        case_file = session.scalar(select(CaseFile).where(CaseFile.id == item.case_file_id)
                                   .with_for_update()
                                   .execution_options(populate_existing=True))
        where = case_file.box.barcode if case_file.box else "вне короба"
        case_file.status = "destroyed"
        case_file.destroyed_act_number = act.number
        case_file.destroyed_act_date = act.act_date
        case_file.box_id = None
        case_file.events.append(CaseFileEvent(
            at=now, user_id=user_id, kind="destroyed",
            comment=f"по акту № {act.number} от {act.act_date:%d.%m.%Y}, "
                    f"уничтожено {destroyed_on:%d.%m.%Y} (было: {where})"))
    act.status = "destroyed"
    act.destroyed_on = destroyed_on
    act.destroyed_at = now
    act.destroyed_by_id = user_id
    session.flush()
    return act


def cancel_act(session: Session, *, act: DisposalAct, reason: str, now: datetime
               ) -> DisposalAct:
    act = _lock_act(session, act)
    if act.status not in ("draft", "approved"):
        raise Conflict(f"Акт {act.status_name}")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Укажите причину отмены", field="reason")
    act.status = "cancelled"
    act.cancel_reason = reason
    session.flush()
    return act


def acts(session: Session) -> list[DisposalAct]:
    return list(session.scalars(select(DisposalAct).order_by(DisposalAct.id.desc())))

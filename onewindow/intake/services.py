"""Registering applications at the desk and moving them through their statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from .. import numbering
from ..applicants.models import Applicant
from ..calendar.services import office_calendar
from ..catalog.models import Service
from ..catalog.queries import find_service
from ..errors import Conflict, InvalidInput, NotFound
from ..events import application_filed, application_registered, application_status_changed
from .models import STATUS_FLOW, STATUS_NAMES, Application, ApplicationDocument, ApplicationEvent
from .queries import accepted_on

MAX_SHEETS = 999


@dataclass
class DocumentLine:
    """One line of the documents list as the specialist filled it in."""

    name: str
    form: str = "copy"
    sheets: int = 0
    received: bool = True
    mandatory: bool = False
    interagency: bool = False
    from_checklist: bool = False


def checklist_lines(service: Service) -> list[DocumentLine]:
    """The service's checklist as unticked lines (the form's starting point)."""
    return [
        DocumentLine(name=d.name, form=d.form, sheets=0, received=False, mandatory=d.mandatory,
                     interagency=d.interagency, from_checklist=True)
        for d in service.documents
    ]


def application_number(year: int, seq: int) -> str:
    return f"{year}-{seq:06d}"


def find_by_key(session: Session, key: str) -> Application | None:
    return session.scalar(select(Application).where(Application.idempotency_key == key))


def register_application(
    session: Session,
    *,
    applicant_id: int,
    service_code: str,
    documents: list[DocumentLine],
    user_id: int,
    now: datetime,
    idempotency_key: str,
    representative_name: str | None = None,
    representative_document: str | None = None,
    notes: str | None = None,
) -> Application:
    """Register an application with the next number of the year and its legal deadline.

    A second call with the same idempotency key returns the first application, also when
    both were sent at the same moment (the second one's insert then meets the first's key:
    its SAVEPOINT is rolled back, the number given back, and the first one returned).
    """
    if not idempotency_key:
        raise InvalidInput("Форма устарела: обновите страницу", field="idempotency_key")
    existing = find_by_key(session, idempotency_key)
    if existing is not None:
        return existing
    service = find_service(session, service_code)
    if service is None or not service.active:
        raise InvalidInput("Выберите услугу из перечня", field="service")
    applicant = session.get(Applicant, applicant_id) if applicant_id else None
    if applicant is None:
        raise InvalidInput("Выберите заявителя", field="applicant")
    representative_name = (representative_name or "").strip() or None
    representative_document = (representative_document or "").strip() or None
    if representative_name and not representative_document:
        raise InvalidInput("Укажите документ, подтверждающий полномочия представителя",
                           field="representative_document")
    lines = _check_lines(documents)
    if not any(line.received for line in lines):
        raise InvalidInput("Отметьте хотя бы один принятый документ", field="documents")

    deadline = office_calendar(session).add_working_days(now.date(), service.deadline_days)
    try:
        with session.begin_nested(), session.no_autoflush:
            application = _new_application(
                service=service, applicant=applicant, lines=lines, user_id=user_id, now=now,
                deadline=deadline, idempotency_key=idempotency_key,
                representative_name=representative_name,
                representative_document=representative_document, notes=notes)
            session.add(application)
            _file(session, application, now=now, user_id=user_id)
    except IntegrityError:
        existing = find_by_key(session, idempotency_key)
        if existing is None:
            raise
        return existing
    finally:
        numbering.forget_deferred(session)
    return application


def _file(session: Session, application: Application, *, now: datetime, user_id: int) -> None:
    """Insert every row of the registration, then take the numbers (numbering's lock).

    The rows go in with stand-in numbers, outside the number lock; the lock is held from
    ``take_deferred`` to the commit, for the counters, the steps that must see the other
    desks' commits, and the few updates that write the numbers (the application's, its
    interagency requests' with the number in their subject, a new case file's).
    """
    def number(seq: int) -> None:
        application.seq = seq
        application.number = application_number(now.year, seq)

    # Autoflush is off (the caller's block): the receivers only add their rows.
    application.seq, application.number = numbering.placeholder()
    numbering.defer(session, journal="applications", period=str(now.year), assign=number)
    application_registered.send(application, session=session, now=now, user_id=user_id)
    session.flush()
    application_filed.send(application, session=session, now=now, user_id=user_id)
    numbering.take_deferred(session)
    session.flush()


def _new_application(*, service: Service, applicant: Applicant, lines: list[DocumentLine],
                     user_id: int, now: datetime, deadline: date, idempotency_key: str,
                     representative_name: str | None, representative_document: str | None,
                     notes: str | None) -> Application:
    """The application with its documents and first event, not yet numbered."""
    application = Application(
        year=now.year, service=service, applicant=applicant, registered_at=now,
        registered_by_id=user_id, deadline=deadline,
        status="accepted", status_changed_at=now, idempotency_key=idempotency_key,
        representative_name=representative_name,
        representative_document=representative_document,
        notes=(notes or "").strip() or None,
    )
    application.documents = [
        ApplicationDocument(position=i, name=line.name, form=line.form, sheets=line.sheets,
                            received=line.received, mandatory=line.mandatory,
                            interagency=line.interagency, from_checklist=line.from_checklist)
        for i, line in enumerate(lines, start=1)
    ]
    application.events.append(ApplicationEvent(
        at=now, user_id=user_id, status_from=None, status_to="accepted",
        comment="Заявление зарегистрировано",
    ))
    return application


def _check_lines(documents: list[DocumentLine]) -> list[DocumentLine]:
    lines = []
    for i, line in enumerate(documents, start=1):
        line.name = " ".join((line.name or "").split())
        if not line.name:
            if line.from_checklist or line.received or line.sheets:
                raise InvalidInput(f"Строка {i}: укажите наименование документа",
                                   field="documents")
            continue  # an empty extra line left in the form
        if line.form not in ("original", "copy"):
            raise InvalidInput(f"Строка {i}: подлинник или копия?", field="documents")
        if not isinstance(line.sheets, int) or not 0 <= line.sheets <= MAX_SHEETS:
            raise InvalidInput(f"Строка {i}: число листов от 0 до {MAX_SHEETS}",
                               field="documents")
        if line.received and line.sheets == 0:
            line.sheets = 1
        lines.append(line)
    return lines


def change_status(session: Session, application: Application, *, to: str, user_id: int,
                  now: datetime, comment: str | None = None) -> Application:
    """Move the application one step along принято → передано → решение → уведомлён."""
    if to not in STATUS_FLOW.get(application.status, ()):
        raise Conflict(
            f"Нельзя перевести заявление из статуса «{application.status_name}» "
            f"в «{STATUS_NAMES.get(to, to)}»"
        )
    comment = (comment or "").strip() or None
    if to == "refused" and not comment:
        raise InvalidInput("Укажите причину отказа", field="comment")
    if to in ("granted", "refused"):
        application.decided_at = now
        application.decision_reason = comment
    application.events.append(ApplicationEvent(
        at=now, user_id=user_id, status_from=application.status, status_to=to, comment=comment,
    ))
    status_from = application.status
    application.status = to
    application.status_changed_at = now
    session.flush()
    application_status_changed.send(application, session=session, now=now,
                                    status_from=status_from, user_id=user_id)
    return application


def cancel_application(session: Session, application: Application, *, reason: str,
                       user_id: int, now: datetime) -> Application:
    """Cancel a registered application with a reason; it is never deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Укажите причину аннулирования", field="reason")
    if not application.is_open:
        raise Conflict("Аннулировать можно только заявление, по которому нет решения")
    application.events.append(ApplicationEvent(
        at=now, user_id=user_id, status_from=application.status, status_to="cancelled",
        comment=reason,
    ))
    application.status = "cancelled"
    application.status_changed_at = now
    application.cancelled_at = now
    application.cancelled_by_id = user_id
    application.cancel_reason = reason
    session.flush()
    return application


def to_transfer(session: Session, *, user_id: int, day) -> list[Application]:
    """The applications a specialist accepted on ``day`` still waiting to be passed on."""
    return [a for a in accepted_on(session, user_id=user_id, day=day) if a.status == "accepted"]


def transfer_day(session: Session, *, user_id: int, day, now: datetime, acting_user_id: int,
                 expected: int) -> list[Application]:
    """Mark every application a specialist accepted on ``day`` as passed to the department.

    ``expected`` is how many the user confirmed; if the day has changed since (another desk
    registered or passed some on), nothing is marked and the user is asked again.
    """
    moved = to_transfer(session, user_id=user_id, day=day)
    if len(moved) != expected:
        raise Conflict(f"Заявлений к передаче сейчас {len(moved)}, подтверждено {expected}: "
                       "ничего не отмечено. Проверьте реестр и подтвердите снова.")
    for application in moved:
        change_status(session, application, to="transferred", user_id=acting_user_id,
                      now=now, comment="Передано по реестру")
    return moved


# What a printed document of the application shows, in two statements instead of five.
FOR_DOCUMENTS = (joinedload(Application.applicant), joinedload(Application.service),
                 joinedload(Application.registered_by), selectinload(Application.documents))


def get_application(session: Session, application_id: int, *, options=()) -> Application:
    if not 0 < application_id <= 2**31 - 1:  # PostgreSQL's integer would overflow
        raise NotFound("Заявление не найдено")
    application = session.get(Application, application_id, options=options)
    if application is None:
        raise NotFound("Заявление не найдено")
    return application

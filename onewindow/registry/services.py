"""Writes of the deadline registries: requests, appeals, assignments, acknowledgements."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import numbering
from ..applicants.models import Applicant
from ..auth.models import User
from ..core.declension import guess_sex
from ..core.text import format_date, normalize_person_key, normalize_search
from ..database import upsert_insert
from ..errors import Conflict, DomainError, InvalidInput, NotFound
from ..intake.models import Application
from ..numbering import next_value
from . import holdings
from .config import REQUEST_TYPES, fill_template
from .deadlines import APPEAL_MAX_EXTENSION_DAYS, deadlines_for
from .models import (
    ACK_KINDS,
    APPEAL_CHANNELS,
    APPEAL_KINDS,
    CHANNELS,
    CORRESPONDENT_KINDS,
    AckDocument,
    Acknowledgement,
    AckVersion,
    Appeal,
    Assignment,
    Correspondent,
    DeadlinePause,
    Request,
)

OUTGOING_JOURNAL = "registry_out"
INCOMING_JOURNAL = "registry_in"
APPEALS_JOURNAL = "registry_appeals"


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def take_outgoing_number(session: Session, *, on: date) -> str:
    """The next number of the office's outgoing journal (gapless per year)."""
    seq = next_value(session, journal=OUTGOING_JOURNAL, period=str(on.year))
    return outgoing_number(on.year, seq)


def outgoing_number(year: int, seq: int) -> str:
    return f"ИСХ-{year}-{seq:05d}"


def _user(session: Session, user_id: int | None, *, field: str, required=True) -> User | None:
    if not user_id:
        if required:
            raise InvalidInput("Выберите сотрудника", field=field)
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise InvalidInput("Сотрудник не найден или отключён", field=field)
    return user


# ------------------------------------------------------------------ correspondents

def add_correspondent(session: Session, *, name: str, kind: str = "other",
                      address: str | None = None, email: str | None = None) -> Correspondent:
    name = _clean(name)
    if not name:
        raise InvalidInput("Укажите наименование организации", field="name")
    if kind not in CORRESPONDENT_KINDS:
        raise InvalidInput("Выберите вид организации", field="kind")
    key = normalize_search(name)
    if any(normalize_search(n) == key for n in session.scalars(select(Correspondent.name))):
        raise Conflict("Такая организация уже есть в справочнике", field="name")
    row = Correspondent(name=name, kind=kind, address=_text(address), email=_clean(email))
    session.add(row)
    session.flush()
    return row


DEFAULT_CORRESPONDENTS = {
    "sfr": "Отделение Социального фонда России по Волгоградской области",
    "zags": "Комитет ЗАГС Волгоградской области",
    "mvd": "ГУ МВД России по Волгоградской области (по вопросам миграции)",
    "other": "Орган (организация), располагающий документом",
}


def _default_correspondents(session: Session, kinds: set[str]) -> dict[str, Correspondent]:
    """The office's usual addressees of these kinds that are in the directory (one read)."""
    names = {DEFAULT_CORRESPONDENTS[kind]: kind for kind in kinds}
    return {names[row.name]: row for row in session.scalars(
        select(Correspondent).where(Correspondent.name.in_(list(names))))}


def add_default_correspondent(session: Session, kind: str) -> Correspondent:
    """Put the usual addressee of this kind into the directory, once however many desks
    ask at the same moment (an upsert that waits for a concurrent one), and return it."""
    name = DEFAULT_CORRESPONDENTS[kind]
    session.execute(upsert_insert(session, Correspondent.__table__).values(name=name, kind=kind)
                    .on_conflict_do_nothing(index_elements=["name"]))
    return session.scalar(select(Correspondent).where(Correspondent.name == name))


def default_correspondent(session: Session, kind: str) -> Correspondent:
    """The office's usual addressee of this kind, put into the directory on first use."""
    return (_default_correspondents(session, {kind}).get(kind)
            or add_default_correspondent(session, kind))


# ----------------------------------------------------------------------- requests

def _applicants(session: Session, ids) -> list[Applicant]:
    found = []
    for applicant_id in dict.fromkeys(int(i) for i in ids or () if i):
        applicant = session.get(Applicant, applicant_id)
        if applicant is None:
            raise InvalidInput("Заявитель не найден", field="applicant_ids")
        found.append(applicant)
    return found


def register_incoming_request(
    session: Session, *, type_code: str, correspondent_id: int, channel: str,
    received_on: date, subject: str, user_id: int, now: datetime,
    their_number: str | None = None, their_date: date | None = None,
    stated_due: date | None = None, applicant_ids=(), persons_text: str | None = None,
    attachments: str | None = None, assigned_to_id: int | None = None,
) -> Request:
    """Register an incoming request with the due date of its type (or the stated one)."""
    rtype = REQUEST_TYPES.get(type_code)
    if rtype is None or rtype.direction != "in":
        raise InvalidInput("Выберите вид запроса", field="type_code")
    correspondent = session.get(Correspondent, correspondent_id) if correspondent_id else None
    if correspondent is None:
        raise InvalidInput("Выберите отправителя из справочника", field="correspondent_id")
    if channel not in CHANNELS:
        raise InvalidInput("Выберите способ поступления", field="channel")
    if received_on is None or received_on > now.date():
        raise InvalidInput("Дата поступления не может быть в будущем", field="received_on")
    if their_date and their_date > received_on:
        raise InvalidInput("Дата запроса позже даты поступления", field="their_date")
    subject = _text(subject)
    if not subject:
        raise InvalidInput("Укажите содержание запроса", field="subject")
    applicants = _applicants(session, applicant_ids)
    persons_text = _text(persons_text)
    if not applicants and not persons_text:
        raise InvalidInput("Укажите, в отношении кого запрос (найдите заявителя или впишите ФИО)",
                           field="persons_text")
    if rtype.term is None:
        if stated_due is None:
            raise InvalidInput("Укажите срок ответа, указанный в запросе", field="stated_due")
        due = stated_due
    else:
        due = stated_due or deadlines_for(session).add(received_on, rtype.term)
    if due < received_on:
        raise InvalidInput("Срок ответа раньше даты поступления", field="stated_due")
    assignee = _user(session, assigned_to_id, field="assigned_to_id", required=False)
    seq = next_value(session, journal=INCOMING_JOURNAL, period=str(now.year))
    request = Request(
        direction="in", number=f"ВХ-{now.year}-{seq:05d}", year=now.year, seq=seq,
        type_code=type_code, correspondent=correspondent, channel=channel,
        their_number=_clean(their_number), their_date=their_date, received_on=received_on,
        subject=subject, persons_text=persons_text, attachments=_text(attachments),
        assigned_to_id=assignee.id if assignee else None, due_date=due, original_due_date=due,
        status="registered", created_at=now, created_by_id=user_id,
    )
    request.applicants = applicants
    session.add(request)
    session.flush()
    if assignee:
        holdings.start(session, kind="request", item_id=request.id, user_id=assignee.id,
                       now=now, note="Назначен исполнитель")
    return request


def register_outgoing_request(
    session: Session, *, type_code: str, correspondent_id: int, channel: str, subject: str,
    user_id: int, now: datetime, applicant_ids=(), persons_text: str | None = None,
    expected_on: date | None = None, assigned_to_id: int | None = None,
    application_id: int | None = None, application_document_id: int | None = None,
) -> Request:
    """Send a request from the office: a number of the outgoing journal, the expected answer."""
    rtype = REQUEST_TYPES.get(type_code)
    if rtype is None or rtype.direction != "out":
        raise InvalidInput("Выберите вид запроса", field="type_code")
    correspondent = session.get(Correspondent, correspondent_id) if correspondent_id else None
    if correspondent is None:
        raise InvalidInput("Выберите адресата из справочника", field="correspondent_id")
    if channel not in CHANNELS:
        raise InvalidInput("Выберите способ направления", field="channel")
    subject = _text(subject)
    if not subject:
        raise InvalidInput("Укажите содержание запроса", field="subject")
    sent_on = now.date()
    expected = expected_on or deadlines_for(session).add(sent_on, rtype.term)
    if expected < sent_on:
        raise InvalidInput("Ожидаемая дата ответа раньше даты отправки", field="expected_on")
    assignee = _user(session, assigned_to_id or user_id, field="assigned_to_id")
    seq = next_value(session, journal=OUTGOING_JOURNAL, period=str(now.year))
    request = Request(
        direction="out", number=outgoing_number(now.year, seq), year=now.year, seq=seq,
        type_code=type_code, correspondent=correspondent, channel=channel, received_on=sent_on,
        subject=subject, persons_text=_text(persons_text), assigned_to_id=assignee.id,
        due_date=expected, original_due_date=expected, status="sent", created_at=now,
        created_by_id=user_id, application_id=application_id,
        application_document_id=application_document_id,
    )
    request.applicants = _applicants(session, applicant_ids)
    session.add(request)
    session.flush()
    holdings.start(session, kind="request", item_id=request.id, user_id=assignee.id, now=now)
    return request


def _correspondent_kind_for(document_name: str) -> str:
    name = normalize_search(document_name)
    if any(w in name for w in ("пенси", "сфр", "социального фонда", "стаж", "снилс")):
        return "sfr"
    if any(w in name for w in ("рожден", "брак", "смерт", "загс", "отцовств")):
        return "zags"
    if any(w in name for w in ("регистрац", "месту жительства", "месту пребывания")):
        return "mvd"
    return "other"


def create_interagency_requests(session: Session, application, user_id: int,
                                now: datetime) -> list[Request]:
    """Send an interagency request for each document the office must obtain itself.

    Called from intake registration; a second call creates nothing new for documents
    that already have a request.
    """
    existing = set(session.scalars(select(Request.application_document_id).where(
        Request.application_id == application.id,
        Request.application_document_id.is_not(None),
        Request.status != "cancelled")))
    created = []
    for document in application.interagency_documents:
        if document.id in existing:
            continue
        correspondent = default_correspondent(session, _correspondent_kind_for(document.name))
        created.append(register_outgoing_request(
            session, type_code="document_out", correspondent_id=correspondent.id,
            channel="smev", user_id=user_id, now=now,
            subject=f"{document.name} (заявление № {application.number})",
            applicant_ids=[application.applicant_id], application_id=application.id,
            application_document_id=document.id,
        ))
    return created


NEW_REQUESTS_KEY = "onewindow_registry_new_requests"


def prepare_interagency_requests(session: Session, application, *, user_id: int,
                                 now: datetime) -> list[Request]:
    """Build the requests of an application being registered; numbers are taken last.

    The same requests as :func:`create_interagency_requests` makes for a saved one, but
    nothing is flushed: each is inserted with the registration's rows under a stand-in
    number and reserves its outgoing number (``numbering.defer``), which it gets, with the
    application's number in its subject, when the registration takes its numbers. Their
    holdings start once they are inserted (:func:`start_new_holdings`).
    """
    documents = application.interagency_documents
    if not documents:
        return []
    rtype = REQUEST_TYPES["document_out"]
    sent_on = now.date()
    expected = deadlines_for(session).add(sent_on, rtype.term)
    assignee = _user(session, user_id, field="assigned_to_id")
    created = []
    kinds = [_correspondent_kind_for(document.name) for document in documents]
    addressees = _default_correspondents(session, set(kinds))
    for kind in set(kinds) - set(addressees):
        addressees[kind] = add_default_correspondent(session, kind)
    for document, kind in zip(documents, kinds, strict=True):
        seq, number = numbering.placeholder()
        request = Request(
            direction="out", year=now.year, seq=seq, number=number, subject=document.name,
            type_code="document_out", correspondent=addressees[kind], channel="smev",
            received_on=sent_on, assigned_to_id=assignee.id,
            due_date=expected, original_due_date=expected, status="sent", created_at=now,
            created_by_id=user_id, application=application, application_document=document)
        request.applicants = [application.applicant]
        session.add(request)

        def number(seq: int, request=request, document=document) -> None:
            request.seq = seq
            request.number = outgoing_number(now.year, seq)
            request.subject = _text(f"{document.name} (заявление № {application.number})")

        numbering.defer(session, journal=OUTGOING_JOURNAL, period=str(now.year), assign=number)
        created.append(request)
    session.info.setdefault(NEW_REQUESTS_KEY, {})[id(application)] = created
    return created


def start_new_holdings(session: Session, application, *, now: datetime) -> None:
    """The prepared requests, now inserted, are held by their assignee (one statement)."""
    holdings.start_many(session, kind="request", now=now, held=[
        (request.id, request.assigned_to_id)
        for request in session.info.get(NEW_REQUESTS_KEY, {}).pop(id(application), [])])


def get_request(session: Session, request_id: int) -> Request:
    request = session.get(Request, request_id)
    if request is None:
        raise NotFound("Запрос не найден")
    return request


def take_request(session: Session, request: Request, *, user_id: int,
                 now: datetime) -> Request:
    """The specialist takes an incoming request into work (and becomes its holder)."""
    if request.direction != "in" or request.status != "registered":
        raise Conflict("Запрос уже в работе или закрыт")
    request.status = "in_work"
    if request.assigned_to_id != user_id:
        holdings.reassign(session, kind="request", item_id=request.id, to_user_id=user_id,
                          now=now, note="Принят в работу")
    session.flush()
    return request


def answer_template(request: Request, *, institution: str) -> str:
    """The answer's first draft in the office's words, from what the request already says:
    the person's sex picks «не получал/не получала», the linked application the service."""
    rtype = REQUEST_TYPES.get(request.type_code)
    person = request.applicants[0] if request.applicants else None
    your_request = "На Ваш запрос"
    if request.their_date:
        your_request += f" от {format_date(request.their_date)}"
    if request.their_number:
        your_request += f" № {request.their_number}"
    # Someone not in the registry is typed as «Фамилия Имя Отчество, дд.мм.гггг».
    typed_name, _, typed_rest = (request.persons_text or "").partition(",")
    typed_birth = re.search(r"\d{2}\.\d{2}\.\d{4}", typed_rest)
    if person is not None:
        sex = person.sex
    else:
        words = typed_name.split()
        sex = guess_sex(words[1] if len(words) > 1 else None,
                        words[2] if len(words) > 2 else None)
    service = request.application.service.name if request.application else None
    return fill_template(rtype.template if rtype else "", {
        "your_request": your_request,
        "person": person.full_name if person else typed_name.strip(),
        "birth_date": (format_date(person.birth_date) if person else
                       typed_birth.group(0) if typed_birth else None),
        "institution": institution,
        "subject": request.subject,
        "did_not_receive": {"M": "не получал", "F": "не получала"}.get(sex, "не получал(а)"),
        "benefit_phrase": (f"меру социальной поддержки «{service}»" if service else
                           "меры социальной поддержки, указанные в запросе,"),
    })


def answer_request(session: Session, request: Request, *, text: str, signed_by: str,
                   user_id: int, now: datetime) -> Request:
    """Record our answer to an incoming request with the next outgoing number."""
    if request.direction != "in" or not request.is_open:
        raise Conflict("Ответить можно только на открытый входящий запрос")
    if request.status == "paused":
        raise Conflict("Срок приостановлен: сначала возобновите работу по запросу")
    text, signed_by = _text(text), _clean(signed_by)
    if not text:
        raise InvalidInput("Введите текст ответа", field="text")
    if not signed_by:
        raise InvalidInput("Укажите, кто подписывает ответ", field="signed_by")
    request.answer_number = take_outgoing_number(session, on=now.date())
    request.answer_date = now.date()
    request.answer_text = text
    request.signed_by = signed_by
    request.status = "answered"
    holdings.finish(session, kind="request", item_id=request.id, now=now)
    session.flush()
    return request


def forward_request(session: Session, request: Request, *, to: str, user_id: int,
                    now: datetime) -> Request:
    """Forward an incoming request to the competent body (with an outgoing number)."""
    if request.direction != "in" or not request.is_open:
        raise Conflict("Переадресовать можно только открытый входящий запрос")
    to = _clean(to)
    if not to:
        raise InvalidInput("Укажите, куда переадресован запрос", field="to")
    request.forwarded_to = to
    request.answer_number = take_outgoing_number(session, on=now.date())
    request.answer_date = now.date()
    request.status = "forwarded"
    _close_open_pause(session, request, on=now.date(), extend=False)
    holdings.finish(session, kind="request", item_id=request.id, now=now)
    session.flush()
    return request


def pause_request(session: Session, request: Request, *, reason: str, on: date,
                  user_id: int) -> DeadlinePause:
    """Pause the deadline while the office waits for an answer it depends on."""
    if request.direction != "in" or request.status not in ("registered", "in_work"):
        raise Conflict("Приостановить можно только открытый входящий запрос")
    reason = _text(reason)
    if not reason:
        raise InvalidInput("Укажите основание приостановления срока", field="reason")
    pause = DeadlinePause(started_on=on, reason=reason, user_id=user_id)
    request.pauses.append(pause)
    request.status = "paused"
    session.flush()
    return pause


def _close_open_pause(session, request: Request, *, on: date, extend: bool) -> None:
    pause = request.open_pause
    if pause is None:
        return
    if on < pause.started_on:
        raise InvalidInput("Дата возобновления раньше начала приостановления", field="on")
    pause.ended_on = on
    new_due, paused = deadlines_for(session).after_pause(request.due_date, pause.started_on, on)
    pause.working_days = paused
    if extend:
        request.due_date = new_due


def resume_request(session: Session, request: Request, *, on: date, user_id: int) -> Request:
    """End the pause: the due date moves by the working days the pause lasted."""
    if request.status != "paused":
        raise Conflict("Срок по запросу не приостановлен")
    _close_open_pause(session, request, on=on, extend=True)
    request.status = "in_work"
    session.flush()
    return request


def record_answer_received(session: Session, request: Request, *, number: str | None,
                           on: date, text: str | None, user_id: int, now: datetime) -> Request:
    """Mark an outgoing request answered by the other body."""
    if request.direction != "out" or request.status != "sent":
        raise Conflict("Ответ можно отметить только по направленному запросу")
    if on is None or on < request.received_on or on > now.date():
        raise InvalidInput("Дата ответа — между датой запроса и сегодняшним днём", field="on")
    request.answer_number = _clean(number)
    request.answer_date = on
    request.answer_text = _text(text)
    request.status = "received"
    holdings.finish(session, kind="request", item_id=request.id, now=now)
    session.flush()
    return request


def record_answers_received(session: Session, request_ids, *, on: date, user_id: int,
                            now: datetime) -> list[Request]:
    """Mark several outgoing requests answered on one date (ticked or scanned on «Сроки»)."""
    ids = sorted(set(request_ids))
    if not ids:
        raise InvalidInput("Отметьте запросы, по которым получен ответ", field="on")
    rows = list(session.scalars(select(Request).where(Request.id.in_(ids))))
    if len(rows) != len(ids):
        raise NotFound("Запрос не найден")
    for row in rows:
        try:
            record_answer_received(session, row, number=None, on=on, text=None,
                                   user_id=user_id, now=now)
        except DomainError as exc:
            raise type(exc)(f"{row.number}: {exc.message}", field=exc.field) from exc
    return rows


def cancel_request(session: Session, request: Request, *, reason: str, user_id: int,
                   now: datetime) -> Request:
    """Cancel a request registered by mistake (never deleted)."""
    reason = _text(reason)
    if not reason:
        raise InvalidInput("Укажите причину аннулирования", field="reason")
    if request.status not in ("registered", "in_work", "paused", "sent"):
        raise Conflict("Запрос уже закрыт")
    request.status = "cancelled"
    request.cancel_reason = reason
    holdings.finish(session, kind="request", item_id=request.id, now=now)
    session.flush()
    return request


# ------------------------------------------------------------------------ appeals

def register_appeal(
    session: Session, *, received_on: date, channel: str, kind: str, subject: str, text: str,
    user_id: int, now: datetime, anonymous: bool = False, surname: str | None = None,
    name: str | None = None, patronymic: str | None = None, sex: str | None = None,
    address: str | None = None, email: str | None = None, applicant_id: int | None = None,
    assigned_to_id: int | None = None, responsible_id: int | None = None,
    parent_id: int | None = None, parent_number: str | None = None,
    confirm_late: bool = False,
) -> Appeal:
    """Register a citizen's appeal: 30 days for the answer, 7 for forwarding (59-ФЗ)."""
    if channel not in APPEAL_CHANNELS:
        raise InvalidInput("Выберите способ поступления", field="channel")
    if kind not in APPEAL_KINDS:
        raise InvalidInput("Выберите вид обращения", field="kind")
    today = now.date()
    if received_on is None or received_on > today:
        raise InvalidInput("Дата поступления не может быть в будущем", field="received_on")
    dl = deadlines_for(session)
    late = dl.appeal_registration_late(received_on, today)
    if late and not confirm_late:
        raise InvalidInput(
            "Обращение поступило " + format_date(received_on) + ": срок регистрации (3 дня, "
            "ч. 2 ст. 8 59-ФЗ) истёк " + format_date(dl.appeal_registration_due(received_on))
            + ". Отметьте «Регистрирую с нарушением срока», чтобы продолжить.",
            field="received_on")
    subject, text = _clean(subject), _text(text)
    if not subject:
        raise InvalidInput("Укажите тему обращения", field="subject")
    if not text:
        raise InvalidInput("Введите краткое содержание обращения", field="text")
    applicant = session.get(Applicant, applicant_id) if applicant_id else None
    if applicant is not None and not anonymous:
        surname = surname or applicant.surname
        name = name or applicant.name
        patronymic = patronymic or applicant.patronymic
        sex = sex or applicant.sex
        address = address or applicant.address
        email = email or applicant.email
    surname, name, patronymic = _clean(surname), _clean(name), _clean(patronymic)
    if anonymous:
        surname = name = patronymic = sex = None
    else:
        if not surname or not name:
            raise InvalidInput("Укажите фамилию и имя гражданина (или отметьте «анонимное»)",
                               field="surname")
        if not _text(address) and not _clean(email):
            raise InvalidInput("Укажите почтовый адрес или e-mail для ответа", field="address")
        sex = sex if sex in ("M", "F") else guess_sex(name, patronymic)
        if sex is None:
            raise InvalidInput("Укажите пол (для обращения в ответе)", field="sex")
    assignee = _user(session, assigned_to_id, field="assigned_to_id", required=False)
    responsible = None
    if kind == "complaint":
        responsible = _user(session, responsible_id, field="responsible_id")
    parent = session.get(Appeal, parent_id) if parent_id else None
    if parent_id and parent is None:
        raise InvalidInput("Предыдущее обращение не найдено", field="parent_number")
    if parent_number and parent is None:
        parent = appeal_by_number(session, parent_number)
        if parent is None:
            raise InvalidInput(f"Обращение № {parent_number} не найдено (номер вида "
                               "ОГ-2026-00001)", field="parent_number")
    if parent is None and not anonymous:
        parent = find_repeated(session, surname=surname, name=name, subject=subject)
    seq = next_value(session, journal=APPEALS_JOURNAL, period=str(now.year))
    appeal = Appeal(
        number=f"ОГ-{now.year}-{seq:05d}", year=now.year, seq=seq, kind=kind, channel=channel,
        received_on=received_on, registered_on=today, late_registration=late,
        anonymous=anonymous, surname=surname, name=name, patronymic=patronymic, sex=sex,
        person_key=normalize_person_key(surname + name) if surname and name else None,
        address=_text(address), email=_clean(email),
        applicant_id=applicant.id if applicant else None, subject=subject, text=text,
        assigned_to_id=assignee.id if assignee else None,
        responsible_id=responsible.id if responsible else None,
        due_date=dl.appeal_due(today), forward_due=dl.appeal_forward_due(today),
        parent_id=parent.id if parent else None, status="registered", created_at=now,
        created_by_id=user_id,
    )
    appeal.original_due_date = appeal.due_date
    session.add(appeal)
    session.flush()
    if assignee:
        holdings.start(session, kind="appeal", item_id=appeal.id, user_id=assignee.id, now=now)
    return appeal


def appeal_by_number(session: Session, number: str) -> Appeal | None:
    """An appeal by its registration number as typed (any case, «ог» or «ОГ»)."""
    return session.scalar(select(Appeal).where(Appeal.number == number.strip().upper()))


def find_repeated(session: Session, *, surname: str | None, name: str | None,
                  subject: str) -> Appeal | None:
    """The citizen's latest earlier appeal on the same subject (a repeated appeal)."""
    if not surname or not name:
        return None
    rows = session.scalars(select(Appeal).where(
        Appeal.person_key == normalize_person_key(surname + name),
        Appeal.status != "cancelled").order_by(Appeal.id.desc()).limit(50))
    key = normalize_search(subject)
    return next((a for a in rows if normalize_search(a.subject) == key), None)


def get_appeal(session: Session, appeal_id: int) -> Appeal:
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound("Обращение не найдено")
    return appeal


def extend_appeal(session: Session, appeal: Appeal, *, days: int, reason: str, user_id: int,
                  now: datetime) -> Appeal:
    """Extend the answer term once, by at most 30 days, with a reason (ст. 12 ч. 2 59-ФЗ)."""
    if not appeal.is_open:
        raise Conflict("Обращение закрыто")
    if appeal.extended:
        raise Conflict("Срок рассмотрения уже продлевался: продлить можно только один раз")
    if not isinstance(days, int) or not 1 <= days <= APPEAL_MAX_EXTENSION_DAYS:
        raise InvalidInput("Продлить можно на 1–30 дней", field="days")
    reason = _text(reason)
    if not reason:
        raise InvalidInput("Укажите основание продления", field="reason")
    if now.date() > appeal.due_date:
        raise Conflict("Срок рассмотрения уже истёк: продление невозможно")
    appeal.original_due_date = appeal.due_date
    appeal.due_date = deadlines_for(session).extend(appeal.due_date, days)
    appeal.extended = True
    appeal.extension_days = days
    appeal.extension_reason = reason
    session.flush()
    return appeal


def forward_appeal(session: Session, appeal: Appeal, *, to: str, user_id: int,
                   now: datetime) -> Appeal:
    """Forward to the competent body (ст. 8 ч. 3): the citizen is notified."""
    if not appeal.is_open:
        raise Conflict("Обращение закрыто")
    to = _clean(to)
    if not to:
        raise InvalidInput("Укажите орган, в который переадресовано обращение", field="to")
    appeal.forwarded_to = to
    appeal.forwarded_on = now.date()
    appeal.answer_number = take_outgoing_number(session, on=now.date())
    appeal.answer_date = now.date()
    appeal.status = "forwarded"
    holdings.finish(session, kind="appeal", item_id=appeal.id, now=now)
    session.flush()
    return appeal


COMPLAINT_RESULTS = {
    "justified": "признана обоснованной",
    "partly": "признана частично обоснованной",
    "unjustified": "признана необоснованной",
}


def answer_appeal(session: Session, appeal: Appeal, *, text: str, signed_by: str,
                  user_id: int, now: datetime, complaint_result: str | None = None) -> Appeal:
    """Record the answer with an outgoing number."""
    if not appeal.is_open:
        raise Conflict("Обращение закрыто")
    text, signed_by = _text(text), _clean(signed_by)
    if not text:
        raise InvalidInput("Введите текст ответа", field="text")
    if not signed_by:
        raise InvalidInput("Укажите, кто подписывает ответ", field="signed_by")
    if appeal.kind == "complaint":
        if complaint_result not in COMPLAINT_RESULTS:
            raise InvalidInput("Укажите результат рассмотрения жалобы", field="complaint_result")
        appeal.complaint_result = complaint_result
    appeal.answer_text = text
    appeal.signed_by = signed_by
    appeal.answer_number = take_outgoing_number(session, on=now.date())
    appeal.answer_date = now.date()
    appeal.status = "answered"
    holdings.finish(session, kind="appeal", item_id=appeal.id, now=now)
    session.flush()
    return appeal


def take_appeal(session: Session, appeal: Appeal, *, user_id: int, now: datetime) -> Appeal:
    if appeal.status != "registered":
        raise Conflict("Обращение уже в работе или закрыто")
    appeal.status = "in_work"
    if appeal.assigned_to_id != user_id:
        holdings.reassign(session, kind="appeal", item_id=appeal.id, to_user_id=user_id,
                          now=now, note="Принято в работу")
    session.flush()
    return appeal


def cancel_appeal(session: Session, appeal: Appeal, *, reason: str, user_id: int,
                  now: datetime) -> Appeal:
    reason = _text(reason)
    if not reason:
        raise InvalidInput("Укажите причину аннулирования", field="reason")
    if not appeal.is_open:
        raise Conflict("Обращение уже закрыто")
    appeal.status = "cancelled"
    appeal.cancel_reason = reason
    holdings.finish(session, kind="appeal", item_id=appeal.id, now=now)
    session.flush()
    return appeal


# -------------------------------------------------------------------- assignments

def create_assignment(session: Session, *, text: str, due_date: date, assignee_id: int,
                      author_id: int, now: datetime, link: str | None = None,
                      on_control: bool = True) -> Assignment:
    """An assignment (поручение) from the chief to a specialist."""
    text = _text(text)
    if not text:
        raise InvalidInput("Введите текст поручения", field="text")
    if due_date is None or due_date < now.date():
        raise InvalidInput("Срок исполнения не может быть в прошлом", field="due_date")
    assignee = _user(session, assignee_id, field="assignee_id")
    link = _clean(link)
    if link and not _valid_link(session, link):
        raise InvalidInput("Связанный объект не найден (формат: заявление 2026-000001, "
                           "запрос ВХ-2026-00001, обращение ОГ-2026-00001)", field="link")
    assignment = Assignment(text=text, due_date=due_date, author_id=author_id,
                            assignee_id=assignee.id, on_control=on_control,
                            link=resolve_link(session, link) if link else None,
                            status="open", created_at=now)
    session.add(assignment)
    session.flush()
    holdings.start(session, kind="assignment", item_id=assignment.id, user_id=assignee.id,
                   now=now)
    return assignment


def resolve_link(session: Session, link: str) -> str | None:
    """A typed number (application, request or appeal) as the stored "kind:id".

    Only office numbers are taken: a database id typed by hand never is.
    """
    upper = link.strip().upper()
    if upper.startswith(("ВХ-", "ИСХ-")):
        row = session.scalar(select(Request).where(Request.number == upper))
        return f"request:{row.id}" if row else None
    if upper.startswith("ОГ-"):
        row = session.scalar(select(Appeal).where(Appeal.number == upper))
        return f"appeal:{row.id}" if row else None
    row = session.scalar(select(Application).where(Application.number == link))
    return f"application:{row.id}" if row else None


def _valid_link(session, link: str) -> bool:
    return resolve_link(session, link) is not None


def complete_assignment(session: Session, assignment: Assignment, *, result: str,
                        user_id: int, now: datetime) -> Assignment:
    if assignment.status != "open":
        raise Conflict("Поручение уже закрыто")
    result = _text(result)
    if not result:
        raise InvalidInput("Опишите результат исполнения", field="result")
    assignment.result = result
    assignment.done_at = now
    assignment.status = "done" if assignment.on_control else "closed"
    holdings.finish(session, kind="assignment", item_id=assignment.id, now=now)
    session.flush()
    return assignment


def close_assignment(session: Session, assignment: Assignment, *, mark: str, user_id: int,
                     now: datetime) -> Assignment:
    """The author's control mark: "снято с контроля"."""
    if assignment.status != "done":
        raise Conflict("Снять с контроля можно исполненное поручение")
    assignment.control_mark = _text(mark) or "Снято с контроля"
    assignment.closed_at = now
    assignment.status = "closed"
    session.flush()
    return assignment


def get_assignment(session: Session, assignment_id: int) -> Assignment:
    row = session.get(Assignment, assignment_id)
    if row is None:
        raise NotFound("Поручение не найдено")
    return row


# ----------------------------------------------------------------- acknowledgement

def publish_ack_document(session: Session, *, title: str, kind: str, text: str,
                         addressee_ids, user_id: int, now: datetime) -> AckDocument:
    """Publish an order / instruction / regulation for the addressees to acknowledge."""
    title, text = _clean(title), _text(text)
    if not title:
        raise InvalidInput("Укажите наименование документа", field="title")
    if kind not in ACK_KINDS:
        raise InvalidInput("Выберите вид документа", field="kind")
    if not text:
        raise InvalidInput("Введите текст документа", field="text")
    users = [_user(session, int(i), field="addressee_ids") for i in dict.fromkeys(addressee_ids)]
    if not users:
        raise InvalidInput("Выберите, кто должен ознакомиться", field="addressee_ids")
    document = AckDocument(title=title, kind=kind, published_by_id=user_id, created_at=now)
    document.versions.append(AckVersion(number=1, text=text, published_at=now))
    document.addressees = users
    session.add(document)
    session.flush()
    return document


def publish_ack_version(session: Session, document: AckDocument, *, text: str,
                        change_note: str | None, now: datetime) -> AckVersion:
    """A changed text: everyone acknowledges again; earlier acknowledgements are kept."""
    text = _text(text)
    if not text:
        raise InvalidInput("Введите текст документа", field="text")
    if text == document.current.text:
        raise InvalidInput("Текст не изменился", field="text")
    version = AckVersion(number=document.current.number + 1, text=text,
                         change_note=_text(change_note), published_at=now)
    document.versions.append(version)
    session.flush()
    return version


def acknowledge(session: Session, document: AckDocument, *, user_id: int, version_id: int,
                now: datetime) -> Acknowledgement:
    """"Ознакомлен(а)" with the version the person was shown (it must still be current)."""
    if user_id not in {u.id for u in document.addressees}:
        raise Conflict("Вы не в списке ознакомления с этим документом")
    if version_id != document.current.id:
        raise Conflict("Документ изменился, пока вы его читали: прочитайте новую редакцию")
    existing = session.scalar(select(Acknowledgement).where(
        Acknowledgement.version_id == version_id, Acknowledgement.user_id == user_id))
    if existing is not None:
        return existing
    ack = Acknowledgement(version_id=version_id, user_id=user_id, at=now)
    session.add(ack)
    session.flush()
    return ack


def get_ack_document(session: Session, document_id: int) -> AckDocument:
    row = session.get(AckDocument, document_id)
    if row is None:
        raise NotFound("Документ не найден")
    return row

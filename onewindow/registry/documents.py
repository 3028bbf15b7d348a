"""Data for the registries' PDFs: letters (answers, notices) and the handover act."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..core.declension import dative_full, dative_short, guess_sex, salutation
from ..core.text import format_date
from ..documents import render_document
from .handover_act import REASONS_INSTRUMENTAL, ActItem, HandoverAct, act_pdf
from .services import COMPLAINT_RESULTS


@dataclass
class Letter:
    """One letter on the institution's letterhead."""

    number: str | None
    on: date | None
    addressee: list[str]
    title: str | None = None
    greeting: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    signed_by: str | None = None
    executor: str | None = None
    reference: str | None = None


_SURNAME = r"(?P<s>[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)"
_INITIALS = r"(?P<i>[А-ЯЁ]\.\s*(?:[А-ЯЁ]\.)?)"
_NAME_FORMS = (re.compile(_INITIALS + r"\s*" + _SURNAME), re.compile(_SURNAME + r"\s+" + _INITIALS))


def signature(signed_by: str | None) -> tuple[str, str]:
    """(position, «И. О. Фамилия») of a signature block from what was typed: «Медведенко
    Ю. Н., директор», «Директор Ю. Н. Медведенко» or just «Директор»."""
    text = " ".join((signed_by or "").split()) or "Директор"
    name = ""
    for form in _NAME_FORMS:
        if m := form.search(text):
            initials = " ".join(f"{c}." for c in re.findall(r"[А-ЯЁ]", m.group("i")))
            name = f"{initials} {m.group('s')}"
            text = (text[:m.start()] + " " + text[m.end():])
            break
    position = " ".join(text.replace(",", " ").split()) or "Директор"
    return position[:1].upper() + position[1:], name


def render_letter(letter: Letter, *, config) -> bytes:
    position, name = signature(letter.signed_by)
    return render_document("pdf/registry_letter.html", config=config, letter=letter,
                           sign_position=position, sign_name=name)


def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


def request_answer_pdf(request, *, config, executor=None) -> bytes:
    """Ответ на запрос другого органа."""
    correspondent = request.correspondent
    addressee = [correspondent.name] + ([correspondent.address] if correspondent.address else [])
    if request.status == "forwarded":
        body = [f"Ваш запрос от {format_date(request.their_date) if request.their_date else '—'} "
                f"№ {request.their_number or '—'} ({request.subject}) направлен по "
                f"компетенции: {request.forwarded_to}."]
    else:
        body = _paragraphs(request.answer_text)
    reference = (f"На № {request.their_number} от {format_date(request.their_date)}"
                 if request.their_number and request.their_date else None)
    return render_letter(Letter(
        number=request.answer_number, on=request.answer_date, addressee=addressee,
        paragraphs=body, signed_by=request.signed_by or "Директор", reference=reference,
        executor=executor.short_name if executor else None), config=config)


def outgoing_request_pdf(request, *, config) -> bytes:
    """Запрос, направляемый учреждением."""
    persons = ", ".join(f"{a.full_name}, {format_date(a.birth_date)} г. р."
                        for a in request.applicants) or (request.persons_text or "")
    correspondent = request.correspondent
    return render_letter(Letter(
        number=request.number, on=request.received_on,
        addressee=[correspondent.name] + ([correspondent.address] if correspondent.address
                                          else []),
        title="Запрос",
        paragraphs=[f"Прошу представить: {request.subject}.",
                    *([f"В отношении: {persons}."] if persons else []),
                    f"Ответ прошу направить до {format_date(request.due_date)}."],
        signed_by="Директор",
        executor=request.assigned_to.short_name if request.assigned_to else None),
        config=config)


def _citizen_address(surname, name, patronymic, sex, address) -> list[str]:
    lines = [dative_short(surname, name, patronymic, sex=sex)]
    if address:
        lines.append(address)
    return lines


def appeal_letter_pdf(appeal, *, kind: str, config) -> bytes:
    """Ответ на обращение, уведомление о продлении или о переадресации (59-ФЗ)."""
    if appeal.anonymous:
        raise ValueError("anonymous appeals get no letter")
    greeting = salutation(appeal.name, appeal.patronymic, sex=appeal.sex, surname=appeal.surname)
    reference = f"На Ваше обращение от {format_date(appeal.received_on)} (рег. № {appeal.number})"
    if kind == "answer":
        body = _paragraphs(appeal.answer_text)
        if appeal.kind == "complaint" and appeal.complaint_result:
            body.append(f"По результатам рассмотрения жалоба "
                        f"{COMPLAINT_RESULTS[appeal.complaint_result]}.")
        number, on = appeal.answer_number, appeal.answer_date
    elif kind == "extension":
        body = [f"Сообщаем, что срок рассмотрения Вашего обращения продлён до "
                f"{format_date(appeal.due_date)} в соответствии с ч. 2 ст. 12 Федерального "
                f"закона от 02.05.2006 № 59-ФЗ.", f"Основание: {appeal.extension_reason}."]
        number, on = None, None
    elif kind == "forward":
        body = [f"Сообщаем, что Ваше обращение в соответствии с ч. 3 ст. 8 Федерального закона "
                f"от 02.05.2006 № 59-ФЗ направлено для рассмотрения по компетенции в "
                f"{appeal.forwarded_to}."]
        number, on = appeal.answer_number, appeal.forwarded_on
    else:
        raise ValueError(kind)
    return render_letter(Letter(
        number=number, on=on,
        addressee=_citizen_address(appeal.surname, appeal.name, appeal.patronymic, appeal.sex,
                                   appeal.address or appeal.email),
        greeting=greeting, paragraphs=body, signed_by=appeal.signed_by or "Директор",
        reference=reference,
        executor=appeal.assigned_to.short_name if appeal.assigned_to else None), config=config)


def decision_notice_pdf(notice, *, config) -> bytes:
    """Уведомление заявителю о принятом решении."""
    application = notice.application
    a = application.applicant
    decided = format_date(application.decided_at) if application.decided_at else ""
    if notice.decision == "granted":
        body = [f"Уведомляем Вас о том, что по Вашему заявлению от "
                f"{format_date(application.registered_at)} № {application.number} принято "
                f"решение о назначении меры социальной поддержки «{application.service.name}»."]
        if notice.reason:
            body.append(notice.reason)
    else:
        body = [f"Уведомляем Вас о том, что по Вашему заявлению от "
                f"{format_date(application.registered_at)} № {application.number} принято "
                f"решение об отказе в назначении меры социальной поддержки "
                f"«{application.service.name}».",
                f"Причина отказа: {notice.reason or '—'}.",
                "Решение может быть обжаловано в досудебном (внесудебном) порядке "
                "в вышестоящий орган или в судебном порядке."]
    if decided:
        body.append(f"Дата решения: {decided}.")
    return render_letter(Letter(
        number=notice.number, on=notice.created_at.date(), title="Уведомление",
        addressee=[dative_full(a.surname, a.name, a.patronymic, sex=a.sex)]
        + ([a.address] if a.address else []),
        greeting=salutation(a.name, a.patronymic, sex=a.sex, surname=a.surname),
        paragraphs=body, signed_by="Директор",
        executor=notice.created_by.short_name if notice.created_by else None), config=config)


def _past_verb(full_name: str | None, male: str, female: str) -> str:
    """«Передал» or «Передала» from the person's name (staff records keep no sex)."""
    words = (full_name or "").split()
    sex = guess_sex(words[1] if len(words) > 1 else None, words[2] if len(words) > 2 else None)
    return female if sex == "F" else male


def handover_act_pdf(handover, *, config) -> bytes:
    """Акт приёма-передачи документов."""
    leaver, receiver, approver = handover.leaver, handover.receiver, handover.approved_by
    period = f"с {format_date(handover.starts_on)}" + (
        f" по {format_date(handover.ends_on)}" if handover.ends_on else "")
    return act_pdf(HandoverAct(
        institution=(config["INSTITUTION_NAME"], config["SECTOR_NAME"]),
        number=handover.id, made_on=format_date(handover.created_at),
        approver_position=(approver.position or "") if approver else "Главный специалист",
        approver_name=approver.short_name if approver else "",
        reason=REASONS_INSTRUMENTAL[handover.reason],
        leaver=f"{leaver.full_name} ({leaver.position or 'специалист'})",
        receiver=f"{receiver.full_name} ({receiver.position or 'специалист'})",
        period=period,
        items=[ActItem(kind=i.kind_name, label=i.label, due=format_date(i.due_date))
               for i in handover.items],
        gave=f"{_past_verb(leaver.full_name, 'Передал', 'Передала')}: _______________ "
             f"{leaver.short_name}",
        took=f"{_past_verb(receiver.full_name, 'Принял', 'Приняла')}: _______________ "
             f"{receiver.short_name}"))

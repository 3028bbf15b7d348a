"""Registering and editing applicants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog.models import BeneficiaryCategory
from ..core.phone import normalize_phone
from ..core.snils import validate_snils
from ..core.text import clean_text, normalize_search
from ..errors import Conflict, InvalidInput
from .models import ID_DOC_TYPES, Applicant

EDITABLE_FIELDS = (
    "surname", "name", "patronymic", "birth_date", "sex", "snils", "id_doc_type",
    "id_doc_series", "id_doc_number", "id_doc_issued_by", "id_doc_issue_date",
    "address", "phone", "email", "email_consent",
)


@dataclass
class DuplicateWarning:
    """Another applicant has the same full name and birth date (the user may proceed)."""

    others: list[Applicant]


def search_keys(surname: str, name: str, patronymic: str | None) -> dict[str, str | None]:
    """The applicant's indexed search columns, each searched by prefix.

    ``search_name`` "соколова-микитова вера андреевна", ``search_initials``
    "соколова-микитова в а", ``search_alt`` the name from the second part of a double
    surname on, "микитова вера андреевна" (None for a single surname), ``search_given``
    "вера андреевна".
    """
    given = normalize_search(" ".join(p for p in (name, patronymic) if p))
    surname_key = normalize_search(surname)
    parts = surname_key.split("-", 1)
    return {
        "search_name": normalize_search(f"{surname_key} {given}"),
        "search_initials": " ".join(
            [surname_key] + [normalize_search(p)[0] for p in (name, patronymic) if p]),
        "search_alt": f"{parts[1]} {given}".strip() if len(parts) == 2 and parts[1] else None,
        "search_given": given or None,
    }


def birth_date_problem(birth: date, *, today: date) -> str | None:
    """What is wrong with a birth date (None when nothing): the form and _clean share it."""
    if birth > today:
        return "Дата рождения не может быть в будущем"
    if birth.year < 1900:
        return "Проверьте год рождения"
    return None


def issue_date_problem(issue: date | None, *, birth: date | None, today: date) -> str | None:
    """What is wrong with the identity document's issue date (None when nothing)."""
    if issue and (issue > today or (birth is not None and issue < birth)):
        return "Дата выдачи документа должна быть между датой рождения и сегодняшним днём"
    return None


def _clean(values: dict, *, today: date) -> dict:
    data = {k: values.get(k) for k in EDITABLE_FIELDS if k in values}
    for key in ("surname", "name", "patronymic", "id_doc_series", "id_doc_number",
                "id_doc_issued_by", "address", "phone", "email"):
        if isinstance(data.get(key), str):
            data[key] = " ".join(clean_text(data[key]).split()) or None
    for key in ("surname", "name"):
        if not data.get(key):
            raise InvalidInput("Обязательное поле", field=key)
    if data.get("snils"):
        try:
            data["snils"] = validate_snils(data["snils"])
        except ValueError as exc:
            raise InvalidInput(str(exc), field="snils") from exc
    else:
        data["snils"] = None
    if data.get("phone"):
        try:
            data["phone"] = normalize_phone(data["phone"])
        except ValueError as exc:
            raise InvalidInput(str(exc), field="phone") from exc
    birth = data.get("birth_date")
    if birth is None:
        raise InvalidInput("Укажите дату рождения", field="birth_date")
    problem = birth_date_problem(birth, today=today)
    if problem:
        raise InvalidInput(problem, field="birth_date")
    problem = issue_date_problem(data.get("id_doc_issue_date"), birth=birth, today=today)
    if problem:
        raise InvalidInput(problem, field="id_doc_issue_date")
    data["email_consent"] = bool(data.get("email_consent")) and bool(data.get("email"))
    if data.get("sex") not in ("M", "F"):
        raise InvalidInput("Укажите пол", field="sex")
    if data.get("id_doc_type", "passport_ru") not in ID_DOC_TYPES:
        raise InvalidInput("Неизвестный вид документа", field="id_doc_type")
    return data


def find_duplicates(session: Session, *, surname: str, name: str, patronymic: str | None,
                    birth_date: date, exclude_id: int | None = None) -> list[Applicant]:
    search_name = search_keys(surname, name, patronymic)["search_name"]
    stmt = select(Applicant).where(
        Applicant.search_name == search_name, Applicant.birth_date == birth_date
    )
    if exclude_id:
        stmt = stmt.where(Applicant.id != exclude_id)
    return list(session.scalars(stmt))


def _check_snils_free(session: Session, snils: str | None, exclude_id: int | None) -> None:
    if not snils:
        return
    stmt = select(Applicant).where(Applicant.snils == snils)
    if exclude_id:
        stmt = stmt.where(Applicant.id != exclude_id)
    other = session.scalar(stmt)
    if other is not None:
        raise Conflict(
            f"Заявитель с этим СНИЛС уже зарегистрирован: {other.short_name}", field="snils"
        )


def _apply(session: Session, applicant: Applicant, data: dict, category_ids) -> None:
    for key, value in data.items():
        setattr(applicant, key, value)
    for key, value in search_keys(applicant.surname, applicant.name,
                                  applicant.patronymic).items():
        setattr(applicant, key, value)
    if category_ids is not None:
        applicant.categories = list(session.scalars(
            select(BeneficiaryCategory).where(BeneficiaryCategory.id.in_(category_ids))
        )) if category_ids else []


def create_applicant(session: Session, *, values: dict, today: date,
                     category_ids: list[int] | None = None, user_id: int | None = None,
                     confirm_duplicate: bool = False) -> Applicant | DuplicateWarning:
    """Register an applicant; same СНИЛС is refused, same name + birth date warns."""
    data = _clean(values, today=today)
    _check_snils_free(session, data["snils"], None)
    if not confirm_duplicate:
        others = find_duplicates(session, surname=data["surname"], name=data["name"],
                                 patronymic=data.get("patronymic"), birth_date=data["birth_date"])
        if others:
            return DuplicateWarning(others)
    applicant = Applicant(created_by_id=user_id)
    _apply(session, applicant, data, category_ids or [])
    session.add(applicant)
    session.flush()
    return applicant


def build_applicant(values: dict, *, today: date, user_id: int | None = None) -> Applicant:
    """A checked, unsaved applicant for a bulk import that has already checked the СНИЛС.

    The caller adds many at once and flushes once (the audit of the flush sees each).
    """
    applicant = Applicant(created_by_id=user_id)
    data = _clean(values, today=today)
    for key, value in data.items():
        setattr(applicant, key, value)
    for key, value in search_keys(applicant.surname, applicant.name,
                                  applicant.patronymic).items():
        setattr(applicant, key, value)
    return applicant


def update_applicant(session: Session, applicant: Applicant, *, values: dict, today: date,
                     expected_version: int | None = None,
                     category_ids: list[int] | None = None) -> Applicant:
    """Save changes unless someone else saved the applicant since the form was opened."""
    if expected_version is not None and expected_version != applicant.version:
        raise Conflict("Карточку заявителя изменил другой пользователь. Показана новая "
                       "версия — внесите изменения ещё раз.")
    data = _clean(values, today=today)
    _check_snils_free(session, data["snils"], applicant.id)
    _apply(session, applicant, data, category_ids)
    session.flush()
    return applicant

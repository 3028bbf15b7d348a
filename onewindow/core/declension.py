"""Russian names in grammatical cases for letters, via pytrovich (petrovich rules)."""

from __future__ import annotations

from functools import lru_cache

from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

from .text import _initial


@lru_cache(maxsize=1)
def _maker():
    return PetrovichDeclinationMaker()


@lru_cache(maxsize=1)
def _detector():
    return PetrovichGenderDetector()


def guess_sex(name: str | None, patronymic: str | None) -> str | None:
    """'M' or 'F' from the patronymic/first name; None when it cannot be told."""
    if not name and not patronymic:
        return None
    try:
        gender = _detector().detect(firstname=name or None, middlename=patronymic or None)
    except Exception:  # noqa: BLE001 - unknown names: ask the caller to say
        return None
    return {Gender.MALE: "M", Gender.FEMALE: "F"}.get(gender)


def _gender(sex: str | None, name: str | None, patronymic: str | None):
    sex = sex or guess_sex(name, patronymic)
    return Gender.FEMALE if sex == "F" else Gender.MALE


def _decline(part_kind, gender, case, value: str) -> str:
    if not value:
        return value
    # pytrovich declines each hyphen part of a double surname on its own rules.
    return "-".join(_maker().make(part_kind, gender, case, piece) for piece in value.split("-"))


def decline(surname: str | None, name: str | None, patronymic: str | None, *,
            sex: str | None, case: str = "dative") -> tuple[str, str, str]:
    """(surname, name, patronymic) in ``case``: dative, genitive, accusative, …"""
    gender = _gender(sex, name, patronymic)
    c = getattr(Case, case.upper())
    return (
        _decline(NamePart.LASTNAME, gender, c, (surname or "").strip()),
        _decline(NamePart.FIRSTNAME, gender, c, (name or "").strip()),
        _decline(NamePart.MIDDLENAME, gender, c, (patronymic or "").strip()),
    )


def dative_short(surname: str | None, name: str | None, patronymic: str | None, *,
                 sex: str | None) -> str:
    """'Иванов Иван Петрович' → 'Иванову И. П.' (the letter's address block)."""
    s, _n, _p = decline(surname, name, patronymic, sex=sex, case="dative")
    initials = " ".join(_initial(p.strip()) for p in (name, patronymic) if p and p.strip())
    return f"{s} {initials}".strip()


def dative_full(surname: str | None, name: str | None, patronymic: str | None, *,
                sex: str | None) -> str:
    return " ".join(p for p in decline(surname, name, patronymic, sex=sex) if p)


def salutation(name: str | None, patronymic: str | None, *, sex: str | None,
               surname: str | None = None) -> str:
    """'Уважаемый Иван Петрович!' / 'Уважаемая Анна Петровна!'."""
    female = (sex or guess_sex(name, patronymic)) == "F"
    word = "Уважаемая" if female else "Уважаемый"
    if name and patronymic:
        return f"{word} {name.strip()} {patronymic.strip()}!"
    if name:
        return f"{word} {name.strip()}!"
    if surname:
        return f"{word} {'госпожа' if female else 'господин'} {surname.strip()}!"
    return "Уважаемый заявитель!"

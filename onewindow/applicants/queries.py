"""Finding applicants as the specialist types."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.layout import to_cyrillic
from ..core.text import normalize_search, parse_date_ru
from ..errors import NotFound
from .models import Applicant

PREFIX_END = "\uffff"
_DIGITS = re.compile(r"[\d\s-]+")
_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[А-яЁё]")


def _prefix(column, prefix: str):
    """An index range instead of LIKE: SQLite's LIKE skips the index, lower() skips Cyrillic."""
    return (column >= prefix) & (column < prefix + PREFIX_END)


def _name_prefixes(norm: str) -> list[tuple]:
    """(column, prefix) pairs a normalised name query may match, most likely first."""
    tokens = norm.replace(".", " ").split()
    if len(tokens) >= 2 and all(len(t) == 1 for t in tokens[1:]):
        return [(Applicant.search_initials, " ".join(tokens[:3]))]
    pairs = [(Applicant.search_name, norm)]
    if " " in norm and "-" not in norm.split(" ", 1)[0]:
        # «Соколова Микитова» typed without the hyphen.
        pairs.append((Applicant.search_name, norm.replace(" ", "-", 1)))
    pairs += [(Applicant.search_alt, norm), (Applicant.search_given, norm)]
    return pairs


def _name_queries(raw: str) -> list[tuple]:
    norm = normalize_search(raw)
    pairs = _name_prefixes(norm)
    if _LATIN.search(raw) and not _CYRILLIC.search(raw):
        # A surname typed with the Latin layout active: «Rbctktdf» is Киселева.
        pairs += _name_prefixes(normalize_search(to_cyrillic(raw)))
    return pairs


def search_applicants(session: Session, query: str, *, limit: int = 20) -> list[Applicant]:
    """By СНИЛС (all or leading digits), birth date (дд.мм.гггг), surname prefix (any part
    of a double one, with or without the hyphen), "Фамилия И.О.", "Фамилия Имя",
    "Имя Отчество", or any of these typed with the Latin layout active."""
    raw = (query or "").strip()
    if not raw:
        return []
    if _DIGITS.fullmatch(raw):
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 3:
            return []
        column = Applicant.snils
        cond = column == digits if len(digits) == 11 else _prefix(column, digits)
        return list(session.scalars(select(Applicant).where(cond).order_by(column).limit(limit)))
    if _DATE.fullmatch(raw):
        try:
            born = parse_date_ru(raw)
        except ValueError:
            return []
        return list(session.scalars(
            select(Applicant).where(Applicant.birth_date == born)
            .order_by(Applicant.search_name).limit(limit)))
    # One index range per way of reading the query, each in its index's order and
    # limited, rather than one OR that would sort every match of a short prefix.
    found: dict[int, Applicant] = {}
    for column, prefix in _name_queries(raw):
        if len(found) >= limit:
            break
        stmt = (select(Applicant).where(_prefix(column, prefix))
                .order_by(column, Applicant.birth_date).limit(limit))
        for applicant in session.scalars(stmt):
            found.setdefault(applicant.id, applicant)
    return list(found.values())[:limit]


MAX_ID = 2**31 - 1


def get_applicant(session: Session, applicant_id: int) -> Applicant:
    if not 0 < applicant_id <= MAX_ID:  # PostgreSQL's integer would overflow
        raise NotFound("Заявитель не найден")
    applicant = session.get(Applicant, applicant_id)
    if applicant is None:
        raise NotFound("Заявитель не найден")
    return applicant

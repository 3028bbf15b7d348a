"""Finding applicants as the specialist types."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.text import normalize_search
from ..errors import NotFound
from .models import Applicant

PREFIX_END = "\uffff"
_DIGITS = re.compile(r"[\d\s-]+")


def _prefix(column, prefix: str):
    """An index range instead of LIKE: SQLite's LIKE skips the index, lower() skips Cyrillic."""
    return (column >= prefix) & (column < prefix + PREFIX_END)


def search_applicants(session: Session, query: str, *, limit: int = 20) -> list[Applicant]:
    """By СНИЛС (all or leading digits), surname prefix, "Фамилия И.О." or "Фамилия Имя"."""
    raw = (query or "").strip()
    if not raw:
        return []
    if _DIGITS.fullmatch(raw):
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 3:
            return []
        column = Applicant.snils
        cond = column == digits if len(digits) == 11 else _prefix(column, digits)
        order = (column,)
    else:
        tokens = normalize_search(raw.replace(".", " ")).split()
        if len(tokens) >= 2 and all(len(t) == 1 for t in tokens[1:]):
            column, prefix = Applicant.search_initials, " ".join(tokens[:3])
        else:
            column, prefix = Applicant.search_name, normalize_search(raw)
        cond = _prefix(column, prefix)
        # The same order as the (column, birth_date) index: no sort of all matches.
        order = (column, Applicant.birth_date)
    stmt = select(Applicant).where(cond).order_by(*order).limit(limit)
    return list(session.scalars(stmt))


MAX_ID = 2**31 - 1


def get_applicant(session: Session, applicant_id: int) -> Applicant:
    if not 0 < applicant_id <= MAX_ID:  # PostgreSQL's integer would overflow
        raise NotFound("Заявитель не найден")
    applicant = session.get(Applicant, applicant_id)
    if applicant is None:
        raise NotFound("Заявитель не найден")
    return applicant

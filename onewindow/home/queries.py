"""What the header's «Открыть» field names: any number the office writes or scans.

Application numbers (``2026-000601``, ``2026000601``, ``601`` of this year), registry
numbers (ВХ-/ИСХ-/ОГ-), today's tickets (``А-001``), case and box codes, a СНИЛС; each
typed with either keyboard layout active. Anything else is a name for the applicant search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..applicants.models import Applicant
from ..archive import queries as archive_queries
from ..core.keyboard import scan_variants
from ..core.snils import normalize_snils
from ..intake.queries import find_by_number
from ..queue.models import Ticket
from ..registry.models import Appeal, Request

__all__ = ["Found", "open_code"]

_APPLICATION = re.compile(r"(\d{4})-?(\d{6})")
_SHORT_APPLICATION = re.compile(r"\d{1,6}")
_REGISTRY = re.compile(r"(ВХ|ИСХ|ОГ)-?(\d{4})-?(\d{1,5})")
_TICKET = re.compile(r"([А-ЯЁ]{1,2})-?(\d{1,3})")
_SNILS = re.compile(r"\d{3}[- ]?\d{3}[- ]?\d{3}[- ]?\d{2}")


@dataclass(frozen=True)
class Found:
    """What a code opens: ``kind`` is application, request, appeal, ticket, case, box,
    applicant, or search (no object: a name to look for) or unknown."""

    kind: str
    obj: Any = None


def _application(session: Session, code: str, *, today: date):
    match = _APPLICATION.fullmatch(code)
    if match:
        return find_by_number(session, f"{match[1]}-{match[2]}")
    if _SHORT_APPLICATION.fullmatch(code):
        return find_by_number(session, f"{today.year}-{int(code):06d}")
    return None


def _registry(session: Session, code: str) -> Found | None:
    match = _REGISTRY.fullmatch(code.upper())
    if not match:
        return None
    number = f"{match[1]}-{match[2]}-{int(match[3]):05d}"
    if match[1] == "ОГ":
        appeal = session.scalar(select(Appeal).where(Appeal.number == number))
        return Found("appeal", appeal) if appeal else None
    found = session.scalar(select(Request).where(Request.number == number))
    return Found("request", found) if found else None


def _ticket(session: Session, code: str, *, today: date) -> Found | None:
    match = _TICKET.fullmatch(code.upper())
    if not match:
        return None
    ticket = session.scalar(select(Ticket).where(
        Ticket.day == today, Ticket.number == f"{match[1]}-{int(match[2]):03d}"))
    return Found("ticket", ticket) if ticket else None


def open_code(session: Session, code: str, *, today: date) -> Found:
    """What ``code`` names (see the module's docstring); ``search`` for a name."""
    code = (code or "").strip()
    if not code:
        return Found("unknown")
    if _SNILS.fullmatch(code):
        applicant = session.scalar(
            select(Applicant).where(Applicant.snils == normalize_snils(code)))
        return Found("applicant", applicant) if applicant else Found("unknown")
    application = _application(session, code, today=today)
    if application is not None:
        return Found("application", application)
    for variant in scan_variants(code):
        found = _registry(session, variant) or _ticket(session, variant, today=today)
        if found is not None:
            return found
    hit = archive_queries.resolve_code(session, code)
    if hit.kind != "unknown":
        return Found(hit.kind, hit.obj)
    if re.fullmatch(r"[^\W\d_]+(?:[\s.-]+[^\W\d_]*)*", code):
        return Found("search")
    return Found("unknown")

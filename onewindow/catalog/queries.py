from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, selectinload

from ..core.text import normalize_search
from ..errors import NotFound
from .models import BeneficiaryCategory, Service, ServiceGroup


def active_services(session: Session) -> list[Service]:
    return list(session.scalars(
        select(Service).where(Service.active).order_by(Service.short_name)
    ))


def all_services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).order_by(Service.short_name)))


def service_by_code(session: Session, code: str) -> Service:
    service = session.scalar(
        select(Service).where(Service.code == (code or "").upper())
        .options(selectinload(Service.documents), selectinload(Service.categories))
    )
    if service is None:
        raise NotFound("Услуга не найдена")
    return service


def search_services(session: Session, query: str) -> list[Service]:
    """Services whose words contain every word of the query (any word form's stem)."""
    words = normalize_search(query).split()
    stmt = select(Service).where(Service.active)
    if words:
        # The catalog has ~30 rows: a substring match per word is instant and finds
        # "газ" in "газификация" and "донор" in "донорам".
        stmt = stmt.where(and_(*(Service.search_text.contains(w, autoescape=True) for w in words)))
    return list(session.scalars(stmt.order_by(Service.short_name)))


def categories(session: Session, *, only_active: bool = False) -> list[BeneficiaryCategory]:
    stmt = select(BeneficiaryCategory).order_by(BeneficiaryCategory.name)
    if only_active:
        stmt = stmt.where(BeneficiaryCategory.active)
    return list(session.scalars(stmt))


def group_services(services: list[Service]) -> list[tuple[ServiceGroup, list[Service]]]:
    """Services under their groups, groups in name order (empty groups left out)."""
    groups: dict[str, tuple[ServiceGroup, list[Service]]] = {}
    for service in services:
        groups.setdefault(service.group_code, (service.group, []))[1].append(service)
    return sorted(groups.values(), key=lambda pair: pair[0].name)


def service_groups(session: Session) -> list[ServiceGroup]:
    return list(session.scalars(select(ServiceGroup).order_by(ServiceGroup.name)))

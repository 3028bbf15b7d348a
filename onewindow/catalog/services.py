"""Catalog of services: seeding from the built-in data, editing by an admin."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.text import normalize_search
from ..errors import InvalidInput
from . import seed_data
from .models import BeneficiaryCategory, Service, ServiceDocument, ServiceGroup


def build_search_text(service: Service) -> str:
    """Every word a visitor may ask about: names, description, eligibility, documents."""
    parts = [service.code, service.short_name, service.name, service.description,
             service.eligibility, service.result]
    parts += [d.name for d in service.documents]
    parts += [c.name for c in service.categories]
    return normalize_search(" ".join(p for p in parts if p))


def seed_catalog(session: Session) -> dict[str, int]:
    """Load the built-in catalog; existing rows (maybe edited by an admin) are kept.

    Idempotent: a second run adds nothing and changes nothing.
    """
    added = {"groups": 0, "categories": 0, "services": 0}
    for code, name in seed_data.SERVICE_GROUPS:
        if session.get(ServiceGroup, code) is None:
            session.add(ServiceGroup(code=code, name=name))
            added["groups"] += 1
    existing_categories = {c.code: c for c in session.scalars(select(BeneficiaryCategory))}
    for code, name in seed_data.BENEFICIARY_CATEGORIES:
        if code not in existing_categories:
            existing_categories[code] = BeneficiaryCategory(code=code, name=name)
            session.add(existing_categories[code])
            added["categories"] += 1
    session.flush()
    existing_services = set(session.scalars(select(Service.code)))
    for item in seed_data.SERVICES:
        if item["code"] in existing_services:
            continue
        service = Service(
            code=item["code"], short_name=item["short_name"], name=item["name"],
            department=item["department"], group_code=item["group"],
            description=item["description"], eligibility=item["eligibility"],
            result=item["result"], deadline_days=item["deadline_days"],
            retention_years=item["retention_years"],
            retention_permanent=item["retention_permanent"],
            expert_review=item["expert_review"],
        )
        service.documents = [
            ServiceDocument(position=i, name=d["name"], form=d["form"],
                            mandatory=d["mandatory"], interagency=d["interagency"])
            for i, d in enumerate(item["documents"], start=1)
        ]
        service.categories = [existing_categories[c] for c in item["categories"]]
        service.search_text = build_search_text(service)
        session.add(service)
        added["services"] += 1
    session.flush()
    return added


def update_service(session: Session, service: Service, *, fields: dict,
                   documents: list[dict], category_ids: list[int]) -> Service:
    """Replace a service's editable fields, checklist and categories in one go."""
    if fields.get("deadline_days") is not None and fields["deadline_days"] <= 0:
        raise InvalidInput("Срок должен быть положительным", field="deadline_days")
    for key, value in fields.items():
        setattr(service, key, value)
    if service.retention_permanent:
        service.retention_years = None
    elif not service.retention_years:
        raise InvalidInput("Укажите срок хранения или отметьте «постоянно»",
                           field="retention_years")
    if not documents:
        raise InvalidInput("В перечне должен быть хотя бы один документ", field="documents")
    service.documents.clear()
    session.flush()
    service.documents.extend(
        ServiceDocument(position=i, name=d["name"].strip(), form=d["form"],
                        mandatory=d["mandatory"], interagency=d["interagency"])
        for i, d in enumerate(documents, start=1)
    )
    service.categories = list(
        session.scalars(select(BeneficiaryCategory).where(BeneficiaryCategory.id.in_(category_ids)))
    ) if category_ids else []
    service.search_text = build_search_text(service)
    session.flush()
    return service

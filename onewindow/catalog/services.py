"""Catalog of services: seeding from the built-in data, editing by an admin."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.text import normalize_search
from ..errors import Conflict, InvalidInput
from . import seed_data
from .models import FORM_LABELS, BeneficiaryCategory, Service, ServiceDocument, ServiceGroup


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


MAX_DEADLINE_DAYS = 365
MAX_RETENTION_YEARS = 100
REQUIRED_FIELDS = {
    "short_name": "Укажите краткое наименование",
    "name": "Укажите полное наименование",
    "department": "Укажите ответственный отдел",
}


def _check_service_fields(session: Session, service: Service, fields: dict) -> None:
    for key, message in REQUIRED_FIELDS.items():
        if key in fields and not (fields[key] or "").strip():
            raise InvalidInput(message, field=key)
    if "group_code" in fields and session.get(ServiceGroup, fields["group_code"] or "") is None:
        raise InvalidInput("Выберите группу услуг из списка", field="group_code")
    deadline = fields.get("deadline_days", service.deadline_days)
    if deadline is None or not 0 < deadline <= MAX_DEADLINE_DAYS:
        raise InvalidInput(
            f"Срок — целое число рабочих дней от 1 до {MAX_DEADLINE_DAYS}", field="deadline_days"
        )
    permanent = fields.get("retention_permanent", service.retention_permanent)
    years = fields.get("retention_years", service.retention_years)
    if not permanent and (not years or not 0 < years <= MAX_RETENTION_YEARS):
        raise InvalidInput("Укажите срок хранения (1–100 лет) или отметьте «постоянно»",
                           field="retention_years")


def _check_documents(documents: list[dict]) -> None:
    if not documents:
        raise InvalidInput("В перечне должен быть хотя бы один документ", field="documents")
    for n, doc in enumerate(documents, start=1):
        if not (doc.get("name") or "").strip():
            raise InvalidInput(f"Документ {n}: укажите наименование", field="documents")
        if doc.get("form") not in FORM_LABELS:
            raise InvalidInput(f"Документ {n}: выберите «подлинник» или «копия»",
                               field="documents")


def update_service(session: Session, service: Service, *, fields: dict,
                   documents: list[dict], category_ids: list[int]) -> Service:
    """Replace a service's editable fields, checklist and categories in one go.

    Everything is checked before anything changes, so a refusal leaves the service as it was.
    Documents keep the given order (positions 1, 2, …).
    """
    _check_service_fields(session, service, fields)
    _check_documents(documents)
    chosen = list(session.scalars(
        select(BeneficiaryCategory).where(BeneficiaryCategory.id.in_(category_ids))
    )) if category_ids else []
    if len(chosen) != len(set(category_ids)):
        raise InvalidInput("Неизвестная категория получателей", field="categories")
    for key, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(service, key, value)
    if service.retention_permanent:
        service.retention_years = None
    service.documents.clear()
    session.flush()
    service.documents.extend(
        ServiceDocument(position=i, name=" ".join(d["name"].split()), form=d["form"],
                        mandatory=bool(d["mandatory"]), interagency=bool(d["interagency"]))
        for i, d in enumerate(documents, start=1)
    )
    service.categories = chosen
    service.search_text = build_search_text(service)
    session.flush()
    return service


def _clean_category_name(session: Session, name: str, *, exclude_id: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("Укажите наименование категории", field="name")
    if len(name) > 200:
        raise InvalidInput("Наименование не длиннее 200 символов", field="name")
    for other in session.scalars(select(BeneficiaryCategory)):
        if other.id != exclude_id and normalize_search(other.name) == normalize_search(name):
            raise Conflict("Такая категория уже есть", field="name")
    return name


def add_category(session: Session, *, name: str) -> BeneficiaryCategory:
    """Add a beneficiary category; its code is generated (seeded ones keep theirs)."""
    name = _clean_category_name(session, name)
    category = BeneficiaryCategory(code="c-" + uuid.uuid4().hex[:12], name=name, active=True)
    session.add(category)
    session.flush()
    return category


def rename_category(session: Session, category: BeneficiaryCategory, *,
                    name: str) -> BeneficiaryCategory:
    category.name = _clean_category_name(session, name, exclude_id=category.id)
    session.flush()
    # Category names are part of the services' search words.
    for service in session.scalars(
        select(Service).where(Service.categories.any(BeneficiaryCategory.id == category.id))
    ):
        service.search_text = build_search_text(service)
    session.flush()
    return category


def set_category_active(session: Session, category: BeneficiaryCategory, *,
                        active: bool) -> BeneficiaryCategory:
    """Deactivate (or bring back) a category; categories are never deleted."""
    category.active = active
    session.flush()
    return category

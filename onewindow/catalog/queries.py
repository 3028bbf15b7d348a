from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..core.morphology import lemmas, words
from ..errors import NotFound
from .models import BeneficiaryCategory, Service, ServiceGroup


def active_services(session: Session) -> list[Service]:
    return list(session.scalars(
        select(Service).where(Service.active).order_by(Service.short_name)
    ))


def all_services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).order_by(Service.short_name)))


_service_ids: dict[tuple[str, str], int] = {}  # (database, code) → id: ids never change


def find_service(session: Session, code: str | None) -> Service | None:
    """The service with this code (any case), or None.

    A registration asks in its view and again in its service: the second time, and in
    every later request of the process, the row comes by its id from the session, read
    at most once per transaction (a code renamed since is looked up again).
    """
    code = (code or "").strip().upper()
    key = (str(session.get_bind().url), code)
    known = _service_ids.get(key)
    if known is not None:
        service = session.get(Service, known)
        if service is not None and service.code == code:
            return service
    service = session.scalar(select(Service).where(Service.code == code))
    if service is not None:
        _service_ids[key] = service.id
    return service


def service_by_code(session: Session, code: str) -> Service:
    service = session.scalar(
        select(Service).where(Service.code == (code or "").upper())
        .options(selectinload(Service.documents), selectinload(Service.categories))
    )
    if service is None:
        raise NotFound("Услуга не найдена")
    return service


# Where a word of the query is found, from most telling: a service whose name says it
# comes before one whose documents or eligibility only mention it.
_FIELD_WEIGHTS = (("code", 16), ("short_name", 8), ("name", 4), ("description", 2),
                  ("eligibility", 1), ("result", 1))


def _fields(service: Service) -> list[tuple[int, frozenset[str], frozenset[str]]]:
    """(weight, words, lemmas) of each searched field of the service."""
    texts = [(weight, getattr(service, attr)) for attr, weight in _FIELD_WEIGHTS]
    texts.append((1, " ".join([d.name for d in service.documents]
                              + [c.name for c in service.categories])))
    return [_field(weight, text or "") for weight, text in texts]


@lru_cache(maxsize=4_000)
def _field(weight: int, text: str) -> tuple[int, frozenset[str], frozenset[str]]:
    found = frozenset(words(text))
    return weight, found, frozenset().union(*(lemmas(w) for w in found))


def _score(service: Service, query: list[str]) -> tuple[int, int]:
    """(sum of each word's best field weight, sum of every matching field's weight);
    (0, 0) unless every query word starts a word of the service or shares its lemma."""
    best_total = all_total = 0
    fields = _fields(service)
    for word in query:
        forms = lemmas(word)
        weights = [weight for weight, text_words, text_lemmas in fields
                   if forms & text_lemmas or any(t.startswith(word) for t in text_words)]
        if not weights:
            return 0, 0
        best_total += max(weights)
        all_total += sum(weights)
    return best_total, all_total


def search_services(session: Session, query: str) -> list[Service]:
    """Active services matching every word of the query, in any word form, best first.

    The catalog has ~30 rows: they are ranked in Python (a word in the name before one in
    the documents), with pymorphy3's lemmas: «ребенок» and «детей» find «на ребёнка».
    """
    query_words = words(query)
    stmt = (select(Service).where(Service.active).order_by(Service.short_name)
            .options(selectinload(Service.documents), selectinload(Service.categories),
                     selectinload(Service.group)))
    services = list(session.scalars(stmt))
    if not query_words:
        return services
    scored = [(score, service) for service in services
              if (score := _score(service, query_words))[0]]
    # A stable sort: equal scores keep the short-name order.
    return [service for _score_, service in
            sorted(scored, key=lambda pair: (-pair[0][0], -pair[0][1]))]


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

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..catalog.models import Service
from ..database import Page, paginate
from .models import OPEN_STATUSES, Application


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min)
    return start, start + timedelta(days=1)


def accepted_on(session: Session, *, user_id: int | None, day: date) -> list[Application]:
    """Applications registered on ``day`` (by one specialist, or by all when user_id is None)."""
    start, end = _day_bounds(day)
    stmt = (
        select(Application)
        .where(Application.registered_at >= start, Application.registered_at < end)
        .options(selectinload(Application.documents), selectinload(Application.applicant),
                 selectinload(Application.service))
        .order_by(Application.registered_at, Application.id)
    )
    if user_id is not None:
        stmt = stmt.where(Application.registered_by_id == user_id)
    return list(session.scalars(stmt))


# Named lists of applications: the home page shows the first rows of each under a heading
# with the list's full count, and links to the whole list (intake.list_applications).
LIST_TITLES = {
    "overdue": "Просроченные заявления",
    "due": "Заявления в работе со сроком в ближайшие 3 дня",
    "today": "Принятые сегодня",
}
DUE_DAYS = 3


def _list_conditions(view: str, *, today: date, user_id: int | None) -> list:
    if view == "overdue":
        conds = [Application.status.in_(OPEN_STATUSES), Application.deadline < today]
    elif view == "due":
        conds = [Application.status.in_(OPEN_STATUSES), Application.deadline >= today,
                 Application.deadline <= today + timedelta(days=DUE_DAYS)]
    elif view == "today":
        start, end = _day_bounds(today)
        conds = [Application.registered_at >= start, Application.registered_at < end]
    else:
        raise ValueError(f"unknown list {view!r}")
    if user_id is not None:
        conds.append(Application.registered_by_id == user_id)
    return conds


def _list_statement(view: str, *, today: date, user_id: int | None):
    order = ((Application.registered_at, Application.id) if view == "today"
             else (Application.deadline, Application.id))
    return (select(Application)
            .where(*_list_conditions(view, today=today, user_id=user_id)).order_by(*order)
            .options(selectinload(Application.applicant), selectinload(Application.service)))


def application_list(session: Session, view: str, *, today: date, user_id: int | None = None,
                     limit: int) -> tuple[int, list[Application]]:
    """The full count of a named list (LIST_TITLES) and its first ``limit`` rows."""
    conds = _list_conditions(view, today=today, user_id=user_id)
    total = session.scalar(select(func.count()).select_from(Application).where(*conds)) or 0
    stmt = _list_statement(view, today=today, user_id=user_id)
    return total, list(session.scalars(stmt.limit(limit)))


def application_page(session: Session, view: str, *, today: date, user_id: int | None = None,
                     page: int = 1) -> Page:
    """A named list in full, a page at a time."""
    return paginate(session, _list_statement(view, today=today, user_id=user_id), page=page)


def recent_for_user(session: Session, *, user_id: int, limit: int = 30) -> list[Application]:
    return list(session.scalars(
        select(Application).where(Application.registered_by_id == user_id)
        .order_by(Application.registered_at.desc()).limit(limit)
    ))


def find_by_number(session: Session, number: str) -> Application | None:
    return session.scalar(select(Application).where(Application.number == number.strip()))


def services_by_use(session: Session, *, user_id: int, since: datetime) -> list[Service]:
    """Active services, those this specialist registered most often since ``since`` first."""
    used = (
        select(Application.service_id, func.count().label("n"))
        .where(Application.registered_by_id == user_id, Application.registered_at >= since)
        .group_by(Application.service_id).subquery()
    )
    return list(session.scalars(
        select(Service).outerjoin(used, used.c.service_id == Service.id)
        .where(Service.active)
        .order_by(func.coalesce(used.c.n, 0).desc(), Service.short_name)
    ))

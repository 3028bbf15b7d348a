"""Reads: the ratings report (by specialist, desk, service, day) and the complaints list."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..auth.models import User
from ..catalog.models import Service
from ..queue.models import Desk
from ..reporting import charts
from ..reporting.periods import Period
from ..reporting.tables import DATE, DECIMAL, INT, PERCENT, Column, Report, Table
from .models import FeedbackDevice, Rating


@dataclass
class RatingLine:
    name: str
    scores: Counter = field(default_factory=Counter)
    complaints: int = 0

    @property
    def count(self) -> int:
        return sum(self.scores.values())

    @property
    def average(self) -> float | None:
        return sum(k * v for k, v in self.scores.items()) / self.count if self.count else None

    @property
    def good_share(self) -> float | None:
        return (self.scores[4] + self.scores[5]) / self.count if self.count else None

    def row(self) -> list:
        return [self.count, self.average, self.good_share] + \
            [self.scores.get(s, 0) for s in (1, 2, 3, 4, 5)] + [self.complaints]


COLUMNS = [Column("Оценок", INT), Column("Средняя", DECIMAL), Column("Доля 4–5", PERCENT)] + \
    [Column(f"«{s}»", INT) for s in (1, 2, 3, 4, 5)] + [Column("Жалоб", INT)]


def ratings_report(session: Session, *, period: Period, **_) -> Report:
    rows = session.execute(
        select(Rating.at, Rating.score, Rating.complaint, User.full_name, Desk.number,
               Service.code, Service.short_name)
        .outerjoin(User, User.id == Rating.specialist_id)
        .outerjoin(Desk, Desk.id == Rating.desk_id)
        .outerjoin(Service, Service.id == Rating.service_id)
        .where(Rating.at >= period.start_at, Rating.at < period.end_before)
    ).all()
    total = RatingLine("Итого")
    groups: dict[str, dict] = {"specialist": {}, "desk": {}, "service": {}}
    days = {d: RatingLine(d.strftime("%d.%m.%Y")) for d in period.days}
    for at, score, complaint, person, desk, code, sname in rows:
        keys = {"specialist": person or "не определён",
                "desk": f"Окно {desk}" if desk is not None else "не определено",
                "service": f"{code} — {sname}" if code else "не определена"}
        lines = [total, days.setdefault(at.date(), RatingLine(at.strftime("%d.%m.%Y")))]
        lines += [groups[g].setdefault(k, RatingLine(k)) for g, k in keys.items()]
        for line in lines:
            line.scores[score] += 1
            line.complaints += bool(complaint)
    tables = []
    for key, title, first in (("specialist", "По специалистам", "Специалист"),
                              ("desk", "По окнам", "Окно"),
                              ("service", "По услугам", "Услуга")):
        table = Table(title, [Column(first)] + COLUMNS, key=key)
        table.rows = [[line.name] + line.row()
                      for line in sorted(groups[key].values(), key=lambda x: x.name)]
        table.total = ["Итого"] + total.row()
        tables.append(table)
    by_day = Table("По дням", [Column("Дата", DATE)] + COLUMNS, key="days")
    by_day.rows = [[d] + days[d].row() for d in sorted(days)]
    by_day.total = ["Итого"] + total.row()
    tables.append(by_day)
    report = Report("ratings", "Оценки посетителей", period, tables=tables)
    report.summary = [
        ("Оценок", total.count),
        ("Средняя оценка", "—" if total.average is None
         else f"{total.average:.2f}".replace(".", ",")),
        ("Жалоб (оценка 1–2 с комментарием)", total.complaints),
    ]
    ordered = sorted(days)
    report.charts = [
        charts.bar_chart("Распределение оценок", ["1", "2", "3", "4", "5"],
                         [("Оценок", [total.scores.get(s, 0) for s in (1, 2, 3, 4, 5)])]),
        charts.line_chart("Средняя оценка по дням", [d.strftime("%d.%m") for d in ordered],
                          [("Средняя", [days[d].average for d in ordered])]),
    ]
    return report


def complaints(session: Session, *, reviewed: bool, limit: int = 200) -> list[Rating]:
    query = (select(Rating).where(Rating.complaint)
             .options(selectinload(Rating.desk), selectinload(Rating.specialist),
                      selectinload(Rating.service))
             .order_by(Rating.at.desc()).limit(limit))
    query = query.where(Rating.reviewed_at.is_not(None) if reviewed
                        else Rating.reviewed_at.is_(None))
    return list(session.scalars(query))


def open_complaints_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Rating).where(
        Rating.complaint, Rating.reviewed_at.is_(None))) or 0


def devices(session: Session) -> list[FeedbackDevice]:
    return list(session.scalars(select(FeedbackDevice).order_by(FeedbackDevice.id)))

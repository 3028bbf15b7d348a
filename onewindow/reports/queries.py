"""Aggregations behind the reports: intake, queue, working time, proactive service.

Every function takes the session first and keyword-only values (the period, ``today``),
reads narrow rows and returns plain figures; ``builders.py`` turns them into reports.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from ..applicants.models import Applicant, applicant_categories
from ..auth.models import User
from ..catalog.models import BeneficiaryCategory, Service, service_categories
from ..core import clock
from ..intake.models import DECIDED_STATUSES, OPEN_STATUSES, STATUS_NAMES, Application
from ..queue.models import DESK_END_REASONS, Desk, DeskSession, Ticket, VisitPurpose
from ..reporting.periods import MONTHS, Period, period_of

WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


# --- statistics helpers ---------------------------------------------------------------

def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: p90 of 10 values is the 9th smallest (as the queue panel)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def to_minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


# --- intake ---------------------------------------------------------------------------

@dataclass
class IntakeLine:
    """Figures of one group (a service, a specialist, the office)."""

    key: object
    name: str
    registered: int = 0
    open: int = 0
    overdue: int = 0
    decided: int = 0
    on_time: int = 0
    late: int = 0
    cancelled: int = 0
    statuses: Counter = field(default_factory=Counter)

    @property
    def on_time_share(self) -> float | None:
        return share(self.on_time, self.decided)

    def add(self, status: str, deadline: date, decided_at: datetime | None, today: date):
        self.registered += 1
        self.statuses[status] += 1
        if status == "cancelled":
            self.cancelled += 1
        elif status in OPEN_STATUSES:
            self.open += 1
            if deadline < today:
                self.overdue += 1
        if status in DECIDED_STATUSES and decided_at is not None:
            self.decided += 1
            if decided_at.date() <= deadline:
                self.on_time += 1
            else:
                self.late += 1


@dataclass
class IntakeFigures:
    period: Period
    total: IntakeLine
    by_service: list[IntakeLine]
    by_specialist: list[IntakeLine]
    by_day: list[tuple[date, int]]
    open_now: int
    overdue_now: int


def intake_figures(session: Session, *, period: Period, today: date) -> IntakeFigures:
    """Applications registered in the period by service, status and specialist."""
    rows = session.execute(
        select(Application.service_id, Service.code, Service.short_name,
               Application.registered_by_id, User.full_name, Application.status,
               Application.deadline, Application.decided_at, Application.registered_at)
        .join(Service, Service.id == Application.service_id)
        .join(User, User.id == Application.registered_by_id)
        .where(Application.registered_at >= period.start_at,
               Application.registered_at < period.end_before)
    ).all()
    total = IntakeLine(None, "Итого")
    services: dict[int, IntakeLine] = {}
    people: dict[int, IntakeLine] = {}
    per_day: Counter = Counter()
    for sid, code, sname, uid, uname, status, deadline, decided_at, registered_at in rows:
        for line in (total,
                     services.setdefault(sid, IntakeLine(code, f"{code} — {sname}")),
                     people.setdefault(uid, IntakeLine(uid, uname))):
            line.add(status, deadline, decided_at, today)
        per_day[registered_at.date()] += 1
    open_now, overdue_now = session.execute(
        select(func.count(), func.count().filter(Application.deadline < today))
        .where(Application.status.in_(OPEN_STATUSES))
    ).one()
    return IntakeFigures(
        period=period, total=total,
        by_service=sorted(services.values(), key=lambda x: (-x.registered, x.name)),
        by_specialist=sorted(people.values(), key=lambda x: (-x.registered, x.name)),
        by_day=[(d, per_day.get(d, 0)) for d in period.days],
        open_now=open_now or 0, overdue_now=overdue_now or 0,
    )


STATUS_ORDER = tuple(STATUS_NAMES)


# --- queue ----------------------------------------------------------------------------

@dataclass
class QueueLine:
    """Figures of a group of tickets: waits and services in seconds."""

    key: object
    name: str
    visitors: int = 0
    served: int = 0
    no_show: int = 0
    out_of_turn: int = 0
    booked: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)
    within: int = 0

    @property
    def avg_wait(self):
        return to_minutes(mean(self.waits))

    @property
    def p90_wait(self):
        return to_minutes(percentile(self.waits, 90))

    @property
    def max_wait(self):
        return to_minutes(max(self.waits, default=None))

    @property
    def avg_service(self):
        return to_minutes(mean(self.services))

    @property
    def p90_service(self):
        return to_minutes(percentile(self.services, 90))

    @property
    def max_service(self):
        return to_minutes(max(self.services, default=None))

    @property
    def within_share(self) -> float | None:
        return share(self.within, len(self.waits))


@dataclass
class QueueFigures:
    period: Period
    standard_minutes: int
    total: QueueLine
    by_day: list[QueueLine]
    by_hour: list[QueueLine]
    by_desk: list[QueueLine]
    by_purpose: list[QueueLine]
    heat: list[list[int]]  # 7 weekdays × hours
    hours: list[int]


def _ticket_rows(session: Session, period: Period):
    """The period's tickets, streamed in chunks: a region's year is 375 000 of them, which
    read at once made the worker 700 MB."""
    return session.execute(
        select(Ticket.day, Ticket.issued_at, Ticket.queued_at, Ticket.due_at,
               Ticket.first_called_at, Ticket.started_at, Ticket.finished_at, Ticket.status,
               Ticket.priority, Ticket.desk_id, Desk.number, Ticket.purpose_id,
               VisitPurpose.letter, VisitPurpose.name)
        .join(VisitPurpose, VisitPurpose.id == Ticket.purpose_id)
        .outerjoin(Desk, Desk.id == Ticket.desk_id)
        .where(Ticket.day >= period.start, Ticket.day <= period.end)
        .order_by(Ticket.issued_at)
        .execution_options(yield_per=5000))


def queue_figures(session: Session, *, period: Period, standard_minutes: int = 15,
                  hours: tuple[int, int] = (8, 19)) -> QueueFigures:
    """Visitors, waits and services by day, hour, desk and purpose; the weekday × hour map.

    The wait runs from the issue (or the booked time, if later) to the first call; the
    service from the start to the finish. A wait counts as within the standard when it is
    at most ``standard_minutes``.
    """
    rows = _ticket_rows(session, period)
    limit = standard_minutes * 60
    total = QueueLine(None, "Итого")
    days = {d: QueueLine(d, d.strftime("%d.%m.%Y")) for d in period.days}
    by_hour: dict[int, QueueLine] = {}
    desks: dict[int, QueueLine] = {}
    purposes: dict[int, QueueLine] = {}
    heat_counts: dict[tuple[int, int], int] = {}
    for r in rows:
        # A year is ~40,000 tickets: each group's line is made once, not once per ticket.
        hour = r.issued_at.hour
        day = days.get(r.day) or days.setdefault(
            r.day, QueueLine(r.day, r.day.strftime("%d.%m.%Y")))
        at_hour = by_hour.get(hour) or by_hour.setdefault(
            hour, QueueLine(hour, f"{hour:02d}:00–{hour + 1:02d}:00"))
        purpose = purposes.get(r.purpose_id) or purposes.setdefault(
            r.purpose_id, QueueLine(r.letter, f"{r.letter} — {r.name}"))
        lines = [total, day, at_hour, purpose]
        if r.desk_id is not None:
            lines.append(desks.get(r.desk_id) or desks.setdefault(
                r.desk_id, QueueLine(r.number, f"Окно {r.number}")))
        cell = (r.day.weekday(), hour)
        heat_counts[cell] = heat_counts.get(cell, 0) + 1
        wait_from = r.due_at if r.due_at is not None and r.due_at > r.queued_at else r.queued_at
        wait = None
        if r.first_called_at is not None:
            wait = max(0.0, (r.first_called_at - wait_from).total_seconds())
        service = None
        if r.status == "finished" and r.started_at is not None and r.finished_at is not None:
            service = max(0.0, (r.finished_at - r.started_at).total_seconds())
        out_of_turn, booked = r.priority == "out_of_turn", r.priority == "booked"
        no_show, within = r.status == "no_show", wait is not None and wait <= limit
        for line in lines:
            line.visitors += 1
            line.out_of_turn += out_of_turn
            line.booked += booked
            line.no_show += no_show
            if wait is not None:
                line.waits.append(wait)
                line.within += within
            if service is not None:
                line.services.append(service)
                line.served += 1
    first_hour = min([hours[0], *by_hour])
    hour_list = list(range(first_hour, max([hours[1], *by_hour]) + 1))
    heat = [[heat_counts.get((weekday, hour), 0) for hour in hour_list]
            for weekday in range(len(WEEKDAYS))]
    return QueueFigures(
        period=period, standard_minutes=standard_minutes, total=total,
        by_day=[days[d] for d in sorted(days)],
        by_hour=[by_hour[h] for h in sorted(by_hour)],
        by_desk=sorted(desks.values(), key=lambda x: x.key),
        by_purpose=sorted(purposes.values(), key=lambda x: x.key),
        heat=heat, hours=hour_list,
    )


# --- working time ---------------------------------------------------------------------

@dataclass
class WorkLine:
    """A specialist's time at a desk (seconds) over the period."""

    specialist: str
    desk: str
    days: int = 0
    at_desk: float = 0.0
    serving: float = 0.0
    busy: float = 0.0
    served: int = 0
    no_show: int = 0
    estimated_days: int = 0  # days without sign-ins: time at the desk estimated from calls

    @property
    def idle(self) -> float:
        return max(0.0, self.at_desk - self.busy)

    @property
    def per_hour(self) -> float | None:
        return self.served / (self.at_desk / 3600) if self.at_desk else None


@dataclass
class SignInLine:
    """One sign-in at a desk, clipped to the period."""

    user_id: int
    desk_id: int
    specialist: str
    desk: str
    started: datetime
    ended: datetime
    open: bool
    reason: str

    @property
    def seconds(self) -> float:
        return (self.ended - self.started).total_seconds()


def desk_sign_ins(session: Session, *, period: Period, now: datetime) -> list[SignInLine]:
    """Sign-ins at desks overlapping the period (an open one runs to ``now``)."""
    start = datetime.combine(period.start, datetime.min.time())
    end = datetime.combine(period.end + timedelta(days=1), datetime.min.time())
    rows = session.execute(
        select(DeskSession, User.full_name, Desk.number)
        .join(User, User.id == DeskSession.user_id).join(Desk, Desk.id == DeskSession.desk_id)
        .where(DeskSession.started_at < end,
               (DeskSession.ended_at.is_(None)) | (DeskSession.ended_at > start))
        .order_by(DeskSession.started_at, DeskSession.id)
    ).all()
    lines = []
    for row, name, number in rows:
        finish = min(row.end_at(now), end)
        begin = max(row.started_at, start)
        if finish <= begin:
            continue
        live = row.ended_at is None and finish == now
        reason = "у окна сейчас" if live else DESK_END_REASONS.get(row.end_reason or "lost",
                                                                   row.end_reason)
        lines.append(SignInLine(row.user_id, row.desk_id, name, f"Окно {number}", begin,
                                finish, live, reason))
    return lines


def _by_day(begin: datetime, end: datetime):
    """Split a span at midnights: (day, seconds) pieces."""
    while begin < end:
        midnight = datetime.combine(begin.date() + timedelta(days=1), datetime.min.time())
        piece = min(end, midnight)
        yield begin.date(), (piece - begin).total_seconds()
        begin = piece


def working_time(session: Session, *, period: Period,
                 now: datetime | None = None) -> list[WorkLine]:
    """Time at the desk, serving and idle per specialist and desk.

    Time at the desk is the sum of the specialist's sign-ins there (the desk sign-in log).
    A day with visits but no sign-in (before the log existed) is estimated from the first
    call to the end of the last visit, and counted in ``estimated_days``. Busy time is
    each visit from its first call to its finish (or no-show), serving from start to
    finish; idle is time at the desk without a visitor called or served.
    """
    now = now or clock.now()
    names: dict[tuple, tuple[str, str]] = {}
    logged: dict[tuple, float] = defaultdict(float)
    for sign_in in desk_sign_ins(session, period=period, now=now):
        for day, seconds in _by_day(sign_in.started, sign_in.ended):
            key = (sign_in.user_id, sign_in.desk_id, day)
            logged[key] += seconds
            names[key] = (sign_in.specialist, sign_in.desk)
    rows = session.execute(
        select(Ticket.day, Ticket.specialist_id, User.full_name, Ticket.desk_id, Desk.number,
               Ticket.called_at, Ticket.first_called_at, Ticket.started_at,
               Ticket.finished_at, Ticket.status)
        .join(User, User.id == Ticket.specialist_id)
        .join(Desk, Desk.id == Ticket.desk_id)
        .where(Ticket.day >= period.start, Ticket.day <= period.end,
               Ticket.status.in_(("finished", "no_show")), Ticket.finished_at.is_not(None))
    ).all()
    visits: dict[tuple, list] = defaultdict(list)
    for r in rows:
        key = (r.specialist_id, r.desk_id, r.day)
        visits[key].append(r)
        names.setdefault(key, (r.full_name, f"Окно {r.number}"))
    lines: dict[tuple, WorkLine] = {}
    for key in sorted(set(logged) | set(visits), key=lambda k: (k[0], k[1], k[2])):
        uid, did, _day = key
        line = lines.setdefault((uid, did), WorkLine(*names[key]))
        line.days += 1
        day_visits = visits.get(key, [])
        begins = [v.called_at or v.first_called_at or v.started_at for v in day_visits]
        if key in logged:
            line.at_desk += logged[key]
        elif any(b is not None for b in begins):
            line.estimated_days += 1
            line.at_desk += max(0.0, (max(v.finished_at for v in day_visits)
                                      - min(b for b in begins if b is not None)).total_seconds())
        for v, begin in zip(day_visits, begins, strict=True):
            if begin is not None:
                line.busy += max(0.0, (v.finished_at - begin).total_seconds())
            if v.status == "finished":
                line.served += 1
                if v.started_at is not None:
                    line.serving += max(0.0, (v.finished_at - v.started_at).total_seconds())
            else:
                line.no_show += 1
    return sorted(lines.values(), key=lambda x: (x.specialist, x.desk))


# --- proactive service («возможно, положено») -----------------------------------------

def _not_applied():
    """No application (but a cancelled one) of the applicant for the service."""
    return ~exists().where(
        Application.applicant_id == applicant_categories.c.applicant_id,
        Application.service_id == service_categories.c.service_id,
        Application.status != "cancelled",
    )


def _matches():
    return (
        select(applicant_categories.c.applicant_id, service_categories.c.service_id)
        .join(service_categories,
              service_categories.c.category_id == applicant_categories.c.category_id)
        .join(BeneficiaryCategory, BeneficiaryCategory.id == applicant_categories.c.category_id)
        .join(Service, Service.id == service_categories.c.service_id)
        .where(Service.active, BeneficiaryCategory.active, _not_applied())
    )


def proactive_counts(session: Session) -> list[tuple[Service, int]]:
    """Per active service: how many applicants its categories suggest who have not applied."""
    pairs = _matches().distinct().subquery()
    rows = session.execute(
        select(Service, func.count(pairs.c.applicant_id))
        .join(pairs, pairs.c.service_id == Service.id)
        .group_by(Service.id).order_by(func.count(pairs.c.applicant_id).desc(), Service.code)
    ).all()
    return [(service, count) for service, count in rows]


@dataclass
class Candidate:
    applicant: Applicant
    categories: list[str]


def proactive_candidates(session: Session, *, service_id: int) -> list[Candidate]:
    """Applicants whose categories fit the service and who have not applied for it."""
    rows = session.execute(
        _matches().add_columns(BeneficiaryCategory.name)
        .where(service_categories.c.service_id == service_id)
    ).all()
    names: dict[int, list[str]] = defaultdict(list)
    for applicant_id, _sid, category in rows:
        if category not in names[applicant_id]:
            names[applicant_id].append(category)
    if not names:
        return []
    applicants = session.scalars(
        select(Applicant).where(Applicant.id.in_(list(names)))
        .order_by(Applicant.surname, Applicant.name, Applicant.patronymic, Applicant.id)
    )
    return [Candidate(a, sorted(names[a.id])) for a in applicants]


@dataclass
class Suggestion:
    service: Service
    categories: list[str]


def suggested_services(session: Session, *, applicant_id: int) -> list[Suggestion]:
    """Services the applicant's categories suggest and they have not applied for."""
    rows = session.execute(
        _matches().add_columns(BeneficiaryCategory.name)
        .where(applicant_categories.c.applicant_id == applicant_id)
    ).all()
    names: dict[int, list[str]] = defaultdict(list)
    for _aid, service_id, category in rows:
        if category not in names[service_id]:
            names[service_id].append(category)
    if not names:
        return []
    services = session.scalars(select(Service).where(Service.id.in_(list(names)))
                               .order_by(Service.code))
    return [Suggestion(s, sorted(names[s.id])) for s in services]


# --- dashboard ------------------------------------------------------------------------

@dataclass
class Totals:
    registered: int
    decided: int
    on_time: int
    overdue_open: int
    visitors: int | None
    served: int | None
    avg_wait: float | None


def totals(session: Session, *, period: Period, today: date,
           standard_minutes: int = 15) -> Totals:
    figures = intake_figures(session, period=period, today=today)
    visitors = served = avg_wait = None
    try:
        q = queue_figures(session, period=period, standard_minutes=standard_minutes)
        visitors, served, avg_wait = q.total.visitors, q.total.served, q.total.avg_wait
    except ImportError:  # the queue area is not installed
        pass
    return Totals(registered=figures.total.registered, decided=figures.total.decided,
                  on_time=figures.total.on_time, overdue_open=figures.overdue_now,
                  visitors=visitors, served=served, avg_wait=avg_wait)


def month_trend(session: Session, *, today: date, months: int = 6) -> list[tuple[str, int]]:
    """Applications registered per month over the last ``months`` months (this one too)."""
    out = []
    anchor = today.replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(anchor)
        anchor = (anchor - timedelta(days=1)).replace(day=1)
    for start in reversed(starts):
        p = period_of("month", start)
        count = session.scalar(select(func.count()).select_from(Application).where(
            and_(Application.registered_at >= p.start_at,
                 Application.registered_at < p.end_before)))
        out.append((f"{MONTHS[start.month - 1][:3]} {start.year % 100:02d}", count or 0))
    return out

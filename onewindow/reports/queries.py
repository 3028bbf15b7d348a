"""Aggregations behind the reports: intake, queue, working time, proactive service.

Every function takes the session first and keyword-only values (the period, ``today``),
reads narrow rows and returns plain figures; ``builders.py`` turns them into reports.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from ..applicants.models import Applicant, applicant_categories
from ..auth.models import User
from ..catalog.models import BeneficiaryCategory, Service, service_categories
from ..core import clock
from ..database import days_between, driver_rows, elapsed_seconds
from ..intake.models import DECIDED_STATUSES, OPEN_STATUSES, STATUS_NAMES, Application
from ..queue.models import DESK_END_REASONS, Desk, DeskSession, Ticket, VisitPurpose
from ..reporting.periods import MONTHS, Period, period_of

WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


# --- statistics helpers ---------------------------------------------------------------

def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


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
    """Figures of a group of tickets; waits and services in minutes."""

    key: object
    name: str
    visitors: int = 0
    served: int = 0
    no_show: int = 0
    out_of_turn: int = 0
    booked: int = 0
    called: int = 0  # tickets with a wait (called at least once)
    within: int = 0  # of them, waited at most the standard
    avg_wait: float | None = None
    p90_wait: float | None = None
    max_wait: float | None = None
    avg_service: float | None = None
    p90_service: float | None = None
    max_service: float | None = None

    @property
    def within_share(self) -> float | None:
        return share(self.within, self.called)


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


OUT_OF_TURN, BOOKED, NO_SHOW = 1, 2, 4  # a ticket's code: its priority (1 or 2) + 4 if absent


@dataclass
class _Tickets:
    """The period's tickets as arrays, one element per ticket: the day (0 = the period's
    first), the hour of issue, the desk (0 = none), the purpose and the code; the wait and
    the service in seconds (NaN when there is none)."""

    day: np.ndarray
    hour: np.ndarray
    desk: np.ndarray
    purpose: np.ndarray
    code: np.ndarray
    wait: np.ndarray
    service: np.ndarray


def _tickets(session: Session, period: Period, *, desks: int, purposes: int) -> _Tickets:
    """The database works out every figure and packs the five small ones into one number;
    the driver's tuples go straight into an array. A region's year is 375 000 tickets:
    parsing their timestamps in Python, ORM rows and per-ticket lists made that report
    8 seconds; three columns instead of seven save a third of the query on SQLite.
    ``desks`` and ``purposes``: one more than the largest id of each."""
    t = Ticket.__table__.c
    code = (case((t.priority == "out_of_turn", OUT_OF_TURN), (t.priority == "booked", BOOKED),
                 else_=0)
            + case((t.status == "no_show", NO_SHOW), else_=0))
    day = cast(days_between(literal(period.start, Date), t.day), BigInteger)
    hour = cast(extract("hour", t.issued_at), Integer)
    packed = (((day * 24 + hour) * desks + func.coalesce(t.desk_id, 0)) * purposes
              + t.purpose_id) * 8 + code
    wait_from = case((t.due_at > t.queued_at, t.due_at), else_=t.queued_at)
    stmt = (
        select(packed, elapsed_seconds(wait_from, t.first_called_at),
               case((t.status == "finished", elapsed_seconds(t.started_at, t.finished_at))))
        .where(t.day >= period.start, t.day <= period.end))
    # None (no wait, no service) becomes NaN; packed stays exact (under 2**53).
    blocks = [np.array(rows, dtype=np.float64) for rows in driver_rows(session, stmt)]
    table = np.concatenate(blocks) if blocks else np.empty((0, 3))
    rest = table[:, 0].astype(np.int64)
    rest, code = np.divmod(rest, 8)
    rest, purpose = np.divmod(rest, purposes)
    rest, desk = np.divmod(rest, desks)
    day, hour = np.divmod(rest, 24)

    def seconds(column: np.ndarray) -> np.ndarray:
        # To the millisecond (SQLite's julianday is off by microseconds); never negative.
        return np.maximum(np.round(column, 3), 0.0)

    return _Tickets(day=day, hour=hour, desk=desk, purpose=purpose, code=code,
                    wait=seconds(table[:, 1]), service=seconds(table[:, 2]))


@dataclass
class _Stats:
    """Per key 0 … size-1: how many values, their mean, nearest-rank 90th percentile, max."""

    count: np.ndarray
    mean: np.ndarray
    p90: np.ndarray
    max: np.ndarray


@dataclass
class _Sorted:
    """One measure (the wait or the service) of the tickets that have it, sorted: which
    tickets, in which order, and the values in that order. One sort serves every grouping."""

    has: np.ndarray
    order: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> _Sorted:
        has = ~np.isnan(values)
        order = np.argsort(values[has], kind="stable")
        return cls(has, order, values[has][order])


def _stats(keys: np.ndarray, measure: _Sorted, size: int) -> _Stats:
    """The figures of ``measure`` per key."""
    keys = keys[measure.has][measure.order]
    # A stable sort by key keeps each key's values sorted; small keys sort by radix.
    by_key = np.argsort(keys.astype(np.int16 if size < 2**15 else np.int64), kind="stable")
    keys, values = keys[by_key], measure.values[by_key]
    count = np.bincount(keys, minlength=size)
    nothing = np.full(size, np.nan)
    if not len(values):
        return _Stats(count, nothing, nothing, nothing)
    some = count > 0
    ends = np.cumsum(count)  # each key's values are values[ends - count:ends]
    # Nearest rank: the ceil(0.9 n)-th smallest, in integers.
    rank = np.maximum(ends - count + (9 * count + 9) // 10 - 1, 0)
    return _Stats(
        count=count,
        mean=np.divide(np.bincount(keys, weights=values, minlength=size), count,
                       out=nothing.copy(), where=some),
        p90=np.where(some, values[rank], np.nan),
        max=np.where(some, values[np.maximum(ends - 1, 0)], np.nan))


def _minutes(array: np.ndarray, i: int) -> float | None:
    value = array[i]
    return None if math.isnan(value) else float(value) / 60


class _Grouping:
    """The queue figures of every key of one grouping (day, hour, desk, purpose)."""

    def __init__(self, keys: np.ndarray, tickets: _Tickets, waits: _Sorted,
                 services: _Sorted, limit: float):
        self.size = int(keys.max()) + 1 if len(keys) else 1
        code = tickets.code

        def counts(mask) -> np.ndarray:
            return np.bincount(keys[mask], minlength=self.size)

        self.visitors = np.bincount(keys, minlength=self.size)
        self.out_of_turn = counts(code & 3 == OUT_OF_TURN)
        self.booked = counts(code & 3 == BOOKED)
        self.no_show = counts(code & NO_SHOW > 0)
        self.within = counts(tickets.wait <= limit)  # NaN (never called) compares False
        self.waits = _stats(keys, waits, self.size)
        self.services = _stats(keys, services, self.size)

    def present(self) -> list[int]:
        return [int(k) for k in np.flatnonzero(self.visitors)]

    def line(self, i: int, key, name: str) -> QueueLine:
        if i >= self.size:
            return QueueLine(key, name)
        w, s = self.waits, self.services
        return QueueLine(
            key, name, visitors=int(self.visitors[i]), served=int(s.count[i]),
            no_show=int(self.no_show[i]), out_of_turn=int(self.out_of_turn[i]),
            booked=int(self.booked[i]), called=int(w.count[i]), within=int(self.within[i]),
            avg_wait=_minutes(w.mean, i), p90_wait=_minutes(w.p90, i),
            max_wait=_minutes(w.max, i), avg_service=_minutes(s.mean, i),
            p90_service=_minutes(s.p90, i), max_service=_minutes(s.max, i))


def queue_figures(session: Session, *, period: Period, standard_minutes: int = 15,
                  hours: tuple[int, int] = (8, 19)) -> QueueFigures:
    """Visitors, waits and services by day, hour, desk and purpose; the weekday × hour map.

    The wait runs from the issue (or the booked time, if later) to the first call; the
    service from the start to the finish. A wait counts as within the standard when it is
    at most ``standard_minutes``.
    """
    desk_numbers = dict(session.execute(select(Desk.id, Desk.number)).all())
    purposes = {r.id: r for r in session.execute(
        select(VisitPurpose.id, VisitPurpose.letter, VisitPurpose.name))}
    tickets = _tickets(session, period, desks=max(desk_numbers, default=0) + 1,
                       purposes=max(purposes, default=0) + 1)
    measures = (_Sorted.of(tickets.wait), _Sorted.of(tickets.service), standard_minutes * 60)
    by_day, by_hour, by_desk, by_purpose, total = (
        _Grouping(keys, tickets, *measures)
        for keys in (tickets.day, tickets.hour, tickets.desk, tickets.purpose,
                     np.zeros(len(tickets.day), dtype=np.int64)))
    present_hours = by_hour.present()
    hour_list = list(range(min([hours[0], *present_hours]),
                           max([hours[1], *present_hours]) + 1))
    heat = np.zeros((len(WEEKDAYS), 24), dtype=np.int64)
    if len(tickets.day):
        per_day_hour = np.bincount(tickets.day * 24 + tickets.hour,
                                   minlength=len(period.days) * 24)
        for i, day_hours in enumerate(per_day_hour.reshape(-1, 24)):
            heat[(period.start + timedelta(days=i)).weekday()] += day_hours
    return QueueFigures(
        period=period, standard_minutes=standard_minutes,
        total=total.line(0, None, "Итого"),
        by_day=[by_day.line(i, d, d.strftime("%d.%m.%Y")) for i, d in enumerate(period.days)],
        by_hour=[by_hour.line(h, h, f"{h:02d}:00–{h + 1:02d}:00") for h in present_hours],
        by_desk=sorted((by_desk.line(i, desk_numbers[i], f"Окно {desk_numbers[i]}")
                        for i in by_desk.present() if i), key=lambda line: line.key),
        by_purpose=sorted((by_purpose.line(i, purposes[i].letter,
                                           f"{purposes[i].letter} — {purposes[i].name}")
                           for i in by_purpose.present()), key=lambda line: line.key),
        heat=[[int(heat[weekday, hour]) for hour in hour_list]
              for weekday in range(len(WEEKDAYS))],
        hours=hour_list,
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

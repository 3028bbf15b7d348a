"""The report period: day, week, month, quarter, year or a custom range (GET params only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..core.text import YEAR_MAX, YEAR_MIN, format_date, parse_date_ru

KINDS = {
    "day": "День",
    "week": "Неделя",
    "month": "Месяц",
    "quarter": "Квартал",
    "year": "Год",
    "range": "Произвольный период",
}
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
          "сентябрь", "октябрь", "ноябрь", "декабрь")
MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """A closed range of days [start, end] with the way it was chosen."""

    kind: str
    start: date
    end: date
    error: str | None = None

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min)

    @property
    def end_before(self) -> datetime:
        """The first moment after the period (half-open bound for datetime columns)."""
        return datetime.combine(self.end + timedelta(days=1), time.min)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def label(self) -> str:
        if self.kind == "day":
            return format_date(self.start)
        if self.kind == "month":
            return f"{MONTHS[self.start.month - 1]} {self.start.year}"
        if self.kind == "quarter":
            return f"{(self.start.month - 1) // 3 + 1} квартал {self.start.year}"
        if self.kind == "year":
            return f"{self.start.year} год"
        return f"{format_date(self.start)} — {format_date(self.end)}"

    def query_args(self) -> dict[str, str]:
        """GET params that reproduce the period (for export links)."""
        if self.kind == "range":
            return {"period": "range", "from": format_date(self.start),
                    "to": format_date(self.end)}
        return {"period": self.kind, "date": format_date(self.start)}


def period_of(kind: str, anchor: date) -> Period:
    """The day, week (Mon–Sun), month, quarter or year containing ``anchor``."""
    if kind == "day":
        return Period(kind, anchor, anchor)
    if kind == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return Period(kind, start, start + timedelta(days=6))
    if kind == "month":
        start = anchor.replace(day=1)
        return Period(kind, start, _next_month(start) - timedelta(days=1))
    if kind == "quarter":
        start = date(anchor.year, (anchor.month - 1) // 3 * 3 + 1, 1)
        end = _next_month(_next_month(_next_month(start))) - timedelta(days=1)
        return Period(kind, start, end)
    if kind == "year":
        return Period(kind, date(anchor.year, 1, 1), date(anchor.year, 12, 31))
    raise ValueError(kind)


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _parse(raw: str | None) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return parse_date_ru(raw)
    except ValueError:
        try:
            parsed = date.fromisoformat(raw)
        except ValueError:
            return None
        return parsed if YEAR_MIN <= parsed.year <= YEAR_MAX else None


def parse_period(args, *, today: date, default: str = "month") -> Period:
    """Read ``period``, ``date`` (or ``from``/``to`` for a range) from GET params.

    Bad input never fails the page: the default period is shown with an error message.
    """
    kind = args.get("period") or default
    if kind not in KINDS:
        kind = default
    if kind == "range":
        start, end = _parse(args.get("from")), _parse(args.get("to"))
        if start is None or end is None:
            return Period(default, *_bounds(default, today),
                          error="Укажите начало и конец периода (дд.мм.гггг)")
        if end < start:
            return Period(default, *_bounds(default, today),
                          error="Конец периода раньше начала")
        if (end - start).days > MAX_RANGE_DAYS:
            return Period(default, *_bounds(default, today),
                          error="Период длиннее трёх лет; выберите короче")
        return Period("range", start, end)
    anchor = _parse(args.get("date"))
    if args.get("date") and anchor is None:
        return Period(kind, *_bounds(kind, today), error="Дата не распознана (дд.мм.гггг)")
    return period_of(kind, anchor or today)


def _bounds(kind: str, anchor: date) -> tuple[date, date]:
    p = period_of(kind, anchor)
    return p.start, p.end

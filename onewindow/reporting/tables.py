"""A report as data: summary figures, tables with typed columns, charts.

Views render it as HTML, documents.py as PDF, exports.py as XLSX and CSV — one source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup

from ..core.text import format_date, format_datetime
from .periods import Period

# Column kinds: how a value is shown and exported.
TEXT, INT, DECIMAL, PERCENT, DATE, DATETIME = "text", "int", "decimal", "percent", "date", \
    "datetime"


@dataclass
class Column:
    title: str
    kind: str = TEXT


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    # A closing line (totals), exported and printed like the rows but set in bold.
    total: list | None = None
    key: str = ""


@dataclass
class Report:
    key: str
    title: str
    period: Period | None
    tables: list[Table] = field(default_factory=list)
    charts: list[Markup] = field(default_factory=list)
    summary: list[tuple[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    landscape: bool = True

    @property
    def subtitle(self) -> str:
        return f"Период: {self.period.label}" if self.period else ""


def display(value, kind: str) -> str:
    """A cell as shown on the page and in the PDF (Russian number and date formats)."""
    if value is None or value == "":
        return "—"
    if kind == PERCENT:
        return f"{value * 100:.1f}".replace(".", ",") + " %"
    if kind == DECIMAL:
        return f"{value:.1f}".replace(".", ",")
    if kind == INT:
        return f"{value:,}".replace(",", "\u00a0")
    if kind == DATETIME and isinstance(value, datetime):
        return format_datetime(value)
    if kind == DATE and isinstance(value, date):
        return format_date(value)
    return str(value)

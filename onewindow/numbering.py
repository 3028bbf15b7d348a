"""Gapless journal numbers (applications, tickets, letters) safe under concurrent desks.

The counter row is locked for the rest of the caller's transaction: SELECT … FOR UPDATE
on PostgreSQL; on SQLite the write transaction itself began IMMEDIATE. A rolled-back
registration therefore gives its number back, and the numbers stay gapless.
"""

from __future__ import annotations

from sqlalchemy import String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db


class NumberCounter(db.Model):
    """A counter per journal and period (year, or a day for queue tickets)."""

    __tablename__ = "number_counters"

    journal: Mapped[str] = mapped_column(String(40), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_value(session: Session, *, journal: str, period: str) -> int:
    """Take the next number of ``journal`` in ``period`` (1, 2, 3, …)."""
    return next_values(session, journal=journal, period=period, count=1)[0]


def next_values(session: Session, *, journal: str, period: str, count: int) -> range:
    """Take the next ``count`` numbers of ``journal`` at once (one lock for a whole batch)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(NumberCounter)
        .values(journal=journal, period=period, value=0)
        .on_conflict_do_nothing(index_elements=["journal", "period"])
    )
    counter = session.scalar(
        select(NumberCounter)
        .where(NumberCounter.journal == journal, NumberCounter.period == period)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    first = counter.value + 1
    counter.value += count
    session.flush()
    return range(first, counter.value + 1)

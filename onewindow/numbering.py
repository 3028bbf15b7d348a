"""Gapless journal numbers (applications, tickets, letters) safe under concurrent desks.

The counter row is locked for the rest of the caller's transaction: the upsert that
takes the number holds its row lock on PostgreSQL; on SQLite the write transaction itself
began IMMEDIATE. A rolled-back registration therefore gives its number back, and the
numbers stay gapless.

Because the lock lasts until the commit, a long action takes its numbers **last**: it
builds its rows first and reserves numbers with :func:`defer`; :func:`take_deferred` then
takes every reserved counter at once (in a fixed order, so two desks never wait on each
other crosswise) and hands each reservation its number, right before the one flush that
inserts the rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy import String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db


class NumberCounter(db.Model):
    """A counter per journal and period (year, or a day for queue tickets)."""

    __tablename__ = "number_counters"

    journal: Mapped[str] = mapped_column(String(40), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_value(session: Session, *, journal: str, period: str, count: int = 1) -> int:
    """Take the next number of ``journal`` in ``period`` (1, 2, 3, …); ``count`` in a row.

    One statement: an upsert that adds ``count`` and returns the new value, holding the
    counter row until the transaction ends. Returns the first of the numbers taken.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = NumberCounter.__table__
    stmt = (insert(table).values(journal=journal, period=period, value=count)
            .on_conflict_do_update(index_elements=["journal", "period"],
                                   set_={"value": table.c.value + count})
            .returning(table.c.value))
    return session.connection().execute(stmt).scalar_one() - count + 1


def next_values(session: Session, *, journal: str, period: str, count: int) -> range:
    """Take the next ``count`` numbers of ``journal`` at once (one lock for a whole batch)."""
    first = next_value(session, journal=journal, period=period, count=count)
    return range(first, first + count)


PENDING_KEY = "onewindow_deferred_numbers"
THEN_KEY = "onewindow_after_numbers"


def defer(session: Session, *, journal: str, period: str,
          assign: Callable[[int], None]) -> None:
    """Reserve the next number of ``journal``: ``assign(number)`` is called by take_deferred."""
    session.info.setdefault(PENDING_KEY, []).append((journal, period, assign))


def then(session: Session, step: Callable[[], None]) -> None:
    """Run ``step`` once the reserved numbers are taken (under their lock).

    For work that must see what a concurrent desk committed while this one waited for the
    counter (is there a case file already?), and is cheap: it runs inside the lock.
    """
    session.info.setdefault(THEN_KEY, []).append(step)


def take_deferred(session: Session) -> None:
    """Take every reserved number, assign them in the order reserved, then run the steps.

    Counters are taken sorted by (journal, period): one statement per counter, however many
    numbers it gives. The caller flushes right after; the locks last until its commit.
    """
    pending = session.info.pop(PENDING_KEY, [])
    steps = session.info.pop(THEN_KEY, [])
    wanted = Counter((journal, period) for journal, period, _assign in pending)
    following = {key: next_value(session, journal=key[0], period=key[1], count=n)
                 for key, n in sorted(wanted.items())}
    for journal, period, assign in pending:
        assign(following[(journal, period)])
        following[(journal, period)] += 1
    for step in steps:
        step()


def forget_deferred(session: Session) -> None:
    """Drop reservations and steps of an action that failed before taking them."""
    session.info.pop(PENDING_KEY, None)
    session.info.pop(THEN_KEY, None)

"""Gapless journal numbers (applications, tickets, letters) safe under concurrent desks.

The counter row is locked for the rest of the caller's transaction: the upsert that
takes the number holds its row lock on PostgreSQL; on SQLite the transaction holds the
database's write lock from its first write. A rolled-back registration therefore gives its
number back, and the numbers stay gapless.

Because the lock lasts until the commit, a long action takes its numbers **last**: its
rows are inserted first with a stand-in number (:func:`placeholder`: a negative sequence
and «~…», never a real one, unique among rows in flight), each reserving its number with
:func:`defer`; :func:`take_deferred` then takes every reserved counter at once (in a fixed
order, so two desks never wait on each other crosswise), hands each reservation its
number and runs the steps that must be under the lock; the caller's next flush writes the
numbers. Only that — a few short statements — runs under the lock: a registration's thirty
inserts no longer held the other desks back. A transaction that would commit a stand-in
(reserved, never taken) is refused at the commit.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable

from sqlalchemy import String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from .database import upsert_insert
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
    return take_counters(session, {(journal, period): count})[(journal, period)]


def take_counters(session: Session, wanted: dict[tuple[str, str], int]) -> dict[tuple[str, str],
                                                                               int]:
    """Take ``count`` numbers of each (journal, period) at once: one upsert of all their
    counter rows, in a fixed order (two desks never wait on each other crosswise).
    Returns the first number taken of each."""
    table = NumberCounter.__table__
    stmt = upsert_insert(session, table).values([
        {"journal": journal, "period": period, "value": count}
        for (journal, period), count in sorted(wanted.items())])
    stmt = (stmt.on_conflict_do_update(index_elements=["journal", "period"],
                                       set_={"value": table.c.value + stmt.excluded.value})
            .returning(table.c.journal, table.c.period, table.c.value))
    return {(journal, period): value - wanted[(journal, period)] + 1
            for journal, period, value in session.connection().execute(stmt)}


def next_values(session: Session, *, journal: str, period: str, count: int) -> range:
    """Take the next ``count`` numbers of ``journal`` at once (one lock for a whole batch)."""
    first = next_value(session, journal=journal, period=period, count=count)
    return range(first, first + count)


PENDING_KEY = "onewindow_deferred_numbers"


def placeholder() -> tuple[int, str]:
    """A stand-in (sequence, number) for a row inserted before its number is taken."""
    return -(secrets.randbits(30) + 1), "~" + secrets.token_hex(9)

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

    All the counters in one statement (:func:`take_counters`), however many numbers each
    gives. The caller flushes right after; the locks last until its commit.
    """
    pending = session.info.pop(PENDING_KEY, [])
    steps = session.info.pop(THEN_KEY, [])
    wanted = Counter((journal, period) for journal, period, _assign in pending)
    following = take_counters(session, wanted) if wanted else {}
    for journal, period, assign in pending:
        assign(following[(journal, period)])
        following[(journal, period)] += 1
    for step in steps:
        step()


def forget_deferred(session: Session) -> None:
    """Drop reservations and steps of an action that failed before taking them."""
    session.info.pop(PENDING_KEY, None)
    session.info.pop(THEN_KEY, None)


@event.listens_for(Session, "before_commit")
def _no_stand_ins(session: Session) -> None:
    if session.info.get(PENDING_KEY):
        raise RuntimeError("numbers were reserved (numbering.defer) but never taken: "
                           "the rows would keep their stand-in numbers")

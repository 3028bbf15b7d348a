"""Engine set-up per backend: SQLite pragmas and write transactions that queue up.

SQLite's default deferred transactions hand out duplicate counter values under
concurrent desks, and a plain BEGIN that later writes fails with "database is locked".
So on SQLite a transaction that may write takes the database's write lock (BEGIN
IMMEDIATE, waiting up to the busy timeout) — but only at its first write: until then it
reads like a read-only one (a plain BEGIN), other desks' writes go on, and at the first
write statement (an INSERT, UPDATE, DELETE, or a SELECT … FOR UPDATE, whose row locks
SQLite does not have) the read part is ended and the write lock taken, the savepoints
opened meanwhile opened again (:func:`_take_write_lock`). That is PostgreSQL's READ
COMMITTED with its row locks, where the row locks are one lock for the whole database:
what a desk decides from rows it did not lock may have changed by its first write, on
both databases alike. Without it, a registration held the write lock from the login check
of its request to its commit, and four desks registered strictly one after the other.

The wait for the write lock asks again every millisecond (:func:`_begin_immediate`), not
through SQLite's busy handler: that one sleeps ever longer between tries (1, 2, 5, 10 …
100 ms), so a desk second in line behind a 15 ms registration could wait a tenth of a
second more, and — the other worker taking the lock again meanwhile — half a second or
more (p99 ≈ 500 ms with four desks registering at once).

Read-only requests (GET/HEAD) begin deferred and never take the write lock.
PostgreSQL needs none of this: services lock rows with SELECT … FOR UPDATE.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Computed, Float, Integer, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

_write_intent: ContextVar[bool] = ContextVar("onewindow_write_intent", default=True)


def set_write_intent(value: bool):
    """Declare whether the current context's next transactions may write."""
    return _write_intent.set(value)


def write_intended() -> bool:
    """Whether the current context's transactions begin as write transactions."""
    return _write_intent.get()


def reset_write_intent(token) -> None:
    _write_intent.reset(token)


@contextlib.contextmanager
def own_write_transaction(session):
    """End the caller's (read) transaction and run the block in a write one, committed.

    For the writes of a read-only request (an audit row, a print journal entry, a desk
    heartbeat): on SQLite the new transaction begins IMMEDIATE even in a GET. PostgreSQL
    has no such lock, so there the block joins the caller's transaction and one commit
    ends both: two round trips fewer for every audited page view.
    """
    if not is_postgres(session):
        session.commit()
    token = set_write_intent(True)
    try:
        yield
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        reset_write_intent(token)


def add_to_collection(parent, name: str, child) -> None:
    """Add ``child`` to ``parent.<name>`` without loading that collection first.

    A new parent, or a collection already loaded, takes a plain append. Otherwise the
    child is linked through the relationship's other side and added by itself: appending
    to an unloaded list would first load every earlier row (a ticket's or a case file's
    whole history, on each desk or archive action).
    """
    state = inspect(parent)
    if state.session is None or state.pending or name not in state.unloaded:
        getattr(parent, name).append(child)
        return
    setattr(child, state.mapper.relationships[name].back_populates, parent)
    state.session.add(child)


class MappingJson:
    """A column mapping kept as JSON text in ``mapping_json``, read and set as a dict
    (the column profiles of selections and of the archive register)."""

    @property
    def mapping(self) -> dict[str, str]:
        return json.loads(self.mapping_json or "{}")

    @mapping.setter
    def mapping(self, value: dict[str, str]) -> None:
        self.mapping_json = json.dumps(value, ensure_ascii=False, sort_keys=True)


class Generated(Computed):
    """A column the database computes on every write: STORED on PostgreSQL (the only kind
    before version 18), VIRTUAL on SQLite (the only kind ALTER TABLE can add there).

    Indexable on both; it never goes stale, whoever writes the row (ORM, COPY, executemany).
    """

    inherit_cache = True

    def __init__(self, sqltext: str):
        super().__init__(sqltext, persisted=True)


@compiles(Generated, "sqlite")
def _generated_virtual_on_sqlite(element, compiler, **kw):
    sql = compiler.sql_compiler.process(element.sqltext, include_table=False,
                                        literal_binds=True)
    return f"GENERATED ALWAYS AS ({sql}) VIRTUAL"


class _Between(FunctionElement):
    """A function of ``(start, end)`` that each database spells its own way (``SQL``)."""

    inherit_cache = True
    SQL: dict[str, str] = {}


@compiles(_Between)
def _between(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return element.SQL[compiler.dialect.name].format(start=start, end=end)


class elapsed_seconds(_Between):
    """Seconds from ``start`` to ``end`` as a float; NULL when either is.

    For aggregations that must not bring every timestamp into Python: SQLite keeps them as
    text, and parsing 375 000 tickets' five timestamps took a region's year report 6 s.
    On SQLite it is off by up to about 50 µs (julianday's double): round it to the
    millisecond where that matters (SQLite's own round() would double the query's time).
    """

    type = Float()
    name = "elapsed_seconds"
    inherit_cache = True
    SQL = {"sqlite": "((julianday({end}) - julianday({start})) * 86400.0)",
           "postgresql": "CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)"}


class days_between(_Between):
    """Whole days from the date ``start`` to the date ``end`` (an integer)."""

    type = Integer()
    name = "days_between"
    inherit_cache = True
    SQL = {"sqlite": "CAST(julianday({end}) - julianday({start}) AS INTEGER)",
           "postgresql": "({end} - {start})"}


def driver_rows(session, stmt, *, chunk: int = 5000):
    """Run ``stmt`` and yield its rows in lists of up to ``chunk`` plain tuples, as the
    driver gives them: no Row objects, no result processing (dates stay SQLite's text).

    For aggregations over hundreds of thousands of numeric rows: 375 000 Row objects cost
    a second on PostgreSQL, as much as the query. A plain execution, so SQLAlchemy holds
    none of the rows back (its streaming strategy reads one ahead): SQLite steps through
    the rows as they are asked for; psycopg receives the whole result first, so keep the
    rows few columns wide.
    """
    result = session.execute(stmt)
    try:
        while rows := result.cursor.fetchmany(chunk):
            yield rows
    finally:
        result.close()


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.info[_LATE_WRITE] = False
        conn.exec_driver_sql("BEGIN")
        conn.info[_LATE_WRITE] = _write_intent.get()
        conn.info[_SAVEPOINTS] = []

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn):
        conn.info[_LATE_WRITE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _before_statement(conn, _cursor, statement, _params, context, _many):
        info = conn.info
        if not info.get(_LATE_WRITE):
            return
        head = statement.lstrip()[:9].upper()
        if head.startswith("SAVEPOINT"):
            info[_SAVEPOINTS].append(statement.split()[-1])
        elif head.startswith(("RELEASE", "ROLLBACK")):  # … [SAVEPOINT] name: it is closed
            name, opened = statement.split()[-1], info[_SAVEPOINTS]
            if name in opened:
                del opened[opened.index(name):]
        elif not head.startswith(("SELECT", "PRAGMA")) or _locks_rows(context):
            info[_LATE_WRITE] = False
            _take_write_lock(conn.connection.driver_connection, info[_SAVEPOINTS])


_LATE_WRITE = "onewindow_write_lock_at_first_write"
_SAVEPOINTS = "onewindow_savepoints_before_write"


def _locks_rows(context) -> bool:
    """A SELECT … FOR UPDATE (the SQLite compiler drops the clause; the statement keeps it)."""
    statement = getattr(getattr(context, "compiled", None), "statement", None)
    return getattr(statement, "_for_update_arg", None) is not None


def _take_write_lock(dbapi_conn: sqlite3.Connection, savepoints: list[str]) -> None:
    """End the transaction's read part (it wrote nothing) and go on in a write transaction."""
    cur = dbapi_conn.cursor()
    try:
        cur.execute("COMMIT")
        _begin_immediate(dbapi_conn)
        for name in savepoints:
            cur.execute(f"SAVEPOINT {name}")
    finally:
        cur.close()


BUSY_TIMEOUT_MS = 30_000
LOCK_RETRY_S = 0.001


def _begin_immediate(dbapi_conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, asking for the write lock again every millisecond for up to the
    busy timeout (then SQLite's «database is locked», as before)."""
    cur = dbapi_conn.cursor()
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    cur.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
            time.sleep(LOCK_RETRY_S)
    finally:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.close()


def upsert_insert(session, table):
    """An INSERT of ``table`` that takes ON CONFLICT clauses, in the session's dialect."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def is_postgres(session_or_engine) -> bool:
    bind = getattr(session_or_engine, "bind", None) or session_or_engine.get_bind()
    return bind.dialect.name == "postgresql"


@dataclass
class Page:
    """One page of a long list: its rows, which page it is, and how many there are."""

    rows: list
    page: int
    pages: int
    total: int


def paginate(session, stmt, *, page: int, per_page: int = 50) -> Page:
    """The ``page``-th slice of an ordered query (a page past the end shows the last one;
    the count comes from the database, never from the rows shown)."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max((total + per_page - 1) // per_page, 1)
    current = min(max(page, 1), pages)
    rows = list(session.scalars(stmt.limit(per_page).offset((current - 1) * per_page)))
    return Page(rows, current, pages, total)

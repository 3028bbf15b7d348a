"""SQLite's write lock: taken at a transaction's first write, asked for every millisecond.

PostgreSQL is not concerned (its row locks are the services' own, tested with them); these
tests are about the engine set-up of the embedded database.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from onewindow import database
from onewindow.database import configure_engine, reset_write_intent, set_write_intent

metadata = MetaData()
rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("v", String))


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    configure_engine(engine)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def writes():
    token = set_write_intent(True)
    yield
    reset_write_intent(token)


def _values(engine) -> list[str]:
    with Session(engine) as s:
        return list(s.scalars(select(rows.c.v).order_by(rows.c.id)))


def _write_elsewhere(engine, value: str) -> float:
    """Another desk writes and commits; returns how long it waited."""
    started = time.monotonic()
    with Session(engine) as other:
        other.execute(insert(rows).values(v=value))
        other.commit()
    return time.monotonic() - started


def test_a_writing_transaction_reads_without_the_lock_and_takes_it_at_its_first_write(engine):
    with Session(engine) as desk:
        assert desk.scalars(select(rows.c.v)).all() == []
        # The desk only read so far: another desk writes meanwhile, without waiting.
        _write_elsewhere(engine, "other")
        # Its first write then takes the lock — no "database is locked", no stale snapshot:
        # it reads what the other desk committed (PostgreSQL's READ COMMITTED).
        desk.execute(insert(rows).values(v="mine"))
        # SQLite's own wait stays as it was for everything else (checkpoints, readers).
        timeout = desk.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
        assert timeout == database.BUSY_TIMEOUT_MS
        assert desk.scalars(select(rows.c.v).order_by(rows.c.id)).all() == ["other", "mine"]
        # From its first write to its commit it holds the lock: a third desk waits for it.
        done = []
        third = threading.Thread(target=lambda: done.append(_write_elsewhere(engine, "third")))
        third.start()
        third.join(0.3)
        assert done == [] and third.is_alive()
        desk.commit()
    third.join(5)
    assert len(done) == 1
    assert _values(engine) == ["other", "mine", "third"]


def test_a_savepoint_opened_before_the_first_write_still_holds_after_it(engine):
    with Session(engine) as desk:
        desk.scalars(select(rows.c.v)).all()
        _write_elsewhere(engine, "other")
        outer = desk.begin_nested()
        inner = desk.begin_nested()
        desk.execute(insert(rows).values(v="rolled back"))  # first write: inside two savepoints
        inner.rollback()
        desk.execute(insert(rows).values(v="kept"))
        outer.commit()
        again = desk.begin_nested()
        desk.execute(insert(rows).values(v="also rolled back"))
        again.rollback()
        desk.commit()
    assert _values(engine) == ["other", "kept"]


def test_a_select_for_update_takes_the_lock_before_it_reads(engine):
    _write_elsewhere(engine, "first")
    with Session(engine) as desk:
        desk.execute(select(rows.c.id).with_for_update()).all()
        done = []
        other = threading.Thread(target=lambda: done.append(_write_elsewhere(engine, "second")))
        other.start()
        other.join(0.3)
        assert done == [] and other.is_alive()  # the row lock is the database's write lock
        desk.rollback()
    other.join(5)
    assert _values(engine) == ["first", "second"]


def test_a_reading_request_never_takes_the_lock(engine):
    token = set_write_intent(False)
    try:
        with Session(engine) as reader:
            reader.scalars(select(rows.c.v)).all()
            assert _write_elsewhere(engine, "x") < 5
            reader.commit()
    finally:
        reset_write_intent(token)


def test_a_writer_that_waits_past_the_busy_timeout_is_refused(
        engine, monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    with Session(engine) as holder:
        holder.execute(insert(rows).values(v="held"))
        with Session(engine) as late, pytest.raises(OperationalError) as refused:
            late.execute(insert(rows).values(v="late"))
        assert isinstance(refused.value.orig, sqlite3.OperationalError)
        assert "locked" in str(refused.value.orig)
        holder.commit()
    assert _values(engine) == ["held"]

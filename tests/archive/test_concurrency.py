"""Concurrent placements: a box of capacity N never gets more than N folders."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import func, select

from onewindow.archive import services
from onewindow.archive.models import ArchiveBox, CaseFile, CaseFileMove
from onewindow.errors import Conflict
from onewindow.extensions import db

from .helpers import make_box, make_case_file

CAPACITY = 4
FOLDERS = 12


def test_concurrent_placements_respect_capacity(app, session):
    box = make_box(session, capacity=CAPACITY)
    ids = [make_case_file(session).id for _ in range(FOLDERS)]
    box_id = box.id
    session.commit()  # and no further read until the threads are done
    barrier = threading.Barrier(FOLDERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(case_id: int):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                case_file = db.session.get(CaseFile, case_id)
                target = db.session.get(ArchiveBox, box_id)
                services.place_case_file(db.session, case_file=case_file, box=target,
                                         user_id=None, now=datetime(2026, 11, 27, 10))
                db.session.commit()
                result = "placed"
            except Conflict:
                db.session.rollback()
                result = "full"
            except Exception as exc:  # noqa: BLE001 - reported through the assertion
                db.session.rollback()
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["full"] * (FOLDERS - CAPACITY) + ["placed"] * CAPACITY
    session.rollback()  # a fresh snapshot
    assert session.scalar(select(func.count(CaseFile.id))
                          .where(CaseFile.box_id == box_id)) == CAPACITY
    assert session.scalar(select(func.count(CaseFileMove.id))) == CAPACITY

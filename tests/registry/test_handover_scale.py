"""Handover at an office's volume: few statements, a complete act, a date ahead planned."""

from __future__ import annotations

import contextlib
import re
import subprocess
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select

from onewindow.core import clock
from onewindow.errors import Conflict
from onewindow.registry import documents, handover
from onewindow.registry.models import Appeal, Holding, Request

from ..conftest import login
from ..factories import make_user
from ..pdfcheck import pdf_text, require_tool
from .helpers import make_appeal, make_correspondent

NOW = datetime(2026, 12, 7, 10, 0)
LONG = ("О подтверждении права на меру социальной поддержки по федеральному законодательству "
        "и о перерасчёте ежемесячной денежной выплаты с учётом сведений СФР "
        "(заявление № 2026-{n:06d})")


@contextlib.contextmanager
def statements(session):
    """Count the SQL statements the session's connection runs inside the block."""
    seen = []
    engine = session.get_bind()

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _requests(session, *, user, count):
    corr = make_correspondent(session)
    session.execute(insert(Request), [
        {"direction": "in", "number": f"ВХ-2026-{n:05d}", "year": 2026, "seq": n,
         "type_code": "no_benefit", "correspondent_id": corr.id, "channel": "post",
         "received_on": date(2026, 12, 1), "subject": LONG.format(n=n), "status": "in_work",
         "assigned_to_id": user.id, "due_date": date(2026, 12, 8) + timedelta(days=n % 20),
         "created_at": NOW, "created_by_id": user.id} for n in range(1, count + 1)])
    session.flush()


def test_handover_of_800_items_runs_a_bounded_number_of_statements(session, users):
    leaver, receiver = users["specialist"], make_user(session)
    _requests(session, user=leaver, count=800)
    with statements(session) as listed:
        held = handover.held_items(session, leaver.id)
    assert len(held) == 800 and len(listed) < 15, len(listed)
    with statements(session) as passed:
        row = handover.create_handover(
            session, leaver_id=leaver.id, receiver_id=receiver.id, reason="leave",
            starts_on=NOW.date(), ends_on=None, user_id=users["chief"].id, now=NOW)
    # Per item it was ~5 round trips (4,000 here); now a handful per kind and batch.
    assert len(passed) < 80, len(passed)
    assert len(row.items) == 800 and handover.held_items(session, leaver.id) == []
    assert session.scalar(select(func.count()).select_from(Request).where(
        Request.assigned_to_id == receiver.id)) == 800
    assert session.scalar(select(func.count()).select_from(Holding).where(
        Holding.handover_id == row.id, Holding.until.is_(None))) == 800
    with statements(session) as back:
        returned = handover.take_back(session, row, user_id=users["chief"].id,
                                      now=NOW + timedelta(days=14))
    assert len(returned) == 800 and len(back) < 80, len(back)
    assert len(handover.held_items(session, leaver.id)) == 800


def _handed_requests(session, users, *, count):
    """A handover, made today, of ``count`` incoming requests with long subjects."""
    leaver, receiver = users["specialist"], make_user(session)
    _requests(session, user=leaver, count=count)
    return handover.create_handover(
        session, leaver_id=leaver.id, receiver_id=receiver.id, reason="leave",
        starts_on=NOW.date(), ends_on=None, user_id=users["chief"].id, now=NOW)


def _drawn_text(pdf: bytes) -> str:
    """The PDF's text in drawing order (-raw): each cell's lines follow each other, so a
    label wrapped over several lines reads whole once the whitespace is joined back."""
    raw = subprocess.run([require_tool("pdftotext"), "-raw", "-enc", "UTF-8", "-", "-"],
                         input=pdf, capture_output=True, check=True, timeout=60).stdout
    return " ".join(raw.decode("utf-8").split())


def test_act_lists_every_item_in_full(session, users, app):
    row = _handed_requests(session, users, count=45)
    pdf = documents.handover_act_pdf(row, config=app.config)
    text = _drawn_text(pdf)
    assert "Всего передано: 45." in " ".join(pdf_text(pdf).split())
    # The list is printed as tables of 40 rows; the numbering runs on across them.
    # Every label is there whole, bracket and all (they were cut at 80 characters).
    numbers = re.findall(r"(?<![\d.-])(\d+) запрос Входящий", text)
    assert sorted(map(int, numbers)) == list(range(1, 46))
    for item in row.items:
        assert item.label.endswith(")")
        assert " ".join(item.label.split()) in text, item.label


def test_act_of_1000_items_keeps_every_label_whole(session, users, app):
    row = _handed_requests(session, users, count=1000)
    text = _drawn_text(documents.handover_act_pdf(row, config=app.config))
    assert len(row.items) == 1000 and "Всего передано: 1000." in text
    missing = [i.label for i in row.items if " ".join(i.label.split()) not in text]
    assert missing == [], f"{len(missing)} labels cut, e.g. {missing[:1]}"
    # In its own row: the number, the kind, the label, the due date, in list order.
    assert all(f" {n} {i.kind_name} {' '.join(i.label.split())} {i.due_date:%d.%m.%Y} " in text
               for n, i in enumerate(row.items, start=1))


def test_handover_dated_ahead_is_planned_until_its_date(session, users):
    leaver, receiver = users["specialist"], make_user(session)
    appeal = make_appeal(session, user=leaver, now=NOW)
    closed = make_appeal(session, user=leaver, now=NOW, subject="Другая тема")
    starts = NOW.date() + timedelta(days=1)
    row = handover.create_handover(
        session, leaver_id=leaver.id, receiver_id=receiver.id, reason="leave",
        starts_on=starts, ends_on=starts + timedelta(days=13), user_id=users["chief"].id,
        now=NOW)
    # Planned: listed, but nothing moves on the day it is made.
    assert row.planned and {i.item_id for i in row.items} == {appeal.id, closed.id}
    assert appeal.assigned_to_id == leaver.id
    assert handover.held_items(session, receiver.id) == []
    assert handover.apply_due_handovers(session, now=NOW) == ([], [])
    with pytest.raises(Conflict, match="запланирована с 08.12.2026"):
        handover.apply_handover(session, row, now=NOW)
    with pytest.raises(Conflict):
        handover.take_back(session, row, user_id=users["chief"].id, now=NOW)
    # Closed meanwhile: dropped from the list when the date comes.
    closed.status = "answered"
    session.flush()
    applied, returned = handover.apply_due_handovers(
        session, now=datetime.combine(starts, datetime.min.time()) + timedelta(hours=7))
    assert applied == [row] and returned == [] and not row.planned
    assert [i.item_id for i in row.items] == [appeal.id]
    assert appeal.assigned_to_id == receiver.id
    # The day after the return date the items go back on their own.
    applied, returned = handover.apply_due_handovers(
        session, now=datetime.combine(row.ends_on + timedelta(days=1), datetime.min.time()))
    assert applied == [] and returned == [row]
    assert appeal.assigned_to_id == leaver.id and row.taken_back_at is not None


def test_planned_handover_through_the_screens(client, session, users):
    leaver, receiver = users["specialist"], make_user(session)
    appeal = make_appeal(session, user=leaver, now=clock.now())
    session.commit()
    login(client, users["chief"])
    tomorrow = clock.today() + timedelta(days=1)
    r = client.post("/registry/handovers", data={
        "leaver_id": leaver.id, "receiver_id": receiver.id, "reason": "leave",
        "starts_on": tomorrow.strftime("%d.%m.%Y"), "ends_on": "", "scope": "all"})
    assert r.status_code == 303, r.text
    page = client.get(r.headers["Location"])
    assert f"запланирована с {tomorrow:%d.%m.%Y}" in page.text
    assert "Передать сейчас</button>" not in page.text and "Вернуть дела" not in page.text
    refused = client.post(r.headers["Location"] + "/apply")
    assert refused.status_code == 409 and "раньше этой даты" in refused.text
    session.expire_all()
    assert session.get(Appeal, appeal.id).assigned_to_id == leaver.id

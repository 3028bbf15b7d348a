"""Safe actions: every decision on a row is asked first, and undone only by its author
the same office day; an undo keeps the decision (who undid it, when) and is audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from onewindow.core import clock
from onewindow.errors import Conflict
from onewindow.security.models import AuditEntry
from onewindow.selections import services
from onewindow.selections.models import SelectionDecision, SelectionHit

from ..conftest import login
from .helpers import csv_bytes, fresh, import_file, make_recipient, snils

HX = {"HX-Request": "true"}


@pytest.fixture
def work(session, tmp_path, users):
    """Three confirmed hits (by СНИЛС) and one candidate (a letter off)."""
    people = [("Иванова", "Анна"), ("Петров", "Иван"), ("Сидорова", "Мария")]
    for n, (surname, name) in enumerate(people, start=1):
        make_recipient(session, surname=surname, name=name, patronymic="Петровна",
                       birth_date=date(1980, 5, 1), snils=snils(n))
    make_recipient(session, surname="Смирнова", name="Ольга", patronymic="Ивановна",
                   birth_date=date(1960, 2, 3), snils=None)
    session.commit()
    rows = [[snils(n), s, nm, "Петровна", "01.05.1980", "умер", "", ""]
            for n, (s, nm) in enumerate(people, start=1)]
    rows.append(["", "Смирнова", "Олга", "Ивановна", "03.02.1960", "переезд", "", ""])
    selection, _job = import_file(session, tmp_path, csv_bytes(rows), user=users["specialist"])
    hits = session.scalars(select(SelectionHit).order_by(SelectionHit.id)).all()
    ids = {"selection": selection.id,
           "confirmed": [h.id for h in hits if h.status == "confirmed"],
           "candidate": next(h.id for h in hits if h.status == "candidate")}
    session.rollback()
    return ids


def _decisions(session, hit_id):
    return [(d.kind, d.outcome, d.made_by_id, d.undone_by_id is not None) for d in
            fresh(session).scalars(select(SelectionDecision).where(
                SelectionDecision.hit_id == hit_id).order_by(SelectionDecision.id))]


def test_outcome_is_asked_first_then_recorded_then_undone(specialist_client, session, work,
                                                          users):
    hit_id = work["confirmed"][0]
    url = f"/selections/hits/{hit_id}/outcome"
    asked = specialist_client.post(url, data={"outcome": "suspended", "comment": "пр. 5"},
                                   headers=HX)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and text.lstrip().startswith("<tr")
    assert "Записать «выплата приостановлена» по строке № 2 — Иванова Анна Петровна?" in text
    assert "data-confirm-step" in text and 'name="sure" value="1"' in text
    assert 'value="пр. 5"' in text  # the comment goes with the answer
    hit = fresh(session).get(SelectionHit, hit_id)
    assert hit.processed_at is None and hit.outcome is None  # nothing recorded on one key
    assert _decisions(session, hit_id) == []

    done = specialist_client.post(url, data={"outcome": "suspended", "comment": "пр. 5",
                                             "sure": "1"}, headers=HX)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "выплата приостановлена" in text
    assert f"/selections/hits/{hit_id}/undo" in text and "Отменить" in text
    me = users["specialist"].id
    assert _decisions(session, hit_id) == [("outcome", "suspended", me, False)]

    undone = specialist_client.post(f"/selections/hits/{hit_id}/undo", headers=HX)
    text = undone.get_data(as_text=True)
    assert undone.status_code == 200 and "data-outcome-form" in text
    hit = fresh(session).get(SelectionHit, hit_id)
    assert (hit.outcome, hit.comment, hit.processed_at, hit.processed_by_id) == (
        None, None, None, None)
    decision = session.scalar(select(SelectionDecision))
    assert decision.undone_by_id == me and decision.undone_at is not None
    assert decision.outcome == "suspended" and decision.comment == "пр. 5"  # kept
    # The audit of changes saw the decision, its undoing and the hit's changes.
    rows = [(e.action, e.object_type, e.object_id, e.details) for e in session.scalars(
        select(AuditEntry).where(AuditEntry.object_type.in_(
            ("selection_hit", "selection_decision"))).order_by(AuditEntry.id))]
    assert ("create", "selection_decision", str(decision.id), None) in rows
    assert ("update", "selection_decision", str(decision.id),
            "поля: undone_at, undone_by_id") in rows
    assert [r for r in rows if r[1] == "selection_hit"] == [
        ("update", "selection_hit", str(hit_id),
         "поля: comment, outcome, processed_at, processed_by_id")] * 2
    assert all(e.user_id == me for e in session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "selection_decision")))


def test_candidate_confirmed_after_asking_and_both_steps_undone_in_turn(
        specialist_client, session, work, users):
    hit_id = work["candidate"]
    asked = specialist_client.post(f"/selections/hits/{hit_id}/decide", data={"confirm": "1"},
                                   headers=HX).get_data(as_text=True)
    assert "Подтвердить совпадение со строкой № 5 — Смирнова Ольга Ивановна?" in asked
    assert fresh(session).get(SelectionHit, hit_id).status == "candidate"
    specialist_client.post(f"/selections/hits/{hit_id}/decide",
                           data={"confirm": "1", "sure": "1"}, headers=HX)
    specialist_client.post(f"/selections/hits/{hit_id}/outcome",
                           data={"outcome": "not_required", "sure": "1"}, headers=HX)
    me = users["specialist"].id
    assert _decisions(session, hit_id) == [("confirm", None, me, False),
                                           ("outcome", "not_required", me, False)]
    # The latest first: the outcome, then the confirmation.
    specialist_client.post(f"/selections/hits/{hit_id}/undo", headers=HX)
    hit = fresh(session).get(SelectionHit, hit_id)
    assert hit.status == "confirmed" and hit.outcome is None
    specialist_client.post(f"/selections/hits/{hit_id}/undo", headers=HX)
    hit = fresh(session).get(SelectionHit, hit_id)
    assert hit.status == "candidate" and hit.decided_at is None
    assert _decisions(session, hit_id) == [("confirm", None, me, True),
                                           ("outcome", "not_required", me, True)]
    nothing = specialist_client.post(f"/selections/hits/{hit_id}/undo", headers=HX)
    assert nothing.status_code == 409
    assert "Отменять нечего" in nothing.get_data(as_text=True)


def test_another_specialist_cannot_undo(client, session, work, users):
    from ..factories import make_user

    hit_id = work["confirmed"][0]
    login(client, users["specialist"])
    client.post(f"/selections/hits/{hit_id}/outcome",
                data={"outcome": "suspended", "sure": "1"}, headers=HX)
    other = make_user(fresh(session), role="specialist")
    session.commit()
    client.post("/logout")
    login(client, other)
    row = client.get(f"/selections/hits/{hit_id}", headers=HX).get_data(as_text=True)
    assert "/undo" not in row  # not offered to another
    refused = client.post(f"/selections/hits/{hit_id}/undo", headers=HX)
    assert refused.status_code == 409
    assert ("Отменить решение может только специалист, который его записал"
            in refused.get_data(as_text=True))
    assert fresh(session).get(SelectionHit, hit_id).outcome == "suspended"


def test_undo_is_refused_after_the_office_day(session, work, users, monkeypatch):
    me = users["specialist"].id
    hit = session.get(SelectionHit, work["confirmed"][1])
    made = datetime(2026, 12, 7, 17, 55)
    services.record_outcome(session, hit, outcome="docs_requested", comment=None,
                            user_id=me, now=made)
    with pytest.raises(Conflict, match="Решение записано 07.12.2026: отменить его можно "
                                       "только в тот же день"):
        services.undo_decision(session, hit, user_id=me, now=made + timedelta(hours=7))
    assert hit.outcome == "docs_requested"
    services.undo_decision(session, hit, user_id=me, now=made + timedelta(minutes=4))
    assert hit.outcome is None
    # The page offers the undo only on that day.
    from onewindow.selections import queries

    services.record_outcome(session, hit, outcome="suspended", comment=None, user_id=me,
                            now=made)
    assert queries.undoable(session, [hit.id], user_id=me, today=made.date()) == {hit.id}
    assert queries.undoable(session, [hit.id], user_id=me,
                            today=made.date() + timedelta(days=1)) == set()


def test_outcome_is_not_overwritten(session, work, users):
    me = users["specialist"].id
    hit = session.get(SelectionHit, work["confirmed"][0])
    services.record_outcome(session, hit, outcome="suspended", comment=None, user_id=me,
                            now=clock.now())
    with pytest.raises(Conflict, match="уже записан результат; если он ошибочен, отмените"):
        services.record_outcome(session, hit, outcome="not_required", comment=None,
                                user_id=me, now=clock.now())


def test_bulk_outcome_names_the_count_and_records_all_after_yes(specialist_client, session,
                                                                work, users):
    sid = work["selection"]
    url = f"/selections/{sid}/bulk-outcome"
    asked = specialist_client.post(url, data={"outcome": "suspended"}, headers=HX)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Приостановить выплату по 3 строкам?" in text
    assert 'name="expected" value="3"' in text
    assert fresh(session).scalar(select(SelectionHit).where(
        SelectionHit.processed_at.is_not(None))) is None
    # One row worked meanwhile: the answer to «3 строкам» no longer holds.
    specialist_client.post(f"/selections/hits/{work['confirmed'][2]}/outcome",
                           data={"outcome": "not_required", "sure": "1"}, headers=HX)
    stale = specialist_client.post(url, data={"outcome": "suspended", "sure": "1",
                                              "expected": "3"})
    assert stale.status_code == 409
    assert "Список изменился: теперь строк 2, а не 3" in stale.get_data(as_text=True)
    assert "по 2 строкам" in specialist_client.post(
        url, data={"outcome": "suspended"}, headers=HX).get_data(as_text=True)
    done = specialist_client.post(url, data={"outcome": "suspended", "sure": "1",
                                             "expected": "2", "comment": "приказ 7"})
    assert done.status_code in (302, 303)
    outcomes = {h.id: (h.outcome, h.comment) for h in fresh(session).scalars(
        select(SelectionHit).where(SelectionHit.status == "confirmed"))}
    first, second, third = work["confirmed"]
    assert outcomes == {first: ("suspended", "приказ 7"), second: ("suspended", "приказ 7"),
                        third: ("not_required", None)}
    bulk = session.scalars(select(SelectionDecision.bulk_count).where(
        SelectionDecision.hit_id.in_([first, second]))).all()
    assert bulk == [2, 2]
    # Each row of a bulk decision is undone on its own.
    specialist_client.post(f"/selections/hits/{first}/undo", headers=HX)
    assert fresh(session).get(SelectionHit, first).outcome is None


def test_bulk_question_words():
    assert services.bulk_question("suspended", 1) == "Приостановить выплату по 1 строке?"
    assert services.bulk_question("docs_requested", 21) == "Запросить документы по 21 строке?"
    assert services.bulk_question("not_required", 37) == (
        "Отметить «не требуется» по 37 строкам?")
    with pytest.raises(Conflict, match="нет подтверждённых совпадений"):
        services.bulk_question("suspended", 0)


def test_page_shows_the_bulk_form_and_the_undo(specialist_client, work):
    sid = work["selection"]
    specialist_client.post(f"/selections/hits/{work['confirmed'][0]}/outcome",
                           data={"outcome": "suspended", "sure": "1"}, headers=HX)
    page = specialist_client.get(f"/selections/{sid}?state=all").get_data(as_text=True)
    assert "Записать всем…" in page
    assert f"/selections/hits/{work['confirmed'][0]}/undo" in page
    assert f"/selections/hits/{work['confirmed'][1]}/undo" not in page


def test_without_htmx_the_page_asks_in_the_row(specialist_client, session, work):
    hit_id = work["confirmed"][0]
    page = specialist_client.post(f"/selections/hits/{hit_id}/outcome",
                                  data={"outcome": "suspended"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in text
    assert "Записать «выплата приостановлена» по строке № 2" in text
    assert text.count("data-confirm-step") == 1
    assert fresh(session).get(SelectionHit, hit_id).processed_at is None
    done = specialist_client.post(f"/selections/hits/{hit_id}/outcome",
                                  data={"outcome": "suspended", "sure": "1"})
    assert done.status_code in (302, 303)
    assert fresh(session).get(SelectionHit, hit_id).outcome == "suspended"

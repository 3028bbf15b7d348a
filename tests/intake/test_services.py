"""Registration rules: numbers, deadlines, documents, statuses, cancellation."""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import delete, event, func, select

from onewindow.archive.models import CaseFile
from onewindow.calendar.services import set_override
from onewindow.catalog.models import Service
from onewindow.errors import Conflict, InvalidInput
from onewindow.extensions import db
from onewindow.intake import services
from onewindow.intake.models import Application
from onewindow.numbering import NumberCounter
from onewindow.registry import holdings
from onewindow.registry.models import Holding, Request
from onewindow.security.models import AuditEntry

from ..factories import make_applicant, make_application, make_user


def test_numbers_are_consecutive_per_year_and_restart(session):
    user = make_user(session)
    a1 = make_application(session, user=user, now=datetime(2026, 12, 30, 10))
    a2 = make_application(session, user=user, now=datetime(2026, 12, 30, 11))
    a3 = make_application(session, user=user, now=datetime(2027, 1, 11, 9))
    assert [a1.number, a2.number, a3.number] == ["2026-000001", "2026-000002", "2027-000001"]


def test_deadline_crosses_new_year_holidays(session):
    # ESP: 10 working days; 30.12.2026 → Dec 31 and Jan 1–10 are days off → 22.01.2027.
    user = make_user(session)
    app = make_application(session, user=user, service_code="ESP", now=datetime(2026, 12, 30, 10))
    assert app.service.deadline_days == 10
    assert app.deadline == date(2027, 1, 22)


def test_deadline_counts_transferred_working_saturday(session):
    # 20.02.2027 is a working Saturday; 22.02 (Mon) and 23.02 are days off.
    user = make_user(session)
    app = make_application(session, user=user, service_code="LEGAL",
                           now=datetime(2027, 2, 18, 12))
    days = app.service.deadline_days
    from onewindow.core.workdays import ProductionCalendar

    expected = ProductionCalendar().add_working_days(date(2027, 2, 18), days)
    assert app.deadline == expected
    if days == 5:
        # 19 (Fri), 20 (Sat, working), 24, 25, 26 → 26.02.2027
        assert app.deadline == date(2027, 2, 26)


def test_admin_override_moves_deadline(session):
    user = make_user(session)
    base = make_application(session, user=user, service_code="ESP", now=datetime(2026, 11, 2, 10))
    set_override(session, day=date(2026, 11, 3), working=False, note="Решение губернатора",
                 user_id=user.id)
    moved = make_application(session, user=user, service_code="ESP",
                             now=datetime(2026, 11, 2, 10))
    assert (moved.deadline - base.deadline).days >= 1


def test_missing_and_interagency_documents(session):
    user = make_user(session)
    app = make_application(session, user=user, service_code="GAZ", received=[0])
    mandatory_citizen = [d for d in app.documents if d.mandatory and not d.interagency]
    assert app.missing_documents == [d for d in mandatory_citizen if not d.received]
    assert app.interagency_documents and all(d.interagency for d in app.interagency_documents)


def test_registration_requires_a_received_document_and_applicant(session):
    user = make_user(session)
    applicant = make_applicant(session)
    with pytest.raises(InvalidInput) as err:
        make_application(session, user=user, applicant=applicant, received=[])
    assert err.value.field == "documents"
    with pytest.raises(InvalidInput) as err:
        services.register_application(
            session, applicant_id=0, service_code="ESP", documents=[], user_id=user.id,
            now=datetime(2026, 11, 27), idempotency_key="k1")
    assert err.value.field == "applicant"
    with pytest.raises(InvalidInput) as err:
        services.register_application(
            session, applicant_id=applicant.id, service_code="NOPE",
            documents=[services.DocumentLine(name="Заявление")], user_id=user.id,
            now=datetime(2026, 11, 27), idempotency_key="k2")
    assert err.value.field == "service"


def test_same_idempotency_key_returns_first_application(session):
    user = make_user(session)
    applicant = make_applicant(session)
    first = make_application(session, user=user, applicant=applicant, idempotency_key="same")
    again = make_application(session, user=user, applicant=applicant, idempotency_key="same")
    assert again.id == first.id
    assert session.scalar(select(func.count(Application.id))) == 1


def test_same_key_sent_at_the_same_moment_returns_first_and_gives_the_number_back(
        session, monkeypatch):
    """The second of two simultaneous submits misses the first in its look-up (the first was
    not yet committed), then meets its key on insert: the first is returned, no error, and
    the number it took is given back (numbers stay gapless)."""
    user = make_user(session)
    applicant = make_applicant(session)
    first = make_application(session, user=user, applicant=applicant, idempotency_key="same")
    real_find = services.find_by_key
    lookups = []

    def find_by_key(s, key):  # the early look-up does not see the first one yet
        lookups.append(key)
        return None if len(lookups) == 1 else real_find(s, key)

    monkeypatch.setattr(services, "find_by_key", find_by_key)
    again = make_application(session, user=user, applicant=applicant, idempotency_key="same")
    monkeypatch.undo()
    assert lookups == ["same", "same"]  # the insert met the key, then found the first
    assert again.id == first.id
    assert session.scalar(select(func.count(Application.id))) == 1
    following = make_application(session, user=user, applicant=applicant)
    assert following.seq == first.seq + 1


def test_status_flow_and_cancellation(session):
    user = make_user(session)
    app = make_application(session, user=user)
    now = datetime(2026, 11, 28, 9)
    with pytest.raises(Conflict):
        services.change_status(session, app, to="granted", user_id=user.id, now=now)
    services.change_status(session, app, to="transferred", user_id=user.id, now=now)
    with pytest.raises(InvalidInput):
        services.change_status(session, app, to="refused", user_id=user.id, now=now)
    services.change_status(session, app, to="refused", user_id=user.id, now=now,
                           comment="Доход выше прожиточного минимума")
    assert app.decision_reason == "Доход выше прожиточного минимума"
    with pytest.raises(Conflict):
        services.cancel_application(session, app, reason="ошибка", user_id=user.id, now=now)
    other = make_application(session, user=user)
    with pytest.raises(InvalidInput):
        services.cancel_application(session, other, reason="  ", user_id=user.id, now=now)
    services.cancel_application(session, other, reason="Заявитель отозвал заявление",
                                user_id=user.id, now=now)
    assert other.status == "cancelled" and other.cancelled_by_id == user.id
    assert [e.status_to for e in other.events] == ["accepted", "cancelled"]
    assert session.get(Application, other.id) is not None  # never deleted


def test_concurrent_registrations_get_distinct_consecutive_numbers(app, session):
    """8 desks register at once: N registrations → exactly N consecutive numbers, no error."""
    user = make_user(session)
    applicant = make_applicant(session)
    user_id, applicant_id = user.id, applicant.id
    session.commit()  # and no further read: on SQLite it would hold the write lock
    per_thread, threads = 6, 8
    errors = _desks_register(app, [applicant_id] * threads, user_id=user_id, each=per_thread)
    assert errors == []
    session.expire_all()
    total = threads * per_thread
    seqs = sorted(session.scalars(select(Application.seq)))
    assert seqs == list(range(1, total + 1))
    # The whole cascade under the lock: one case file holding every application and
    # every sheet (no lost update), and the outgoing journal gapless as well.
    files = session.scalars(select(CaseFile).where(CaseFile.applicant_id == applicant_id)).all()
    assert len(files) == 1 and len(files[0].applications) == total
    assert files[0].sheets == sum(a.total_sheets for a in files[0].applications)
    out = sorted(session.scalars(select(Request.seq).where(Request.direction == "out")))
    assert out == list(range(1, len(out) + 1)) and len(out) == total * _interagency("ESP")


def _desks_register(app, applicant_ids: list[int], *, user_id: int,
                    each: int = 1) -> list[BaseException]:
    """One desk (thread) per applicant id registers ``each`` ESP applications, all starting
    at once; returns what any of them raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(applicant_ids))

    def desk(applicant_id):
        with app.app_context():
            barrier.wait()
            for _ in range(each):
                try:
                    lines = services.checklist_lines(db.session.scalar(
                        select(Service).where(Service.code == "ESP")))
                    lines[0].received = True
                    services.register_application(
                        db.session, applicant_id=applicant_id, service_code="ESP",
                        documents=lines, user_id=user_id, now=datetime(2026, 11, 27, 10),
                        idempotency_key=uuid.uuid4().hex)
                    db.session.commit()
                except BaseException as exc:  # noqa: BLE001 - collected and asserted
                    db.session.rollback()
                    errors.append(exc)
            db.session.remove()

    workers = [threading.Thread(target=desk, args=(a,)) for a in applicant_ids]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return errors


def _interagency(code: str) -> int:
    service = db.session.scalar(select(Service).where(Service.code == code))
    return sum(1 for d in service.documents if d.interagency)


def _rows(session) -> dict:
    return {model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Application, CaseFile, Request, Holding, AuditEntry)}


def test_failure_late_in_the_cascade_rolls_back_the_number_too(app, session, monkeypatch):
    """Everything is inserted; then the last step fails: no row stays, the number is free."""
    user = make_user(session)
    applicant = make_applicant(session)
    first = make_application(session, user=user, applicant=applicant)
    session.commit()
    before = _rows(session)
    counters = dict(session.execute(select(NumberCounter.journal, NumberCounter.value)).all())

    def disk_full(*_args, **_kwargs):
        raise RuntimeError("disk full")

    # Holdings of the interagency requests start after every row is inserted.
    monkeypatch.setattr(holdings, "start_many", disk_full)
    with pytest.raises(RuntimeError, match="disk full"):
        make_application(session, user=user, applicant=make_applicant(session))
    session.rollback()
    monkeypatch.undo()
    assert _rows(session) == before
    assert dict(session.execute(select(NumberCounter.journal, NumberCounter.value)).all()) \
        == counters
    again = make_application(session, user=user, applicant=applicant)
    assert again.seq == first.seq + 1
    session.commit()
    files = session.scalars(select(CaseFile).where(CaseFile.applicant_id == applicant.id)).all()
    assert len(files) == 1 and {a.id for a in files[0].applications} == {first.id, again.id}


def test_concurrent_first_registrations_add_each_usual_addressee_once(app, session):
    """Desks registering different people at once, in an office whose directory of
    correspondents is still empty: each usual addressee is added once, every request has
    one, and no row is left with a stand-in number."""
    from onewindow.registry.models import Correspondent

    user = make_user(session)
    applicants = [make_applicant(session).id for _ in range(6)]
    session.execute(delete(Correspondent))
    user_id = user.id
    session.commit()
    assert _desks_register(app, applicants, user_id=user_id) == []
    session.expire_all()
    names = session.scalars(select(Correspondent.name)).all()
    assert len(names) == len(set(names)) and names
    requests = session.scalars(select(Request)).all()
    assert len(requests) == len(applicants) * _interagency("ESP")
    assert all(r.correspondent_id is not None for r in requests)
    assert all("заявление № 2026-" in r.subject for r in requests)
    numbers = [*session.scalars(select(Application.number)), *(r.number for r in requests),
               *session.scalars(select(CaseFile.number))]
    assert not [n for n in numbers if n.startswith("~")]
    assert min(session.scalars(select(Application.seq))) == 1
    assert sorted(r.seq for r in requests) == list(range(1, len(requests) + 1))


def test_the_number_lock_covers_only_the_numbering(app, session):
    """From the first counter to the commit only the numbers are written: every row of the
    registration is inserted before, so the other desks wait for a few statements."""
    user = make_user(session)
    applicant = make_applicant(session)
    make_application(session, user=user, applicant=applicant, service_code="ESP")
    session.commit()
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()[:3]).upper())

    engine = session.get_bind()
    for who in (applicant, make_applicant(session)):  # a case file joined, then a new one
        seen.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            make_application(session, user=user, applicant=who, service_code="ESP")
        finally:
            event.remove(engine, "before_cursor_execute", record)
        first_counter = next(i for i, s in enumerate(seen) if "NUMBER_COUNTERS" in s)
        locked = seen[first_counter:]
        assert sum("NUMBER_COUNTERS" in s for s in locked) == 1, locked  # one upsert
        inserts = [s for s in locked if s.startswith("INSERT") and "NUMBER_COUNTERS" not in s]
        # Only the joined file's event quotes the application's number: written then.
        assert inserts in ([], ["INSERT INTO CASE_FILE_EVENTS"]), locked
        assert len(locked) <= 8, locked
        session.commit()
    assert not session.scalars(select(Application).where(Application.number.like("~%"))).all()


def test_a_reserved_number_never_taken_refuses_the_commit(session):
    """A row reserved a number (it holds a stand-in) but the numbers were never taken: the
    commit is refused rather than a «~…» number registered."""
    from onewindow import numbering

    applicant = make_applicant(session)
    session.commit()
    applicant.phone = "+7 900 000-00-00"
    numbering.defer(session, journal="applications", period="2026", assign=lambda seq: None)
    with pytest.raises(RuntimeError, match="never taken"):
        session.commit()
    session.rollback()
    numbering.forget_deferred(session)
    session.refresh(applicant)
    assert applicant.phone != "+7 900 000-00-00"


def test_texts_that_quote_a_number_quote_the_real_one(session):
    """What quotes the application's number — the joined file's event, the reopened file's
    reason, the requests' subjects — is written after the number is taken, never «~…»."""
    from onewindow.archive import services as archive

    user = make_user(session)
    applicant = make_applicant(session)
    first = make_application(session, user=user, applicant=applicant, service_code="ESP")
    second = make_application(session, user=user, applicant=applicant, service_code="ESP")
    case_file = session.scalar(select(CaseFile).where(CaseFile.applicant_id == applicant.id))
    archive.close_case_file(session, case_file, reason="moved_away", note=None,
                            user_id=user.id, now=datetime(2026, 11, 30, 10))
    third = make_application(session, user=user, applicant=applicant, service_code="ESP")
    session.commit()
    session.expire_all()
    comments = [e.comment or "" for e in case_file.events]
    assert f"Заявление № {second.number}" in comments
    assert f"Новое заявление № {third.number}" in comments
    subjects = session.scalars(select(Request.subject)).all()
    assert subjects and all("~" not in s for s in [*comments, *subjects])
    assert {f"заявление № {a.number}" for a in (first, second, third)} <= {
        s[s.index("заявление №"):].rstrip(")") for s in subjects}

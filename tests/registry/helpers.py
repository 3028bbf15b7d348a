"""Small builders for the registry tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import insert

from onewindow.core import clock
from onewindow.registry import services
from onewindow.registry.models import Request

AWAITING, OWN_OVERDUE, OWN_SOON = 9400, 600, 40  # 10,040 open items

NOW = datetime(2026, 11, 27, 10, 0)


def make_correspondent(session, name="ЦСЗН по Дзержинскому району Волгограда", **kw):
    kw.setdefault("kind", "district")
    return services.add_correspondent(session, name=name, **kw)


def make_incoming(session, *, user, applicant=None, correspondent=None, now=NOW, **kw):
    if correspondent is None and "correspondent_id" not in kw:
        correspondent = make_correspondent(session)
    values = dict(type_code="no_benefit",
                  correspondent_id=correspondent.id if correspondent else None, channel="post",
                  received_on=now.date(), subject="Подтвердить неполучение ЕДВ", user_id=user.id,
                  now=now, their_number="12-34/567", their_date=date(2026, 11, 24),
                  applicant_ids=[applicant.id] if applicant else [],
                  persons_text=None if applicant else "Петров Пётр Петрович, 01.01.1960",
                  assigned_to_id=user.id)
    values.update(kw)
    return services.register_incoming_request(session, **values)


def make_appeal(session, *, user, now=NOW, **kw):
    values = dict(received_on=now.date(), channel="post", kind="statement",
                  subject="О перерасчёте компенсации", text="Прошу разъяснить расчёт.",
                  user_id=user.id, now=now, surname="Иванов", name="Иван",
                  patronymic="Петрович", sex="M", address="г. Волгоград, ул. Ленина, д. 1",
                  assigned_to_id=user.id)
    values.update(kw)
    return services.register_appeal(session, **values)


def board_rows(board, which: str) -> list:
    """The board's shown rows that are overdue, due today or upcoming."""
    today = board.today
    test = {"overdue": lambda d: d < today, "today": lambda d: d == today,
            "upcoming": lambda d: d > today}[which]
    return [i for i in board.items if test(i.due)]


def bulk_requests(session, *, user, direction, count, due, status, start_seq):
    corr = make_correspondent(session, name=f"ОСФР {direction} {start_seq}")
    now, year = clock.now(), clock.today().year
    prefix = "ИСХ" if direction == "out" else "ВХ"
    session.execute(insert(Request), [
        {"direction": direction, "number": f"{prefix}-{year}-{start_seq + n:05d}",
         "year": year, "seq": start_seq + n, "type_code": "document_out",
         "correspondent_id": corr.id, "channel": "smev", "received_on": due - timedelta(10),
         "subject": f"Сведения о доходах № {n} — длинное содержание запроса", "status": status,
         "assigned_to_id": user.id, "due_date": due, "created_at": now,
         "created_by_id": user.id} for n in range(count)])


def make_busy_office(session, users):
    """The specialist's «Сроки» at volume: 9,400 awaited answers, 600 overdue, 40 today."""
    spec = users["specialist"]
    today = clock.today()
    bulk_requests(session, user=spec, direction="out", count=AWAITING,
                   due=today - timedelta(days=3), status="sent", start_seq=1)
    bulk_requests(session, user=spec, direction="in", count=OWN_OVERDUE,
                   due=today - timedelta(days=2), status="in_work", start_seq=1)
    bulk_requests(session, user=spec, direction="in", count=OWN_SOON,
                   due=today, status="registered", start_seq=OWN_OVERDUE + 1)
    session.commit()
    return spec

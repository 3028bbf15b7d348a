"""Small builders for the registry tests."""

from __future__ import annotations

from datetime import date, datetime

from onewindow.registry import services

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

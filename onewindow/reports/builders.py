"""Reports as data (tables + charts) built from the aggregations in queries.py."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from ..catalog.models import Service
from ..core import clock
from ..intake.models import STATUS_NAMES
from ..reporting import charts
from ..reporting.periods import Period
from ..reporting.tables import DATE, DATETIME, DECIMAL, INT, PERCENT, Column, Report, Table
from . import queries

INTAKE_COLUMNS = [
    Column("Принято", INT), Column("В работе", INT), Column("Из них просрочено", INT),
    Column("Решено", INT), Column("В срок", INT), Column("С нарушением срока", INT),
    Column("Доля в срок", PERCENT), Column("Аннулировано", INT),
]


def _intake_row(line: queries.IntakeLine) -> list:
    return [line.registered, line.open, line.overdue, line.decided, line.on_time, line.late,
            line.on_time_share, line.cancelled]


def intake_report(session: Session, *, period: Period, today: date, **_) -> Report:
    f = queries.intake_figures(session, period=period, today=today)
    by_service = Table("По услугам", [Column("Код"), Column("Услуга")] + INTAKE_COLUMNS,
                       key="services")
    for line in f.by_service:
        code, _, name = line.name.partition(" — ")
        by_service.rows.append([code, name] + _intake_row(line))
    by_service.total = ["", "Итого"] + _intake_row(f.total)
    by_person = Table("По специалистам", [Column("Специалист")] + INTAKE_COLUMNS,
                      key="specialists")
    by_person.rows = [[line.name] + _intake_row(line) for line in f.by_specialist]
    by_person.total = ["Итого"] + _intake_row(f.total)
    by_status = Table("По статусам", [Column("Статус"), Column("Заявлений", INT)],
                      key="statuses")
    by_status.rows = [[STATUS_NAMES[s], f.total.statuses.get(s, 0)] for s in queries.STATUS_ORDER]
    by_day = Table("По дням", [Column("Дата", DATE), Column("Принято", INT)], key="days")
    by_day.rows = [[d, n] for d, n in f.by_day]
    report = Report("intake", "Приём заявлений", period,
                    tables=[by_service, by_person, by_status, by_day])
    report.summary = [
        ("Принято за период", f.total.registered),
        ("Решено в срок / с нарушением", f"{f.total.on_time} / {f.total.late}"),
        ("Сейчас в работе", f.open_now),
        ("Сейчас просрочено", f.overdue_now),
    ]
    report.charts = [
        charts.bar_chart("Принято заявлений по дням", [d.strftime("%d.%m") for d, _ in f.by_day],
                         [("Принято", [n for _, n in f.by_day])]),
        charts.bar_chart("Решения: в срок и с нарушением срока, по услугам",
                         [line.name.partition(" — ")[0] for line in f.by_service[:20]],
                         [("В срок", [line.on_time for line in f.by_service[:20]]),
                          ("С нарушением срока", [line.late for line in f.by_service[:20]])]),
    ]
    return report


QUEUE_COLUMNS = [
    Column("Посетителей", INT), Column("Обслужено", INT), Column("Не явились", INT),
    Column("Вне очереди", INT), Column("По записи", INT),
    Column("Ожидание ср., мин", DECIMAL), Column("Ожидание 90 %, мин", DECIMAL),
    Column("Ожидание макс., мин", DECIMAL), Column("Доля в нормативе", PERCENT),
    Column("Обслуж. ср., мин", DECIMAL), Column("Обслуж. 90 %, мин", DECIMAL),
    Column("Обслуж. макс., мин", DECIMAL),
]


def _queue_row(line: queries.QueueLine) -> list:
    return [line.visitors, line.served, line.no_show, line.out_of_turn, line.booked,
            line.avg_wait, line.p90_wait, line.max_wait, line.within_share,
            line.avg_service, line.p90_service, line.max_service]


def queue_report(session: Session, *, period: Period, standard_minutes: int = 15,
                 **_) -> Report:
    f = queries.queue_figures(session, period=period, standard_minutes=standard_minutes)
    tables = []
    for title, key, lines, first in (
        ("По дням", "days", f.by_day, Column("Дата", DATE)),
        ("По часам (время выдачи талона)", "hours", f.by_hour, Column("Час")),
        ("По окнам", "desks", f.by_desk, Column("Окно")),
        ("По целям визита", "purposes", f.by_purpose, Column("Цель визита")),
    ):
        table = Table(title, [first] + QUEUE_COLUMNS, key=key)
        table.rows = [[line.key if key == "days" else line.name] + _queue_row(line)
                      for line in lines]
        table.total = ["Итого"] + _queue_row(f.total)
        tables.append(table)
    heat = Table("Посетители: день недели × час",
                 [Column("День недели")] + [Column(f"{h:02d}", INT) for h in f.hours],
                 key="heat")
    heat.rows = [[queries.WEEKDAYS[i]] + row for i, row in enumerate(f.heat)]
    tables.append(heat)
    report = Report("queue", "Электронная очередь", period, tables=tables)
    t = f.total
    report.summary = [
        ("Посетителей", t.visitors), ("Обслужено", t.served), ("Не явились", t.no_show),
        ("Вне очереди / по записи", f"{t.out_of_turn} / {t.booked}"),
        ("Ожидание ср. / 90 % / макс., мин", "{} / {} / {}".format(
            *(_m(v) for v in (t.avg_wait, t.p90_wait, t.max_wait)))),
        (f"В нормативе ожидания ({f.standard_minutes} мин)",
         "—" if t.within_share is None else f"{t.within_share * 100:.1f}".replace(".", ",")
         + " %"),
    ]
    report.notes = [f"Норматив ожидания: {f.standard_minutes} мин (параметр standard). "
                    "Ожидание — от выдачи талона (для записавшихся — от времени записи) до "
                    "первого вызова; обслуживание — от начала до завершения приёма. "
                    "90 % — процентиль по ближайшему рангу."]
    labels = [line.key.strftime("%d.%m") for line in f.by_day]
    report.charts = [
        charts.bar_chart("Посетители по дням", labels,
                         [("Посетителей", [line.visitors for line in f.by_day])]),
        charts.line_chart("Ожидание по дням, мин", labels,
                          [("Среднее", [line.avg_wait for line in f.by_day]),
                           ("90 %", [line.p90_wait for line in f.by_day])], unit="мин"),
        charts.heat_map("Посетители: день недели × час", list(queries.WEEKDAYS),
                        [f"{h:02d}" for h in f.hours], f.heat),
        charts.bar_chart("Посетители по окнам", [line.name for line in f.by_desk],
                         [("Обслужено", [line.served for line in f.by_desk]),
                          ("Не явились", [line.no_show for line in f.by_desk])]),
    ]
    return report


def _m(value) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


def _h(seconds: float) -> float:
    return round(seconds / 3600, 2)


def working_time_report(session: Session, *, period: Period, now: datetime | None = None,
                        **_) -> Report:
    now = now or clock.now()
    lines = queries.working_time(session, period=period, now=now)
    table = Table("Рабочее время у окон", [
        Column("Специалист"), Column("Окно"), Column("Дней", INT),
        Column("У окна, ч", DECIMAL), Column("Приём, ч", DECIMAL),
        Column("Простой между вызовами, ч", DECIMAL), Column("Обслужено", INT),
        Column("Не явились", INT), Column("Посетителей в час", DECIMAL),
        Column("Дней по оценке", INT),
    ], key="work")
    table.rows = [[w.specialist, w.desk, w.days, _h(w.at_desk), _h(w.serving), _h(w.idle),
                   w.served, w.no_show, w.per_hour, w.estimated_days] for w in lines]
    sign_ins = Table("Журнал работы у окон", [
        Column("Специалист"), Column("Окно"), Column("Начало", DATETIME),
        Column("Окончание", DATETIME), Column("Часов", DECIMAL), Column("Как закончилась"),
    ], key="sign-ins")
    sign_ins.rows = [[s.specialist, s.desk, s.started, s.ended, _h(s.seconds), s.reason]
                     for s in queries.desk_sign_ins(session, period=period, now=now)]
    report = Report("working-time", "Рабочее время специалистов", period,
                    tables=[table, sign_ins])
    names = [f"{w.specialist.split()[0]} · {w.desk}" for w in lines]
    report.charts = [charts.bar_chart(
        "Время у окна, ч", names,
        [("Приём", [_h(w.serving) for w in lines]), ("Простой", [_h(w.idle) for w in lines])])]
    report.notes = ["Время у окна — по журналу работы у окон: от выбора окна до «Сменить "
                    "окно», выхода из системы, истечения сеанса или закрытия страницы окна "
                    "(тогда — до последнего сигнала страницы). Для дней без записей журнала "
                    "время оценено от первого вызова до завершения последнего приёма "
                    "(столбец «Дней по оценке»). Простой — время у окна без вызванного или "
                    "обслуживаемого посетителя."]
    return report


def proactive_report(session: Session, *, service_id: int | None = None, **_) -> Report:
    """Per service counts; with ``service_id`` the call list of that service."""
    counts = queries.proactive_counts(session)
    overview = Table("Возможно, положено: по услугам",
                     [Column("Код"), Column("Услуга"), Column("Заявителей", INT)],
                     key="services")
    overview.rows = [[s.code, s.short_name, n] for s, n in counts]
    report = Report("proactive", "Проактивное информирование («возможно, положено»)", None,
                    tables=[overview], landscape=False)
    report.charts = [charts.bar_chart("Заявителей, которым может быть положена услуга",
                                      [s.code for s, _ in counts[:25]],
                                      [("Заявителей", [n for _, n in counts[:25]])])]
    service = session.get(Service, service_id) if service_id else None
    if service is not None:
        people = Table(f"Список обзвона: {service.code} — {service.short_name}", [
            Column("№", INT), Column("Заявитель"), Column("Дата рождения", DATE),
            Column("Телефон"), Column("Адрес"), Column("Категории"),
        ], key="people")
        people.rows = [[i, c.applicant.full_name, c.applicant.birth_date, c.applicant.phone,
                        c.applicant.address, ", ".join(c.categories)]
                       for i, c in enumerate(queries.proactive_candidates(
                           session, service_id=service.id), start=1)]
        report.tables.insert(0, people)
        report.landscape = True
    return report

"""Realistic demo data: staff, applicants with Russian names, applications."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from .applicants.models import Applicant, applicant_categories
from .applicants.services import search_keys
from .auth.models import User
from .auth.passwords import DEMO_PASSWORD
from .auth.services import create_user
from .calendar.services import office_calendar
from .catalog.models import BeneficiaryCategory, Service
from .core import clock
from .core.snils import make_snils
from .intake.models import Application, ApplicationDocument, ApplicationEvent
from .intake.services import (
    DocumentLine,
    application_number,
    change_status,
    register_application,
)
from .numbering import next_values
from .queue.services import seed_queue
from .registry.models import Request
from .registry.services import record_answer_received

DEMO_STAFF = [
    ("specialist", "Рассказова Наталья Сергеевна", "specialist", "Специалист сектора «Одно окно»"),
    ("specialist2", "Ёлкин Пётр Алексеевич", "specialist", "Специалист сектора «Одно окно»"),
    ("chief", "Морозова Ольга Николаевна", "chief", "Главный специалист сектора"),
    ("director", "Медведенко Юрий Николаевич", "director", "Директор"),
    ("archivist", "Щукина Анна Владимировна", "archivist", "Архивариус"),
    ("admin", "Гончаров Андрей Викторович", "admin", "Администратор информационной системы"),
]

MALE_SURNAMES = [
    "Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Васильев", "Соколов",
    "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов",
    "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров",
    "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов",
    "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев",
    "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов",
    "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов",
    "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоренко", "Ткаченко", "Шевченко",
    "Бондаренко", "Ким", "Цой", "Щербаков", "Чернов", "Шестаков", "Ёлкин", "Пугачёв",
    "Римский-Корсаков", "Петров-Водкин", "Соколов-Микитов", "Мамин-Сибиряк",
]
MALE_NAMES = [
    "Александр", "Алексей", "Андрей", "Артём", "Борис", "Вадим", "Валерий", "Василий",
    "Виктор", "Владимир", "Геннадий", "Георгий", "Дмитрий", "Евгений", "Иван", "Игорь",
    "Константин", "Леонид", "Михаил", "Николай", "Олег", "Павел", "Пётр", "Роман", "Сергей",
    "Станислав", "Фёдор", "Юрий", "Семён", "Илья",
]
FEMALE_NAMES = [
    "Анна", "Алёна", "Валентина", "Галина", "Дарья", "Екатерина", "Елена", "Ирина", "Людмила",
    "Марина", "Мария", "Наталья", "Нина", "Ольга", "Светлана", "Татьяна", "Юлия", "Ксения",
    "Зоя", "Лидия", "Любовь", "Надежда", "Вера", "Полина", "Софья", "Евгения",
]
PATRONYMIC_BASES = [
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"), ("Андреевич", "Андреевна"),
    ("Борисович", "Борисовна"), ("Васильевич", "Васильевна"), ("Викторович", "Викторовна"),
    ("Владимирович", "Владимировна"), ("Дмитриевич", "Дмитриевна"), ("Иванович", "Ивановна"),
    ("Михайлович", "Михайловна"), ("Николаевич", "Николаевна"), ("Петрович", "Петровна"),
    ("Сергеевич", "Сергеевна"), ("Юрьевич", "Юрьевна"), ("Фёдорович", "Фёдоровна"),
    ("Семёнович", "Семёновна"), ("Ильич", "Ильинична"), ("Олегович", "Олеговна"),
]
STREETS = [
    "ул. Тракторостроителей", "пр-т им. В. И. Ленина", "ул. Кропоткина", "ул. Богунская",
    "ул. Титова", "ул. Хользунова", "ул. Кузнецова", "ул. Еременко", "ул. Германа Титова",
    "ул. Вершинина", "ул. Писемского", "ул. Маршала Ерёменко", "ул. Таращанцев",
]


def feminine(surname: str) -> str:
    """Иванов → Иванова, Соколов-Микитов → Соколова-Микитова; unchanged for Ким, Ткаченко."""
    def one(part: str) -> str:
        if part.endswith(("ов", "ёв", "ев", "ин", "ын")):
            return part + "а"
        if part.endswith("ский"):
            return part[:-2] + "ая"
        if part.endswith("ой"):
            return part[:-2] + "ая"
        return part
    return "-".join(one(p) for p in surname.split("-"))


def random_person(rng: random.Random) -> dict:
    sex = rng.choice("MF")
    surname = rng.choice(MALE_SURNAMES)
    pat = rng.choice(PATRONYMIC_BASES)
    if sex == "M":
        name, patronymic = rng.choice(MALE_NAMES), pat[0]
    else:
        surname, name, patronymic = feminine(surname), rng.choice(FEMALE_NAMES), pat[1]
    birth = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 365 * 70))
    issue = max(birth + timedelta(days=365 * 20 + rng.randrange(0, 3000)), date(1998, 1, 1))
    issue = min(issue, clock.today() - timedelta(days=30))
    return {
        "surname": surname, "name": name, "patronymic": patronymic, "sex": sex,
        "birth_date": birth, "id_doc_type": "passport_ru",
        "id_doc_series": f"18{rng.randrange(0, 100):02d}",
        "id_doc_number": f"{rng.randrange(0, 1_000_000):06d}",
        "id_doc_issued_by": "ГУ МВД России по Волгоградской области",
        "id_doc_issue_date": issue,
        "address": f"400{rng.randrange(1, 140):03d}, г. Волгоград, {rng.choice(STREETS)}, "
                   f"д. {rng.randrange(1, 120)}, кв. {rng.randrange(1, 300)}",
        "phone": f"+7 (9{rng.randrange(10, 99)}) {rng.randrange(100, 999)}-"
                 f"{rng.randrange(10, 99)}-{rng.randrange(10, 99)}",
    }


# Who may plausibly hold a category: (sexes, youngest age, oldest age, born from, born until).
# Dates from the category itself: Stalingrad's children were under 18 during the battle
# (23.08.1942–02.02.1943), home-front workers worked at 14+ before 09.05.1945, the
# Chernobyl clean-up (1986–1990) took adults. «Ребёнок-инвалид» is the child's, not the
# applying parent's, category.
_ANY = "MF"
CATEGORY_FIT: dict[str, tuple[str, int, int, date | None, date | None]] = {
    "labour_veteran": (_ANY, 55, 120, None, None),
    "labour_veteran_vo": (_ANY, 55, 120, None, None),
    "pensioner": (_ANY, 55, 120, None, None),
    "home_front": (_ANY, 0, 120, None, date(1931, 5, 9)),
    "stalingrad_children": (_ANY, 0, 120, date(1924, 8, 23), date(1943, 2, 2)),
    "rehabilitated": (_ANY, 0, 120, None, date(1955, 12, 31)),
    "repression_victim": (_ANY, 0, 120, None, date(1955, 12, 31)),
    "disabled": (_ANY, 18, 120, None, None),
    "honorary_donor": (_ANY, 25, 120, None, None),
    "chernobyl": (_ANY, 0, 120, None, date(1968, 12, 31)),
    "radiation": (_ANY, 18, 120, None, None),
    "military_family": (_ANY, 18, 120, None, None),
    "low_income": (_ANY, 18, 120, None, None),
    "large_family": (_ANY, 20, 50, None, None),
    "family_with_children": (_ANY, 18, 55, None, None),
    "twins_family": (_ANY, 18, 50, None, None),
    "student_family": (_ANY, 18, 30, None, None),
    "pregnant": ("F", 18, 42, None, None),
    "nursing_mother": ("F", 18, 42, None, None),
    "single_parent": (_ANY, 18, 55, None, None),
    "vaccine_complication": (_ANY, 18, 120, None, None),
}


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def fitting_categories(*, sex: str, birth_date: date, today: date) -> list[str]:
    """The category codes a person of this sex and birth date may plausibly hold."""
    age = _age(birth_date, today)
    # Men retire later: a man under 60 is no pensioner or labour veteran in the demo.
    old_age = 55 if sex == "F" else 60
    found = []
    for code, (sexes, youngest, oldest, born_from, born_until) in CATEGORY_FIT.items():
        if code in ("pensioner", "labour_veteran", "labour_veteran_vo"):
            youngest = old_age
        if (sex in sexes and youngest <= age <= oldest
                and (born_from is None or birth_date >= born_from)
                and (born_until is None or birth_date <= born_until)):
            found.append(code)
    return found


def ensure_staff(session: Session) -> dict[str, User]:
    staff = {}
    for username, full_name, role, position in DEMO_STAFF:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(session, username=username, full_name=full_name, role=role,
                               password=DEMO_PASSWORD, position=position, demo=True)
        staff[username] = user
    return staff


def make_applicants(session: Session, count: int, rng: random.Random,
                    snils_start: int) -> list[int]:
    """Insert applicants in bulk; returns their ids."""
    category_ids = dict(session.execute(select(BeneficiaryCategory.code,
                                               BeneficiaryCategory.id)).all())
    today = clock.today()
    rows, held = [], []
    for i in range(count):
        person = random_person(rng)
        person["snils"] = make_snils(snils_start + i * 7)
        person.update(search_keys(person["surname"], person["name"], person["patronymic"]))
        rows.append(person)
        fitting = [category_ids[c] for c in fitting_categories(
            sex=person["sex"], birth_date=person["birth_date"], today=today)
            if c in category_ids]
        held.append(rng.sample(fitting, k=min(len(fitting), rng.choice((0, 0, 1, 1, 2)))))
    first_id = (session.scalar(select(func.max(Applicant.id))) or 0) + 1
    session.execute(Applicant.__table__.insert(), rows)
    ids = list(session.scalars(select(Applicant.id).where(Applicant.id >= first_id)
                               .order_by(Applicant.id)))
    links = [{"applicant_id": a, "category_id": c}
             for a, cats in zip(ids, held, strict=True) for c in cats]
    if links:
        session.execute(applicant_categories.insert(), links)
    return ids


#: The newest applications go through the desk's own registration (case files,
#: interagency requests, audit): about 20 ms each. Older ones of the year are inserted in
#: bulk as decided, so 50 000 applicants (100 000 applications) take a minute or two, not
#: half an hour.
LIVE_APPLICATIONS = 600
LIVE_DAYS = 60
HISTORY_DAYS = 365
BATCH = 5_000


def make_demo(session: Session, *, applicants: int, applications: int | None,
              random_seed: int = 1) -> str:
    """Create staff, ``applicants`` applicants and about two applications each.

    The newest :data:`LIVE_APPLICATIONS` are registered over the last two months as a desk
    would; any beyond them are the year before, decided, inserted in bulk.
    """
    rng = random.Random(random_seed)
    seed_queue(session)
    staff = ensure_staff(session)
    start = 100_000_000 + (session.scalar(select(func.count(Applicant.id))) or 0) * 7
    ids = make_applicants(session, applicants, rng, snils_start=start)
    services = list(session.scalars(select(Service).where(Service.active)))
    n_apps = applications if applications is not None else applicants * 2
    if not (services and ids):
        n_apps = 0
    live = min(n_apps, LIVE_APPLICATIONS)
    specialists = [staff["specialist"], staff["specialist2"]]
    now = clock.now()
    _history(session, count=n_apps - live, rng=rng, applicant_ids=ids, services=services,
             registrars=[u.id for u in specialists], decider=staff["chief"].id, now=now)
    whens = []
    for _ in range(live):
        when = now - timedelta(days=rng.randrange(0, LIVE_DAYS), hours=rng.randrange(0, 6),
                               minutes=rng.randrange(0, 60))
        whens.append(min(when.replace(hour=min(max(when.hour, 9), 17)), now))
    for when in sorted(whens):
        service = rng.choice(services)
        user = rng.choice(specialists)
        app = register_application(
            session, applicant_id=rng.choice(ids), service_code=service.code,
            documents=_document_lines(service, rng), user_id=user.id, now=when,
            idempotency_key=uuid.uuid4().hex,
        )
        age = (now - when).days
        if age > 1:
            change_status(session, app, to="transferred", user_id=user.id,
                          now=when + timedelta(hours=3))
        if age > service.deadline_days + 3 and rng.random() < 0.9:
            refused = rng.random() < 0.15
            change_status(session, app, to="refused" if refused else "granted",
                          user_id=staff["chief"].id, now=when + timedelta(days=5),
                          comment=REFUSAL if refused else None)
    answered = answer_interagency_requests(session, rng, now=now)
    return (f"Демо-данные: сотрудников {len(staff)}, заявителей {len(ids)}, "
            f"заявлений {n_apps}, ответов на межведомственные запросы {answered}")


REFUSAL = "Не подтверждено право на меру поддержки"


def _document_lines(service: Service, rng: random.Random) -> list[DocumentLine]:
    lines = []
    for d in service.documents:
        got = not d.interagency and (d.mandatory or rng.random() < 0.4)
        lines.append(DocumentLine(name=d.name, form=d.form, sheets=rng.randint(1, 4) if got
                                  else 0, received=got, mandatory=d.mandatory,
                                  interagency=d.interagency, from_checklist=True))
    return lines


def _history(session: Session, *, count: int, rng: random.Random, applicant_ids: list[int],
             services: list[Service], registrars: list[int], decider: int, now) -> None:
    """``count`` decided applications of the year before the live ones, in bulk.

    Numbered from the year's counter (``numbering.next_values``, oldest first, so the desk's
    registrations continue after them), each with its checklist documents and its history
    (accepted → transferred → granted or refused).
    """
    if count <= 0:
        return
    calendar = office_calendar(session)
    # From LIVE_DAYS + 1 days back: with the hour set to office hours, a day exactly
    # LIVE_DAYS back would be younger than LIVE_DAYS whenever it is earlier than that hour.
    whens = sorted(
        (now - timedelta(days=rng.randrange(LIVE_DAYS + 1, HISTORY_DAYS))).replace(
            hour=rng.randrange(9, 17), minute=rng.randrange(60), second=rng.randrange(60),
            microsecond=0)
        for _ in range(count))
    per_year: dict[int, int] = {}
    for when in whens:
        per_year[when.year] = per_year.get(when.year, 0) + 1
    seqs = {year: iter(next_values(session, journal="applications", period=str(year),
                                   count=n)) for year, n in sorted(per_year.items())}
    deadlines: dict[tuple[date, int], date] = {}
    apps, docs, events = (Application.__table__, ApplicationDocument.__table__,
                          ApplicationEvent.__table__)
    for first in range(0, count, BATCH):
        plan = []
        for when in whens[first:first + BATCH]:
            service = rng.choice(services)
            key = (when.date(), service.deadline_days)
            if key not in deadlines:
                deadlines[key] = calendar.add_working_days(*key)
            refused = rng.random() < 0.15
            decided = when + timedelta(days=rng.randint(2, max(3, service.deadline_days)))
            seq = next(seqs[when.year])
            plan.append((service, when, decided, refused, {
                "number": application_number(when.year, seq), "year": when.year, "seq": seq,
                "service_id": service.id, "applicant_id": rng.choice(applicant_ids),
                "registered_at": when, "registered_by_id": rng.choice(registrars),
                "deadline": deadlines[key], "status": "refused" if refused else "granted",
                "status_changed_at": decided, "decided_at": decided,
                "decision_reason": REFUSAL if refused else None,
                "idempotency_key": uuid.UUID(int=rng.getrandbits(128)).hex, "version": 1}))
        new_ids = session.execute(
            insert(apps).returning(apps.c.id, sort_by_parameter_order=True),
            [row for *_rest, row in plan]).scalars().all()
        doc_rows, event_rows = [], []
        for app_id, (service, when, decided, refused, row) in zip(new_ids, plan, strict=True):
            for position, line in enumerate(_document_lines(service, rng), start=1):
                doc_rows.append({"application_id": app_id, "position": position,
                                 "name": line.name, "form": line.form, "sheets": line.sheets,
                                 "received": line.received, "mandatory": line.mandatory,
                                 "interagency": line.interagency, "from_checklist": True})
            user = row["registered_by_id"]
            event_rows += [
                {"application_id": app_id, "at": when, "user_id": user, "status_from": None,
                 "status_to": "accepted", "comment": "Заявление зарегистрировано"},
                {"application_id": app_id, "at": when + timedelta(hours=3), "user_id": user,
                 "status_from": "accepted", "status_to": "transferred", "comment": None},
                {"application_id": app_id, "at": decided, "user_id": decider,
                 "status_from": "transferred", "status_to": row["status"],
                 "comment": REFUSAL if refused else None}]
        session.execute(insert(docs), doc_rows)
        session.execute(insert(events), event_rows)


def answer_interagency_requests(session: Session, rng: random.Random, *, now) -> int:
    """Answers come as in a working office: most within the 5 working days, some late,
    a realistic few (about 1 in 12 of those due) still awaited past their term."""
    today = now.date()
    answered = 0
    for req in session.scalars(select(Request).where(
            Request.direction == "out", Request.status == "sent").order_by(Request.id)):
        due = req.due_date or today
        if due >= today and rng.random() < 0.5:
            continue  # not due yet: still waiting, as it should be
        if due < today and rng.random() < 1 / 12:
            continue  # overdue: the office will chase it
        span = max((min(due, today) - req.received_on).days, 0)
        on = req.received_on + timedelta(days=rng.randint(0, span))
        if due < today and rng.random() < 0.1:  # a late answer
            on = min(due + timedelta(days=rng.randint(1, 5)), today)
        record_answer_received(session, req, number=f"{rng.randint(100, 9999)}",
                               on=on, text="Сведения представлены", user_id=req.assigned_to_id
                               or req.created_by_id, now=now)
        answered += 1
    return answered

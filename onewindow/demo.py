"""Realistic demo data: staff, applicants with Russian names, applications."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .applicants.models import Applicant, applicant_categories
from .applicants.services import search_keys
from .auth.models import User
from .auth.services import create_user
from .catalog.models import BeneficiaryCategory, Service
from .core import clock
from .core.snils import make_snils
from .intake.services import DocumentLine, change_status, register_application
from .queue.services import seed_queue

DEMO_PASSWORD = "demo-odno-okno"

DEMO_STAFF = [
    ("specialist", "Рассказова Наталья Сергеевна", "specialist", "Специалист сектора «Одно окно»"),
    ("specialist2", "Ёлкин Пётр Алексеевич", "specialist", "Специалист сектора «Одно окно»"),
    ("chief", "Морозова Ольга Николаевна", "chief", "Главный специалист сектора"),
    ("director", "Медведенко Юрий Николаевич", "director", "Директор"),
    ("archivist", "Щукина Анна Владимировна", "archivist", "Архивариус"),
    ("admin", "Администратор Системы", "admin", "Администратор"),
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
    "Зоя", "Лидия", "Любовь", "Надежда", "Вера", "Полина", "Софья", "Ёлка",
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


def ensure_staff(session: Session) -> dict[str, User]:
    staff = {}
    for username, full_name, role, position in DEMO_STAFF:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(session, username=username, full_name=full_name, role=role,
                               password=DEMO_PASSWORD, position=position)
        staff[username] = user
    return staff


def make_applicants(session: Session, count: int, rng: random.Random,
                    snils_start: int) -> list[int]:
    """Insert applicants in bulk; returns their ids."""
    categories = list(session.scalars(select(BeneficiaryCategory.id)))
    rows = []
    for i in range(count):
        person = random_person(rng)
        person["snils"] = make_snils(snils_start + i * 7)
        person.update(search_keys(person["surname"], person["name"], person["patronymic"]))
        rows.append(person)
    first_id = (session.scalar(select(func.max(Applicant.id))) or 0) + 1
    session.execute(Applicant.__table__.insert(), rows)
    ids = list(session.scalars(select(Applicant.id).where(Applicant.id >= first_id)))
    if categories:
        links = [{"applicant_id": a, "category_id": c}
                 for a in ids for c in rng.sample(categories, k=rng.choice((0, 0, 1, 1, 2)))]
        if links:
            session.execute(applicant_categories.insert(), links)
    return ids


def make_demo(session: Session, *, applicants: int, applications: int | None,
              random_seed: int = 1) -> str:
    """Create staff, ``applicants`` applicants and about two applications each."""
    rng = random.Random(random_seed)
    seed_queue(session)
    staff = ensure_staff(session)
    start = 100_000_000 + (session.scalar(select(func.count(Applicant.id))) or 0) * 7
    ids = make_applicants(session, applicants, rng, snils_start=start)
    services = list(session.scalars(select(Service).where(Service.active)))
    n_apps = applications if applications is not None else min(applicants * 2, 600)
    specialists = [staff["specialist"], staff["specialist2"]]
    now = clock.now()
    whens = []
    for _ in range(n_apps if services and ids else 0):
        when = now - timedelta(days=rng.randrange(0, 60), hours=rng.randrange(0, 6),
                               minutes=rng.randrange(0, 60))
        whens.append(min(when.replace(hour=min(max(when.hour, 9), 17)), now))
    for when in sorted(whens):
        service = rng.choice(services)
        lines = []
        for d in service.documents:
            got = not d.interagency and (d.mandatory or rng.random() < 0.4)
            lines.append(DocumentLine(name=d.name, form=d.form, sheets=rng.randint(1, 4) if got
                                      else 0, received=got, mandatory=d.mandatory,
                                      interagency=d.interagency, from_checklist=True))
        user = rng.choice(specialists)
        app = register_application(
            session, applicant_id=rng.choice(ids), service_code=service.code, documents=lines,
            user_id=user.id, now=when, idempotency_key=uuid.uuid4().hex,
        )
        age = (now - when).days
        if age > 1:
            change_status(session, app, to="transferred", user_id=user.id,
                          now=when + timedelta(hours=3))
        if age > service.deadline_days + 3 and rng.random() < 0.9:
            refused = rng.random() < 0.15
            change_status(session, app, to="refused" if refused else "granted",
                          user_id=staff["chief"].id, now=when + timedelta(days=5),
                          comment="Не подтверждено право на меру поддержки" if refused else None)
    return (f"Демо-данные: сотрудников {len(staff)}, заявителей {len(ids)}, "
            f"заявлений {n_apps}")

"""Generate a district- or region-sized database fast, through the real tables.

Schema comes from the Alembic migrations, the catalog from ``seed_catalog``, staff and
people from :mod:`onewindow.demo` (the same name generator: ё, double surnames, valid
СНИЛС). Big tables are filled in bulk: ``Table.insert()`` executemany on SQLite, COPY
(psycopg's ``cursor.copy``) on PostgreSQL. Ids are assigned here, so rows can point at
each other without reading anything back; PostgreSQL sequences are moved past them.

Optional areas (archive, queue) are filled only when their models are importable, so
the generator keeps working while an area is missing.
"""

from __future__ import annotations

import importlib
import math
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Table, func, select, text

from onewindow import demo
from onewindow.applicants.services import search_keys
from onewindow.core import clock
from onewindow.core.snils import make_snils
from onewindow.extensions import db

CHUNK = 20_000
SNILS_START = 100_000_000
SNILS_STEP = 7
#: Folders opened on this day make the 1,000-label sheet.
LABEL_DAY = date(2025, 3, 14)
BENCH_DESKS = 8
BENCH_PASSWORD = demo.DEMO_PASSWORD
# One specialist per desk: a person works at one window at a time (onewindow.queue.desks).
DESK_USERS = tuple(f"desk{n}" for n in range(1, BENCH_DESKS + 1))


@dataclass(frozen=True)
class Scale:
    """How much of everything to generate."""

    name: str
    applicants: int
    applications: int
    case_files: int
    boxes: int
    ticket_days: int
    tickets_per_day: int
    label_sheet: int  # folders opened on LABEL_DAY
    waiting_tickets: int  # today's line for «call next»


SCALES = {
    "tiny": Scale("tiny", 400, 1_200, 300, 10, 5, 20, 40, 60),
    "district": Scale("district", 50_000, 150_000, 75_000, 1_000, 250, 150, 1_000, 300),
    "region": Scale("region", 1_000_000, 3_000_000, 1_500_000, 20_000, 250, 1_500, 1_000,
                    300),
}


@dataclass
class Generated:
    """What was generated, with the timings; the scenarios draw their inputs from here."""

    scale: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    areas: list[str] = field(default_factory=list)
    today: str = ""
    label_day: str = LABEL_DAY.isoformat()

    def as_dict(self) -> dict:
        return asdict(self)


def area_available(module: str) -> bool:
    """True when an optional area's module imports (it may not have landed yet)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------ bulk writer


class BulkWriter:
    """Write row tuples into a table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"

    def write(self, table: Table, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        count = 0
        if self.postgres:
            raw = self.connection.connection.driver_connection
            cols = ", ".join(f'"{c}"' for c in columns)
            with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as cp:
                for row in rows:
                    cp.write_row(row)
                    count += 1
            return count
        stmt = table.insert()
        chunk: list[dict] = []
        for row in rows:
            chunk.append(dict(zip(columns, row, strict=True)))
            if len(chunk) >= CHUNK:
                self.connection.execute(stmt, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            self.connection.execute(stmt, chunk)
            count += len(chunk)
        return count

    def fix_sequences(self, tables: Iterable[str]) -> None:
        if not self.postgres:
            return
        for name in tables:
            self.connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT max(id) FROM \"{name}\"), 0) + 1, false)"))


def _table(name: str) -> Table:
    return db.metadata.tables[name]


# ------------------------------------------------------------------ row generators


def applicant_rows(count: int, rng: random.Random, *, now: datetime,
                   first_id: int = 1) -> Iterator[tuple]:
    """Applicants from the demo generator, with unique valid СНИЛС."""
    for i in range(count):
        p = demo.random_person(rng)
        keys = search_keys(p["surname"], p["name"], p["patronymic"])
        yield (first_id + i, p["surname"], p["name"], p["patronymic"], p["birth_date"],
               p["sex"], make_snils(SNILS_START + i * SNILS_STEP), p["id_doc_type"],
               p["id_doc_series"], p["id_doc_number"], p["id_doc_issued_by"],
               p["id_doc_issue_date"], p["address"], p["phone"], None, keys["search_name"],
               keys["search_initials"], keys["search_alt"], keys["search_given"], now, None,
               now, 1)


APPLICANT_COLUMNS = (
    "id", "surname", "name", "patronymic", "birth_date", "sex", "snils", "id_doc_type",
    "id_doc_series", "id_doc_number", "id_doc_issued_by", "id_doc_issue_date", "address",
    "phone", "email", "search_name", "search_initials", "search_alt", "search_given",
    "created_at", "created_by_id",
    "updated_at", "version",
)

APPLICATION_COLUMNS = (
    "id", "number", "year", "seq", "service_id", "applicant_id", "registered_at",
    "registered_by_id", "deadline", "status", "status_changed_at", "decided_at",
    "idempotency_key", "version",
)
DOCUMENT_COLUMNS = ("id", "application_id", "position", "name", "form", "sheets", "received",
                    "mandatory", "interagency", "from_checklist")
EVENT_COLUMNS = ("id", "application_id", "at", "user_id", "status_from", "status_to", "comment")


def application_times(count: int, rng: random.Random, *, now: datetime) -> list[datetime]:
    """Office-hours registration moments over the last three years, oldest first."""
    span = 3 * 365
    out = []
    for _ in range(count):
        day = now - timedelta(days=rng.randrange(1, span))
        out.append(day.replace(hour=rng.randrange(9, 17), minute=rng.randrange(60),
                               second=rng.randrange(60), microsecond=0))
    out.sort()
    return out


# ------------------------------------------------------------------ the generator


def generate(app, scale: Scale, *, seed: int = 1, log: Callable[[str], None] = print
             ) -> Generated:
    """Migrate, seed and fill the app's (empty) database to ``scale``."""
    from flask_migrate import upgrade

    from onewindow.catalog.models import Service
    from onewindow.catalog.services import seed_catalog

    result = Generated(scale=scale.name, today=clock.today().isoformat())
    rng = random.Random(seed)
    now = clock.now()

    def timed(label: str):
        class _T:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                result.seconds[label] = round(time.perf_counter() - self.t0, 2)
                log(f"  {label}: {result.seconds[label]:.1f} s")
        return _T()

    with app.app_context():
        with timed("schema"):
            upgrade()
            seed_catalog(db.session)
            staff = demo.ensure_staff(db.session)
            specialists = [staff["specialist"].id, staff["specialist2"].id]
            db.session.commit()
        services = list(db.session.scalars(select(Service).where(Service.active)
                                           .order_by(Service.id)))
        service_docs = {s.id: [(d.name, d.form, d.mandatory, d.interagency)
                               for d in s.documents][:2] for s in services}
        service_info = [(s.id, s.code, s.deadline_days) for s in services]
        archivist_id = staff["archivist"].id
        db.session.remove()

        engine = db.engine
        with engine.begin() as conn:
            writer = BulkWriter(conn)
            with timed("applicants"):
                result.counts["applicants"] = writer.write(
                    _table("applicants"), APPLICANT_COLUMNS,
                    applicant_rows(scale.applicants, rng, now=now))
            with timed("applications"):
                counts = _applications(writer, scale, rng, now=now, services=service_info,
                                       docs=service_docs, specialists=specialists)
                result.counts.update(counts)
            writer.fix_sequences(["applicants", "applications", "application_documents",
                                  "application_events"])

        if area_available("onewindow.archive.models"):
            result.areas.append("archive")
            with engine.begin() as conn, timed("archive"):
                writer = BulkWriter(conn)
                result.counts.update(_archive(writer, scale, rng, now=now,
                                              services=service_info, user_id=archivist_id))
        if area_available("onewindow.queue.services"):
            result.areas.append("queue")
            with timed("queue"):
                result.counts.update(_queue(app, engine, scale, rng, now=now,
                                            specialists=specialists))
        if engine.dialect.name == "postgresql":
            # VACUUM too, not only ANALYZE: rows bulk-loaded a moment ago make autovacuum
            # (its insert threshold) scan the big tables while the first scenarios run — half
            # a core of "others" in every round. An office's database is not freshly loaded.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn, \
                    timed("vacuum analyze"):
                conn.execute(text("VACUUM (ANALYZE)"))
    return result


def _applications(writer: BulkWriter, scale: Scale, rng: random.Random, *, now: datetime,
                  services, docs, specialists) -> dict[str, int]:
    from onewindow.numbering import NumberCounter

    whens = application_times(scale.applications, rng, now=now)
    seqs: dict[int, int] = {}
    plan = []
    for when in whens:
        seqs[when.year] = seqs.get(when.year, 0) + 1
        plan.append((when, seqs[when.year]))

    def rows():
        for i, (when, seq) in enumerate(plan, start=1):
            service_id, _code, days = services[rng.randrange(len(services))]
            age = (now - when).days
            if age > days * 2:
                status, changed, decided = "granted", when + timedelta(days=days), \
                    when + timedelta(days=days)
            elif age > 1:
                status, changed, decided = "transferred", when + timedelta(hours=3), None
            else:
                status, changed, decided = "accepted", when, None
            yield (i, f"{when.year}-{seq:06d}", when.year, seq, service_id,
                   rng.randrange(1, scale.applicants + 1), when,
                   specialists[i % len(specialists)],
                   (when + timedelta(days=math.ceil(days * 1.4))).date(), status, changed,
                   decided, uuid.UUID(int=rng.getrandbits(128)).hex, 1)

    n = writer.write(_table("applications"), APPLICATION_COLUMNS, rows())

    def doc_rows():
        # Two received documents per application, named after a service's checklist.
        doc_id = 0
        sids = list(docs)
        for app_id in range(1, n + 1):
            names = docs[sids[app_id % len(sids)]] or [("Заявление", "original", True, False)]
            for pos, (name, form, mandatory, inter) in enumerate(names, start=1):
                doc_id += 1
                yield (doc_id, app_id, pos, name, form, rng.randrange(1, 5), True, mandatory,
                       inter, True)

    def event_rows():
        for app_id, (when, _seq) in enumerate(plan, start=1):
            yield (app_id, app_id, when, specialists[app_id % len(specialists)], None,
                   "accepted", "Заявление зарегистрировано")

    n_docs = writer.write(_table("application_documents"), DOCUMENT_COLUMNS, doc_rows())
    n_events = writer.write(_table("application_events"), EVENT_COLUMNS, event_rows())
    writer.write(NumberCounter.__table__, ("journal", "period", "value"),
                 ((("applications", str(y), v)) for y, v in seqs.items()))
    return {"applications": n, "application_documents": n_docs, "application_events": n_events}


# ------------------------------------------------------------------ archive


CASE_COLUMNS = ("id", "number", "applicant_id", "service_id", "year", "opened_on",
                "opened_by_id", "status", "sheets", "box_id", "created_at")


def _archive(writer: BulkWriter, scale: Scale, rng: random.Random, *, now: datetime,
             services, user_id) -> dict[str, int]:
    from onewindow.numbering import NumberCounter

    n_boxes = scale.boxes
    per_shelf, per_rack, racks_per_room = 10, 5, 20
    n_shelves = math.ceil(n_boxes / per_shelf)
    n_racks = math.ceil(n_shelves / per_rack)
    n_rooms = math.ceil(n_racks / racks_per_room)
    writer.write(_table("archive_rooms"), ("id", "name"),
                 ((r, f"Архив № {r}") for r in range(1, n_rooms + 1)))
    writer.write(_table("archive_racks"), ("id", "room_id", "number"),
                 ((k, (k - 1) // racks_per_room + 1, (k - 1) % racks_per_room + 1)
                  for k in range(1, n_racks + 1)))
    writer.write(_table("archive_shelves"), ("id", "rack_id", "number"),
                 ((s, (s - 1) // per_rack + 1, (s - 1) % per_rack + 1)
                  for s in range(1, n_shelves + 1)))
    per_box = math.ceil(scale.case_files / n_boxes)
    writer.write(_table("archive_boxes"),
                 ("id", "barcode", "shelf_id", "number", "capacity", "created_at"),
                 ((b, f"BOX{b:06d}", (b - 1) // per_shelf + 1, (b - 1) % per_shelf + 1,
                   max(50, per_box), now) for b in range(1, n_boxes + 1)))

    n_services = len(services)
    label_ids = set(rng.sample(range(1, scale.case_files + 1),
                               min(scale.label_sheet, scale.case_files)))
    seqs: dict[tuple[str, int], int] = {}

    def rows():
        for i in range(scale.case_files):
            case_id = i + 1
            applicant = i % scale.applicants + 1
            # A second folder of one applicant is for another service: (applicant, service)
            # stays unique.
            service_id, code, _days = services[(i // scale.applicants + applicant * 7)
                                               % n_services]
            if case_id in label_ids:
                opened = LABEL_DAY
            else:
                opened = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 11 * 365))
                if opened == LABEL_DAY:
                    opened += timedelta(days=1)
            key = (code, opened.year)
            seqs[key] = seqs.get(key, 0) + 1
            yield (case_id, f"{code}/{opened.year}/{seqs[key]:05d}", applicant, service_id,
                   opened.year, opened, user_id, "active", rng.randrange(5, 120),
                   i // per_box + 1, now)

    n = writer.write(_table("case_files"), CASE_COLUMNS, rows())
    counters = [(f"case:{code}", str(year), value) for (code, year), value in seqs.items()]
    counters.append(("archive_boxes", "all", n_boxes))
    writer.write(NumberCounter.__table__, ("journal", "period", "value"), counters)
    writer.fix_sequences(["archive_rooms", "archive_racks", "archive_shelves", "archive_boxes",
                          "case_files"])
    return {"case_files": n, "archive_boxes": n_boxes}


# ------------------------------------------------------------------ queue


TICKET_COLUMNS = ("id", "day", "seq", "number", "purpose_id", "priority", "status", "issued_at",
                  "queued_at", "called_at", "first_called_at", "started_at", "finished_at",
                  "desk_id", "specialist_id", "call_count", "ahead_at_issue", "version")


def _queue(app, engine, scale: Scale, rng: random.Random, *, now: datetime,
           specialists) -> dict[str, int]:
    from onewindow.auth.models import User
    from onewindow.auth.services import create_user
    from onewindow.numbering import NumberCounter
    from onewindow.queue.models import Desk, VisitPurpose
    from onewindow.queue.services import seed_queue

    with app.app_context():
        seed_queue(db.session)
        purposes = list(db.session.scalars(select(VisitPurpose).order_by(VisitPurpose.position)))
        have = db.session.scalar(select(func.max(Desk.number))) or 0
        for number in range(have + 1, BENCH_DESKS + 1):
            db.session.add(Desk(number=number, name="", purposes=list(purposes)))
        for username in DESK_USERS:
            if db.session.scalar(select(User.id).where(User.username == username)) is None:
                p = demo.random_person(rng)
                create_user(db.session, username=username, role="specialist",
                            full_name=f"{p['surname']} {p['name']} {p['patronymic']}",
                            password=BENCH_PASSWORD, position="Специалист сектора «Одно окно»",
                            demo=True)
        db.session.commit()
        desk_ids = list(db.session.scalars(select(Desk.id).order_by(Desk.number)))
        purpose_info = [(p.id, p.letter) for p in purposes]
        db.session.remove()

    today = now.date()
    days = []
    d = today - timedelta(days=1)
    while len(days) < scale.ticket_days:
        if d.weekday() < 5:
            days.append(d)
        d -= timedelta(days=1)
    days.reverse()

    events: list[tuple] = []
    services: list[tuple] = []
    counters: dict[tuple[str, str], int] = {}

    def rows():
        ticket_id = 0
        for day in days:
            opening = datetime.combine(day, datetime.min.time()).replace(hour=9)
            for k in range(scale.tickets_per_day):
                ticket_id += 1
                pid, letter = purpose_info[k % len(purpose_info)]
                seq = counters.get((letter, day.isoformat()), 0) + 1
                counters[(letter, day.isoformat())] = seq
                issued = opening + timedelta(seconds=k * 28_800 // scale.tickets_per_day)
                called = issued + timedelta(minutes=rng.randrange(1, 25))
                finished = called + timedelta(minutes=rng.randrange(3, 20))
                desk = desk_ids[k % len(desk_ids)]
                user = specialists[k % len(specialists)]
                events.extend([(issued, "issued", None, None), (called, "called", desk, user),
                               (finished, "finished", desk, user)])
                services.append((ticket_id, pid))
                yield (ticket_id, day, seq, f"{letter}-{seq:03d}", pid, "walk_in", "finished",
                       issued, issued, called, called, called, finished, desk, user, 1, 0, 1)
        # Today's line: visitors waiting for «call next».
        start = now - timedelta(minutes=scale.waiting_tickets)
        for k in range(scale.waiting_tickets):
            ticket_id += 1
            pid, letter = purpose_info[k % len(purpose_info)]
            seq = counters.get((letter, today.isoformat()), 0) + 1
            counters[(letter, today.isoformat())] = seq
            issued = start + timedelta(seconds=k * 30)
            events.append((issued, "issued", None, None))
            services.append((ticket_id, pid))
            yield (ticket_id, today, seq, f"{letter}-{seq:03d}", pid, "walk_in", "waiting",
                   issued, issued, None, None, None, None, None, None, 0, k, 1)

    with engine.begin() as conn:
        writer = BulkWriter(conn)
        n = writer.write(_table("queue_tickets"), TICKET_COLUMNS, rows())
        ticket_of_event = []
        # Events were collected per ticket in order: 3 for a served ticket, 1 for waiting.
        served = scale.ticket_days * scale.tickets_per_day
        for t in range(1, served + 1):
            ticket_of_event.extend([t, t, t])
        tid = served
        for _ in range(scale.waiting_tickets):
            tid += 1
            ticket_of_event.append(tid)
        writer.write(_table("queue_ticket_events"),
                     ("id", "ticket_id", "at", "action", "desk_id", "user_id"),
                     ((i, ticket_of_event[i - 1], *ev) for i, ev in enumerate(events, start=1)))
        writer.write(_table("queue_ticket_services"),
                     ("id", "ticket_id", "purpose_id", "position"),
                     ((i, t, p, 1) for i, (t, p) in enumerate(services, start=1)))
        writer.write(NumberCounter.__table__, ("journal", "period", "value"),
                     ((f"ticket:{letter}", day, v) for (letter, day), v in counters.items()
                      if day == today.isoformat()))
        writer.fix_sequences(["queue_tickets", "queue_ticket_events", "queue_ticket_services"])
    return {"tickets": n, "ticket_events": len(events)}

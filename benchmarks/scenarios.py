"""What is measured: one :class:`Scenario` per desk action, registered in SCENARIOS.

A scenario names the area it needs (a module that must import; otherwise it is
skipped and reported as such), picks its inputs from the generated database, and makes
one request per call, returning ``(seconds, ok)``. Its floor is either the same request
against the bare Flask app (:mod:`benchmarks.floor`) or a callable timed in-process
(the PDF drawn straight with ReportLab). Adding a scenario for a new area is one
``register(Scenario(...))`` call.
"""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from onewindow.core import clock
from onewindow.core.snils import format_snils

from . import floor as floor_mod
from .datagen import (
    BENCH_DESKS,
    BENCH_PASSWORD,
    DESK_USERS,
    LABEL_DAY,
    Generated,
    Scale,
    area_available,
)
from .server import Client

HX = {"HX-Request": "true"}


@dataclass
class Target:
    """The issue's target for a scenario (None = no target)."""

    p95_ms: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    cpu_ms: float | None = None  # server CPU per request
    ratio: float | None = None  # ours / floor
    ratio_on: str = "p95"  # which percentile the ratio compares
    no_errors: bool = True

    def describe(self) -> str:
        parts = []
        if self.p50_ms is not None:
            parts.append(f"p50 ≤ {self.p50_ms:g} ms")
        if self.p95_ms is not None:
            parts.append(f"p95 ≤ {self.p95_ms:g} ms")
        if self.p99_ms is not None:
            parts.append(f"p99 ≤ {self.p99_ms:g} ms")
        if self.cpu_ms is not None:
            parts.append(f"CPU ≤ {self.cpu_ms:g} ms/req")
        if self.ratio is not None:
            parts.append(f"{self.ratio_on} ≤ {self.ratio:g}× floor")
        return ", ".join(parts) or "—"


@dataclass
class Context:
    """What a scenario may use to prepare: the scale, the database, logged-in clients."""

    scale: Scale
    generated: Generated
    engine: Engine
    port: int
    rng: random.Random
    floor_port: int | None = None
    shared: dict[str, Any] = field(default_factory=dict)  # set-up shared by scenarios
    _logins: dict[str, Client] = field(default_factory=dict)

    def rows(self, sql: str, **params) -> list:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    def login(self, username: str) -> Client:
        """A client logged in as ``username`` (one session per user, cloned per thread)."""
        if username not in self._logins:
            self._logins[username] = Client(self.port).login(username, BENCH_PASSWORD)
        return self._logins[username]


@dataclass
class Scenario:
    name: str
    title: str
    area: str  # module that must be importable
    requests: dict[str, int]  # per scale
    concurrency: int
    prepare: Callable[[Context], Any]
    call: Callable[[Client, Any, int], tuple[float, bool]]
    user: str = "specialist"
    clients: Callable[[Context, Any, int], list[Client]] | None = None
    floor_call: Callable[[Client, Any, int], tuple[float, bool]] | None = None
    floor_inprocess: Callable[[Context, Any], Callable[[int], None]] | None = None
    target: Target = field(default_factory=Target)
    warmup: int = 4
    #: figures beyond latency, from the scenario's state and pooled stats: {label: text}
    extra: Callable[[Any, dict], dict[str, str]] | None = None

    def available(self) -> bool:
        return area_available(self.area)

    def count(self, scale: str) -> int:
        return self.requests.get(scale, self.requests.get("district", 10))

    def warmup_for(self, scale: str) -> int:
        """Warm every worker; at tiny scale (CI) a few calls are enough."""
        return min(self.warmup, 4) if scale == "tiny" else self.warmup


SCENARIOS: list[Scenario] = []


def register(scenario: Scenario) -> Scenario:
    SCENARIOS.append(scenario)
    return scenario


# ------------------------------------------------------------------ measuring


def timed(client: Client, method: str, path: str, form=None, headers=None,
          expect: int = 200, contains: bytes | None = None) -> tuple[float, bool]:
    t0 = time.perf_counter()
    status, _h, body = client.request(method, path, form, headers)
    elapsed = time.perf_counter() - t0
    ok = status == expect and (contains is None or contains in body)
    return elapsed, ok


@dataclass
class Sample:
    latencies: list[float]
    errors: int
    wall: float
    cpu: float | None = None  # server CPU seconds spent on the measured calls

    @property
    def count(self) -> int:
        return len(self.latencies)


def run_load(clients: list[Client], call: Callable[[Client, Any, int], tuple[float, bool]],
             state: Any, total: int, *, warmup: int = 0, offset: int | None = None,
             cpu: Callable[[], float] | None = None) -> Sample:
    """``total`` calls spread over one thread per client; warm-up calls are not kept.

    ``cpu`` reads the server's CPU seconds; the difference over the measured calls is
    the server's own work, which a busy machine does not inflate the way it does latency.
    Call ``i`` gets index ``offset + i`` (``warmup`` by default), so interleaved rounds go
    on through the scenario's inputs instead of repeating the first ones.
    """
    offset = warmup if offset is None else offset
    for i in range(warmup):
        call(clients[i % len(clients)], state, i)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(total))

    def worker(client: Client) -> None:
        nonlocal errors
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                seconds, ok = call(client, state, i + offset)
            except Exception:  # noqa: BLE001 - a failed request is an error, not a crash
                seconds, ok = 0.0, False
            with lock:
                if ok:
                    latencies.append(seconds)
                else:
                    errors += 1

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    cpu0 = cpu() if cpu else None
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    used = cpu() - cpu0 if cpu else None
    return Sample(latencies, errors, wall, used)


def run_inprocess(fn: Callable[[int], None], total: int, *, warmup: int = 1,
                  offset: int = 0) -> Sample:
    for i in range(warmup):
        fn(i)
    latencies = []
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for i in range(total):
        s = time.perf_counter()
        fn(offset + i)
        latencies.append(time.perf_counter() - s)
    return Sample(latencies, 0, time.perf_counter() - t0, time.process_time() - cpu0)


def _clones(ctx: Context, user: str, n: int) -> list[Client]:
    base = ctx.login(user)
    return [base.clone() for _ in range(n)]


def _csrf(ctx: Context, user: str, page: str) -> str:
    return ctx.login(user).csrf_token(page)


# ------------------------------------------------------------------ applicant search


def _prepare_snils(ctx: Context):
    n = ctx.generated.counts["applicants"]
    ids = [ctx.rng.randrange(1, n + 1) for _ in range(500)]
    rows = ctx.rows(f"SELECT snils FROM applicants WHERE id IN ({','.join(map(str, ids))})")
    return {"csrf": _csrf(ctx, "specialist", "/applicants/"),
            "queries": [format_snils(r[0]) for r in rows]}


def _prepare_surname(ctx: Context):
    n = ctx.generated.counts["applicants"]
    ids = ",".join(str(ctx.rng.randrange(1, n + 1)) for _ in range(300))
    rows = ctx.rows(f"SELECT surname FROM applicants WHERE id IN ({ids})")
    # What a specialist types: the first four to six letters of a surname.
    queries = [r[0][: ctx.rng.randrange(4, 7)] for r in rows]
    return {"csrf": _csrf(ctx, "specialist", "/applicants/"), "queries": queries}


def _search_call(client: Client, state, i: int):
    q = state["queries"][i % len(state["queries"])]
    return timed(client, "POST", "/applicants/search", {"q": q, "csrf_token": state["csrf"]},
                 HX, contains=b"data-item")


def _floor_search_call(client: Client, state, i: int):
    q = state["queries"][i % len(state["queries"])]
    return timed(client, "POST", "/applicants/search", {"q": q}, HX, contains=b"data-item")


# Issue 23 tightened the ratios (were 3×, 4× and 1.5×) and registration (was p95 100 ms).
SEARCH_TARGET = Target(p95_ms=50, ratio=2.5)

register(Scenario(
    name="search_snils", title="Поиск заявителя по СНИЛС (фрагмент)",
    area="onewindow.applicants.queries", requests={"tiny": 16, "district": 1500,
                                                   "region": 3000},
    concurrency=4, prepare=_prepare_snils, call=_search_call,
    floor_call=_floor_search_call, target=SEARCH_TARGET, warmup=20))

register(Scenario(
    name="search_surname", title="Поиск заявителя по началу фамилии (20 строк)",
    area="onewindow.applicants.queries", requests={"tiny": 16, "district": 1500,
                                                   "region": 3000},
    concurrency=4, prepare=_prepare_surname, call=_search_call,
    floor_call=_floor_search_call, target=SEARCH_TARGET, warmup=20))


# ------------------------------------------------------------------ registration


def _prepare_register(ctx: Context):
    services = ctx.rows("SELECT s.code, d.position, d.mandatory, d.interagency FROM services s "
                        "JOIN service_documents d ON d.service_id = s.id WHERE s.active "
                        "ORDER BY s.code, d.position")
    forms: dict[str, list[int]] = {}
    for code, position, mandatory, interagency in services:
        forms.setdefault(code, [])
        if (mandatory and not interagency) or not forms[code]:
            forms[code].append(position)
    n = ctx.generated.counts["applicants"]
    return {"csrf": _csrf(ctx, "specialist", "/applicants/"), "services": sorted(forms.items()),
            "applicants": [ctx.rng.randrange(1, n + 1) for _ in range(1000)]}


def _register_call(client: Client, state, i: int):
    code, positions = state["services"][i % len(state["services"])]
    form = {"csrf_token": state["csrf"], "applicant_id": state["applicants"][i % 1000],
            "service": code, "idempotency_key": uuid.uuid4().hex}
    for p in positions:
        form[f"doc-{p}-received"] = "1"
        form[f"doc-{p}-sheets"] = "2"
    return timed(client, "POST", "/applications/", form, expect=303)


register(Scenario(
    name="register", title="Регистрация заявления (POST)", area="onewindow.intake.services",
    requests={"tiny": 8, "district": 400, "region": 600}, concurrency=4,
    prepare=_prepare_register, call=_register_call, target=Target(p95_ms=60, p99_ms=150, cpu_ms=25),
    warmup=4))


# ------------------------------------------------------------------ receipt PDF


def _prepare_receipt(ctx: Context):
    n = ctx.generated.counts["applications"]
    ids = [ctx.rng.randrange(1, n + 1) for _ in range(200)]
    return {"ids": ids}


def _receipt_call(client: Client, state, i: int):
    app_id = state["ids"][i % len(state["ids"])]
    return timed(client, "GET", f"/applications/{app_id}/receipt.pdf", contains=b"%PDF")


def _receipt_floor(ctx: Context, state):
    data = [floor_mod.receipt_data(ctx.engine, app_id) for app_id in state["ids"][:20]]
    return lambda i: floor_mod.draw_receipt(data[i % len(data)])


register(Scenario(
    name="receipt_pdf", title="Расписка PDF", area="onewindow.intake.documents",
    requests={"tiny": 3, "district": 100, "region": 100}, concurrency=2,
    prepare=_prepare_receipt, call=_receipt_call, floor_inprocess=_receipt_floor,
    target=Target(p50_ms=150, ratio=3, ratio_on="p50"), warmup=4))


# ------------------------------------------------------------------ archive


def _prepare_scan_case(ctx: Context):
    n = ctx.generated.counts["case_files"]
    ids = ",".join(str(ctx.rng.randrange(1, n + 1)) for _ in range(500))
    codes = [r[0] for r in ctx.rows(f"SELECT number FROM case_files WHERE id IN ({ids})")]
    return {"csrf": _csrf(ctx, "archivist", "/archive/scan"), "codes": codes}


def _prepare_scan_box(ctx: Context):
    n = ctx.generated.counts["archive_boxes"]
    codes = [f"BOX{ctx.rng.randrange(1, n + 1):06d}" for _ in range(300)]
    return {"csrf": _csrf(ctx, "archivist", "/archive/scan"), "codes": codes}


def _scan_call(client: Client, state, i: int):
    code = state["codes"][i % len(state["codes"])]
    return timed(client, "POST", "/archive/scan",
                 {"csrf_token": state["csrf"], "mode": "lookup", "code": code}, HX,
                 contains=code.encode())


def _floor_scan_call(client: Client, state, i: int):
    code = state["codes"][i % len(state["codes"])]
    return timed(client, "POST", "/archive/scan", {"code": code}, HX, contains=code.encode())


register(Scenario(
    name="scan_case", title="Скан штрихкода дела (фрагмент)", area="onewindow.archive.views",
    requests={"tiny": 16, "district": 1500, "region": 3000}, concurrency=4,
    prepare=_prepare_scan_case, call=_scan_call, user="archivist",
    floor_call=_floor_scan_call, target=SEARCH_TARGET, warmup=20))

register(Scenario(
    name="scan_box", title="Скан штрихкода короба (фрагмент с содержимым)",
    area="onewindow.archive.views", requests={"tiny": 12, "district": 600, "region": 1000},
    concurrency=4, prepare=_prepare_scan_box, call=_scan_call, user="archivist",
    floor_call=_floor_scan_call, target=SEARCH_TARGET, warmup=20))


def _prepare_labels(ctx: Context):
    return {"path": f"/archive/labels.pdf?selection=day&day={LABEL_DAY:%d.%m.%Y}&format=sheet"}


def _labels_call(client: Client, state, i: int):
    return timed(client, "GET", state["path"], contains=b"%PDF")


def _labels_floor(ctx: Context, state):
    return lambda i: floor_mod.draw_labels(floor_mod.label_data(ctx.engine, LABEL_DAY))


register(Scenario(
    name="labels_1000", title="Лист этикеток дел (1 000 шт.) PDF", area="onewindow.archive.labels",
    requests={"tiny": 2, "district": 5, "region": 5}, concurrency=1,
    prepare=_prepare_labels, call=_labels_call, user="archivist",
    floor_inprocess=_labels_floor, target=Target(ratio=1.3, ratio_on="p50"), warmup=1))


def _prepare_inventory(ctx: Context):
    n = ctx.generated.counts["archive_boxes"]
    return {"ids": [ctx.rng.randrange(1, n + 1) for _ in range(50)]}


def _inventory_call(client: Client, state, i: int):
    box_id = state["ids"][i % len(state["ids"])]
    return timed(client, "GET", f"/archive/boxes/{box_id}/inventory.pdf", contains=b"%PDF")


def _inventory_floor(ctx: Context, state):
    return lambda i: floor_mod.draw_inventory(
        floor_mod.inventory_data(ctx.engine, state["ids"][i % len(state["ids"])]))


register(Scenario(
    name="box_inventory", title="Опись дел короба PDF", area="onewindow.archive.documents",
    requests={"tiny": 2, "district": 40, "region": 40}, concurrency=2,
    prepare=_prepare_inventory, call=_inventory_call, user="archivist",
    floor_inprocess=_inventory_floor, warmup=2))


# ------------------------------------------------------------------ queue

_FINISH_RE = re.compile(rb"/queue/desk/tickets/(\d+)/finish")


def _desk_clients(ctx: Context, state, n: int) -> list[Client]:
    """Eight desks: a specialist each (one window per person), signed in at the desk."""
    desks = [r[0] for r in ctx.rows("SELECT id FROM queue_desks WHERE active "
                                     "ORDER BY number")][:BENCH_DESKS]
    clients = []
    for user, desk_id in zip(DESK_USERS, desks, strict=False):
        client = Client(ctx.port).login(user, BENCH_PASSWORD)
        token = client.csrf_token("/queue/desk")
        status, _h, _b = client.request("POST", "/queue/desk/select",
                                        {"csrf_token": token, "desk_id": desk_id})
        if status != 303:
            raise RuntimeError(f"could not take desk {desk_id}: HTTP {status}")
        client.csrf = token
        client.desk_id = desk_id
        clients.append(client)
    return clients


def _prepare_call_next(ctx: Context):
    return {"engine": ctx.engine}


def _call_next(client: Client, state, i: int):
    """«Вызвать следующего» (measured), then «Завершить» that ticket (not measured)."""
    seconds, ok = timed(client, "POST", "/queue/desk/next", {"csrf_token": client.csrf},
                        expect=303)
    with state["engine"].connect() as conn:
        ticket_id = conn.execute(text(
            "SELECT id FROM queue_tickets WHERE desk_id = :d AND status = 'called'"),
            {"d": client.desk_id}).scalar()
    if ticket_id is None:
        return seconds, False
    client.request("POST", f"/queue/desk/tickets/{ticket_id}/finish",
                   {"csrf_token": client.csrf})
    return seconds, ok


register(Scenario(
    name="call_next", title="«Вызвать следующего», 8 окон одновременно",
    area="onewindow.queue.services", requests={"tiny": 16, "district": 240, "region": 240},
    concurrency=BENCH_DESKS, prepare=_prepare_call_next, call=_call_next,
    clients=_desk_clients, target=Target(p95_ms=100), warmup=8))


def waiting_tickets_needed(scale: str) -> int:
    sc = next(s for s in SCENARIOS if s.name == "call_next")
    boards = next(s for s in SCENARIOS if s.name == "board_reach")
    calls = (boards.count(scale) + boards.warmup) // (25 if scale == "tiny" else 100) + 2
    return sc.count(scale) + sc.warmup + calls + 20


# ------------------------------------------------------------------ slow pages (issue 23)

DEADLINE_ITEMS = 10_000
HANDOVER_ITEMS = 1_000
_ROW_RE = re.compile(rb"<tr[ >]")


def _user_id(ctx: Context, username: str) -> int:
    return ctx.rows("SELECT id FROM users WHERE username = :u", u=username)[0][0]


def _prepare_open_items(ctx: Context) -> dict:
    """10 000 open applications on the «Сроки» board, 1 000 of them held by specialist2.

    The newest applications are made open with deadlines from 10 days overdue to the
    horizon; every other open one is decided, so the board shows about 10 000 items.
    """
    if "open_items" in ctx.shared:
        return ctx.shared["open_items"]
    tiny = ctx.scale.name == "tiny"  # CI: the same path at a size it runs quickly
    items, held = (300, 100) if tiny else (DEADLINE_ITEMS, HANDOVER_ITEMS)
    today = clock.today()
    top = ctx.rows("SELECT max(id) FROM applications")[0][0]
    cut = top - items + 1
    leaver, other = _user_id(ctx, "specialist2"), _user_id(ctx, "specialist")
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE applications SET status = 'granted' WHERE status IN "
                          "('accepted', 'transferred') AND id < :cut"), {"cut": cut})
        conn.execute(text("UPDATE applications SET status = 'accepted', deadline = :d, "
                          "registered_by_id = :by WHERE id = :id"),
                     [{"id": i, "d": today + timedelta(days=(i % 13) - 10),
                       "by": leaver if i < cut + held else other}
                      for i in range(cut, top + 1)])
        conn.execute(text("UPDATE applications SET registered_by_id = :other WHERE "
                          "registered_by_id = :leaver AND id < :cut"),
                     {"other": other, "leaver": leaver, "cut": cut})
    # Handovers go there and back; the turn is shared, so the act's own handover
    # (prepared after the measured ones) goes the right way.
    ctx.shared["open_items"] = {"leaver": leaver, "receiver": _user_id(ctx, "director"),
                                "turn": 0, "lock": threading.Lock()}
    return ctx.shared["open_items"]


def _prepare_deadlines(ctx: Context):
    _prepare_open_items(ctx)
    return {"sizes": [], "rows": []}


def _deadlines_call(client: Client, state, i: int):
    t0 = time.perf_counter()
    status, _h, body = client.request("GET", "/registry/deadlines")
    elapsed = time.perf_counter() - t0
    state["sizes"].append(len(body))
    state["rows"].append(len(_ROW_RE.findall(body)))
    return elapsed, status == 200


def _deadlines_extra(state, _stats) -> dict[str, str]:
    if not state["sizes"]:
        return {}
    kb = max(state["sizes"]) / 1024
    return {"page": f"{kb:.0f} KB ({'≤' if kb <= 200 else '>'} 200 KB target)",
            "table rows": str(max(state["rows"]))}


register(Scenario(
    name="deadlines_10k", title="«Сроки» (все), 10 000 открытых дел",
    area="onewindow.registry.queries", requests={"tiny": 3, "district": 20, "region": 20},
    concurrency=1, prepare=_prepare_deadlines, call=_deadlines_call, user="chief",
    target=Target(p95_ms=300), warmup=1, extra=_deadlines_extra))


def _prepare_handover(ctx: Context):
    return {"people": _prepare_open_items(ctx), "ids": [],
            "csrf": _csrf(ctx, "chief", "/registry/handovers/new")}


def _handover_form(state) -> dict:
    people = state["people"]
    with people["lock"]:
        turn = people["turn"]
        people["turn"] += 1
    leaver, receiver = people["leaver"], people["receiver"]
    if turn % 2:
        leaver, receiver = receiver, leaver
    return {"csrf_token": state["csrf"], "leaver_id": leaver, "receiver_id": receiver,
            "reason": "leave", "starts_on": f"{clock.today():%d.%m.%Y}", "ends_on": "",
            "scope": "all"}


def _handover_call(client: Client, state, i: int):
    t0 = time.perf_counter()
    status, headers, _b = client.request("POST", "/registry/handovers", _handover_form(state))
    elapsed = time.perf_counter() - t0
    match = re.search(r"/handovers/(\d+)", headers.get("Location") or "")
    if match:
        state["ids"].append(int(match.group(1)))
    return elapsed, status == 303 and match is not None


def _handover_extra(state, _stats) -> dict[str, str]:
    if not state["ids"]:
        return {}
    return {"items": str(_handover_items(state))}


def _handover_items(state) -> int:
    with state["engine"].connect() as conn:
        return conn.execute(text("SELECT count(*) FROM registry_handover_items "
                                 "WHERE handover_id = :h"), {"h": state["ids"][-1]}).scalar()


def _prepare_handover_with_engine(ctx: Context):
    state = _prepare_handover(ctx)
    state["engine"] = ctx.engine
    return state


register(Scenario(
    name="handover_1000", title="Передача дел: 1 000 заявлений (POST, всё числящееся)",
    area="onewindow.registry.handover", requests={"tiny": 2, "district": 6, "region": 6},
    concurrency=1, prepare=_prepare_handover_with_engine, call=_handover_call, user="chief",
    target=Target(p95_ms=1000), warmup=1, extra=_handover_extra))


def _prepare_act(ctx: Context):
    state = _prepare_handover_with_engine(ctx)
    client = ctx.login("chief")
    _seconds, ok = _handover_call(client, state, 0)
    if not ok:
        raise RuntimeError("could not create a handover for its act")
    return state


def _act_call(client: Client, state, i: int):
    return timed(client, "GET", f"/registry/handovers/{state['ids'][-1]}/act.pdf",
                 contains=b"%PDF")


register(Scenario(
    name="handover_act", title="Акт передачи дел (1 000 позиций) PDF",
    area="onewindow.registry.documents", requests={"tiny": 2, "district": 5, "region": 5},
    concurrency=1, prepare=_prepare_act, call=_act_call, user="chief",
    target=Target(p95_ms=2000), warmup=1, extra=_handover_extra))


def _prepare_year_report(ctx: Context):
    today = clock.today()
    # CI runs the same report over a month: a year's PDF takes seconds per call.
    start = today - timedelta(days=30 if ctx.scale.name == "tiny" else 365)
    return {"path": f"/reports/queue.pdf?period=range&from={start:%d.%m.%Y}"
                    f"&to={today:%d.%m.%Y}"}


def _year_report_call(client: Client, state, i: int):
    return timed(client, "GET", state["path"], contains=b"%PDF")


register(Scenario(
    name="queue_report_year", title="Отчёт «Электронная очередь» за год PDF",
    area="onewindow.reports.documents", requests={"tiny": 2, "district": 5, "region": 5},
    concurrency=1, prepare=_prepare_year_report, call=_year_report_call, user="chief",
    target=Target(p95_ms=2000), warmup=1))


BOARDS = 50


def _board_clients(ctx: Context, state, n: int) -> list[Client]:
    clients = []
    for _ in range(n):
        client = Client(ctx.port)
        client.etag = None
        clients.append(client)
    return clients


def _prepare_board(ctx: Context):
    return {"statuses": {200: 0, 304: 0}, "lock": threading.Lock()}


def _poll(client: Client, state) -> tuple[int, bytes, float, float]:
    """One board poll with the ETag it holds: status, body, seconds, when it answered."""
    headers = dict(HX)
    if client.etag:
        headers["If-None-Match"] = client.etag
    t0 = time.perf_counter()
    status, resp_headers, body = client.request("GET", "/board/calls", headers=headers)
    done = time.perf_counter()
    client.etag = resp_headers.get("ETag") or client.etag
    with state["lock"]:
        state["statuses"][status] = state["statuses"].get(status, 0) + 1
    return status, body, done - t0, done


def _board_call(client: Client, state, i: int):
    status, _body, elapsed, _done = _poll(client, state)
    return elapsed, status in (200, 304)


def _board_extra(state, stats) -> dict[str, str]:
    seen = sum(state["statuses"].values()) or 1
    out = {"304": f"{state['statuses'].get(304, 0) * 100 / seen:.0f} % of polls"}
    cpu = stats.get("cpu_ms_per_request")
    if cpu is not None:
        # 50 boards polling once a second: server CPU seconds per minute.
        out["CPU"] = f"{cpu * BOARDS * 60 / 1000:.1f} s per minute for {BOARDS} boards"
    return out


register(Scenario(
    name="board_poll", title=f"Табло в зале: {BOARDS} табло опрашивают /board/calls",
    area="onewindow.queue.views", requests={"tiny": 100, "district": 3000, "region": 3000},
    concurrency=BOARDS, prepare=_prepare_board, call=_board_call, clients=_board_clients,
    warmup=BOARDS, extra=_board_extra))


# A desk calls while 50 boards poll once a second each, as in a hall: how long until a
# call is on every board (p95 over boards × calls), and the server CPU a minute of it.
BOARD_PERIOD = 1.0
_NUMBER_RE = re.compile(rb'data-number="([^"]+)"')


def _reach_clients(ctx: Context, state, n: int) -> list[Client]:
    clients = _board_clients(ctx, state, n)
    for client in clients:
        client.next_at = 0.0
        client.seen = set()
    return clients


def _prepare_reach(ctx: Context):
    desk = _desk_clients(ctx, None, 1)[0]
    every = 25 if ctx.scale.name == "tiny" else 100
    return {"desk": desk, "engine": ctx.engine, "every": every, "calls": [],
            "reach": [], "statuses": {200: 0, 304: 0}, "lock": threading.Lock(),
            "desk_lock": threading.Lock(), "rng": random.Random(7)}


def _desk_calls(state) -> None:
    """The desk finishes its visitor and calls the next one; the call's moment is kept."""
    desk = state["desk"]
    with state["desk_lock"]:
        with state["engine"].connect() as conn:
            current = conn.execute(text(
                "SELECT id FROM queue_tickets WHERE desk_id = :d AND status = 'called'"),
                {"d": desk.desk_id}).scalar()
        if current is not None:
            desk.request("POST", f"/queue/desk/tickets/{current}/finish",
                         {"csrf_token": desk.csrf})
        status, _h, _b = desk.request("POST", "/queue/desk/next", {"csrf_token": desk.csrf})
        called_at = time.perf_counter()
        if status != 303:
            return
        with state["engine"].connect() as conn:
            number = conn.execute(text(
                "SELECT number FROM queue_tickets WHERE desk_id = :d AND status = 'called'"),
                {"d": desk.desk_id}).scalar()
        if number is not None:
            with state["lock"]:
                state["calls"].append((number.encode(), called_at))


def _reach_call(client: Client, state, i: int):
    if i % state["every"] == 0:
        _desk_calls(state)
    now = time.perf_counter()
    if client.next_at < now - BOARD_PERIOD:  # a new round: boards start out of step
        client.next_at = now + state["rng"].random() * BOARD_PERIOD
    if client.next_at > now:
        time.sleep(client.next_at - now)
    client.next_at += BOARD_PERIOD
    status, body, elapsed, done = _poll(client, state)
    if status == 200:
        shown = set(_NUMBER_RE.findall(body))
        with state["lock"]:
            for number, called_at in state["calls"]:
                if number in shown and (number, called_at) not in client.seen:
                    client.seen.add((number, called_at))
                    state["reach"].append(done - called_at)
    return elapsed, status in (200, 304)


def _reach_extra(state, stats) -> dict[str, str]:
    out = _board_extra(state, stats)
    reach = sorted(state["reach"])
    if reach:
        p95 = reach[min(len(reach) - 1, int(len(reach) * 0.95))]
        out["call on the boards"] = (f"p50 {reach[len(reach) // 2] * 1000:.0f} ms, p95 "
                                     f"{p95 * 1000:.0f} ms over {len(state['calls'])} calls × "
                                     f"{BOARDS} boards polling every {BOARD_PERIOD:g} s")
    return out


register(Scenario(
    name="board_reach", title=f"Табло: {BOARDS} табло раз в секунду, окно вызывает",
    area="onewindow.queue.board", requests={"tiny": 100, "district": 3000, "region": 3000},
    concurrency=BOARDS, prepare=_prepare_reach, call=_reach_call, clients=_reach_clients,
    warmup=BOARDS, extra=_reach_extra))

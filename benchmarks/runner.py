"""One benchmark run: database → data → our server → floor → report → clean up."""

from __future__ import annotations

import os
import random
import secrets
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from . import archive_import, report
from .datagen import SCALES, generate
from .rounds import (
    DEFAULT_MAX_LOAD,
    DEFAULT_ROUNDS,
    MIN_ROUNDS,
    Watch,
    judge_round,
    order,
    per_round,
    pooled,
    round_ratio,
    summarize_ratios,
)
from .scenarios import SCENARIOS, Context, Scenario, run_inprocess, run_load
from .server import Client, Server, cpu_seconds

#: What gunicorn serves; an experiment may point it at a patched build of the app.
APP_SPEC = os.environ.get("BENCH_APP_SPEC", "app:app")
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class Database:
    """A throwaway database: an SQLite file in a temp dir, or onewindow_bench_* on PostgreSQL."""

    def __init__(self, kind: str, scale: str, workdir: Path):
        self.kind = kind
        self.name = None
        if kind == "sqlite":
            self.url = "sqlite:///" + str(workdir / f"bench-{scale}.sqlite3")
        elif kind == "postgresql":
            self.name = f"onewindow_bench_{scale}_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}" ENCODING \'UTF8\' '
                                  "TEMPLATE template0"))
            admin.dispose()
            self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name
        else:
            raise ValueError(f"unknown database kind {kind!r}")

    def engine(self):
        if self.kind == "sqlite":
            return create_engine(self.url, connect_args={"timeout": 30})
        return create_engine(self.url, connect_args={"prepare_threshold": None})

    def drop(self) -> None:
        if self.name:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()


def _clients(sc: Scenario, ctx: Context, state) -> list[Client]:
    if sc.clients is not None:
        return sc.clients(ctx, state, sc.concurrency)
    base = ctx.login(sc.user)
    return [base.clone() for _ in range(sc.concurrency)]


class OwnCpu:
    """CPU seconds of the benchmark itself: this process, both servers, our DB backends."""

    def __init__(self, servers: list[Server | None], engine):
        self.servers = [s for s in servers if s is not None]
        self.backends: list[int] = []
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                self.backends = [r[0] for r in conn.execute(text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))]

    def __call__(self) -> float:
        return (cpu_seconds(os.getpid()) + sum(s.cpu_seconds() for s in self.servers)
                + sum(cpu_seconds(pid) for pid in self.backends))


@contextmanager
def _floor_server(needed: bool, env: dict, workdir: Path) -> Iterator[Server | None]:
    if not needed:
        yield None
        return
    with Server("benchmarks.floor:create_floor_app()", env=env,
                log_path=workdir / "floor.log").start() as floor_server:
        yield floor_server


def _side(sample) -> dict:
    return {"latencies": sample.latencies, "errors": sample.errors, "wall": sample.wall,
            "cpu": sample.cpu}


def measure(sc: Scenario, ctx: Context, scale_name: str, *, rounds: int,
            max_load: float | None, server: Server, floor_server: Server | None,
            own_cpu: Callable[[], float]) -> dict:
    """Ours and the floor in ``rounds`` alternating rounds; pooled figures and ratios."""
    rounds = max(rounds, MIN_ROUNDS)
    state = sc.prepare(ctx)
    clients = _clients(sc, ctx, state)
    floor_clients = ([Client(floor_server.port) for _ in range(sc.concurrency)]
                     if sc.floor_call and floor_server is not None else [])
    floor_fn = sc.floor_inprocess(ctx, state) if sc.floor_inprocess else None
    total = sc.count(scale_name)
    n_ours = per_round(total, rounds)
    n_floor = per_round(max(3, min(total, 30)), rounds) if floor_fn else n_ours
    warmup = sc.warmup_for(scale_name)
    on = sc.target.ratio_on
    try:
        run_load(clients, sc.call, state, 0, warmup=warmup)
        if floor_clients:
            run_load(floor_clients, sc.floor_call, state, 0, warmup=warmup)
        elif floor_fn:
            floor_fn(0)
        done: list[dict] = []
        for index in range(rounds):
            rnd: dict = {"index": index + 1, "order": order(index)}
            with Watch(own_cpu) as watch:
                for side in rnd["order"]:
                    if side == "ours":
                        rnd["ours"] = _side(run_load(
                            clients, sc.call, state, n_ours, offset=warmup + index * n_ours,
                            cpu=server.cpu_seconds))
                    elif floor_clients:
                        rnd["floor"] = _side(run_load(
                            floor_clients, sc.floor_call, state, n_ours,
                            offset=warmup + index * n_ours, cpu=floor_server.cpu_seconds))
                    elif floor_fn:
                        rnd["floor"] = _side(run_inprocess(floor_fn, n_floor, warmup=0,
                                                           offset=index * n_floor))
            rnd.update(watch.info)
            rnd["reliable"], rnd["why"] = judge_round(rnd["background"], rnd["others_cpu"],
                                                      max_load)
            rnd["ours_stats"] = report.summarize(rnd["ours"]["latencies"],
                                                 errors=rnd["ours"]["errors"])
            if "floor" in rnd:
                rnd["floor_stats"] = report.summarize(rnd["floor"]["latencies"],
                                                      errors=rnd["floor"]["errors"])
                ratio = round_ratio(rnd["ours_stats"], rnd["floor_stats"], on)
                rnd["ratio"] = None if ratio is None else round(ratio, 3)
            done.append(rnd)
    finally:
        for c in clients + floor_clients:
            c.close()
    out: dict = {}
    lat, errors, wall, cpu = pooled(done, "ours")
    out["stats"] = report.summarize(lat, errors=errors, wall=wall, cpu=cpu)
    if any("floor" in r for r in done):
        lat, errors, wall, cpu = pooled(done, "floor")
        out["floor"] = {"kind": "http" if floor_clients else "in-process",
                        **report.summarize(lat, errors=errors, wall=wall, cpu=cpu)}
        summary = summarize_ratios(done)
        out["ratio"] = summary["median"]
        out["ratio_range"] = [summary["min"], summary["max"]]
    else:
        summary = summarize_ratios(done)
    if sc.extra is not None:
        out["extra"] = sc.extra(state, out["stats"])
    out["reliable_rounds"] = summary["reliable"]
    out["unreliable"] = summary["unreliable"]
    for rnd in done:  # the JSON keeps each round's figures, not its raw latencies
        for side in ("ours", "floor"):
            rnd.pop(side, None)
    out["rounds"] = done
    return out


#: Measured apart from the rounds, on a fresh database (the register import).
APART = "archive_import"


def _archive_import(db_kind: str, scale_name: str, log: Callable[[str], None]) -> dict:
    try:
        result = archive_import.measure(db_kind, archive_import.ROWS[scale_name])
    except Exception as exc:  # noqa: BLE001 - report it, keep the rest
        log(f"  {APART}: failed: {type(exc).__name__}: {exc}")
        return {"skipped": f"failed: {type(exc).__name__}: {exc}"}
    figures = archive_import.summary(result)
    log(f"  {APART}: " + "; ".join(f"{k} {v}" for k, v in figures.items()))
    return {"result": result, "figures": figures}


def run(scale_name: str, db_kind: str, *, out_dir: Path | str | None = report.RESULTS_DIR,
        only: list[str] | None = None, seed: int = 1, keep: bool = False,
        rounds: int = DEFAULT_ROUNDS, max_load: float | None = DEFAULT_MAX_LOAD,
        log: Callable[[str], None] = print) -> dict:
    """Generate the data set, measure every available scenario and its floor, report."""
    from onewindow import create_app

    scale = SCALES[scale_name]
    workdir = Path(tempfile.mkdtemp(prefix="onewindow_bench_"))
    secret = secrets.token_hex(16)
    database = Database(db_kind, scale_name, workdir)
    started = time.perf_counter()
    scenarios = [s for s in SCENARIOS if not only or s.name in only]
    records: dict[str, dict] = {}
    results: dict = {"meta": {
        "scale": scale_name, "db": db_kind,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "stamp": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "machine": report.machine(), "workers": 2, "scale_spec": asdict(scale),
        "rounds": rounds, "max_load": max_load,
    }}
    try:
        log(f"Generating {scale_name} data on {db_kind} …")
        app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "SECRET_KEY": secret})
        generated = generate(app, scale, seed=seed, log=log)
        with app.app_context():
            from onewindow.extensions import db

            db.engine.dispose()
        results["meta"]["counts"] = generated.counts
        results["meta"]["datagen_seconds"] = generated.seconds
        results["meta"]["areas"] = generated.areas

        engine = database.engine()
        env = {"DATABASE_URL": database.url, "SECRET_KEY": secret,
               "ONEWINDOW_ENV": "production"}
        ctx = Context(scale=scale, generated=generated, engine=engine, port=0,
                      rng=random.Random(seed))
        log(f"Measuring the application and the floor in {rounds} interleaved rounds …")
        need_floor = any(sc.floor_call for sc in scenarios if sc.available())
        with Server(APP_SPEC, env=env, log_path=workdir / "gunicorn.log").start() as server, \
                _floor_server(need_floor, env, workdir) as floor_server:
            ctx.port = server.port
            ctx.floor_port = floor_server.port if floor_server else None
            for sc in scenarios:
                rec = records[sc.name] = {"name": sc.name, "title": sc.title,
                                          "concurrency": sc.concurrency,
                                          "target": asdict(sc.target),
                                          "target_text": sc.target.describe()}
                if not sc.available():
                    rec["skipped"] = f"{sc.area} is not available"
                    continue
                own = OwnCpu([server, floor_server], engine)
                try:
                    rec.update(measure(sc, ctx, scale_name, rounds=rounds, max_load=max_load,
                                       server=server, floor_server=floor_server,
                                       own_cpu=own))
                except Exception as exc:  # noqa: BLE001 - report it, measure the rest
                    rec["skipped"] = f"failed: {type(exc).__name__}: {exc}"
                    log(f"  {sc.name}: {rec['skipped']}")
                    continue
                st = rec["stats"]
                log(f"  {sc.name}: p50 {st['p50_ms']} ms, p95 {st['p95_ms']} ms, errors "
                    f"{st['errors']}, ratio {rec.get('ratio')} "
                    f"({rec['reliable_rounds']}/{len(rec['rounds'])} rounds reliable)")
            server.sample_once()
            results["server"] = server.memory.as_dict()
            if floor_server is not None:
                results["floor_server"] = floor_server.memory.as_dict()
            for c in ctx._logins.values():
                c.close()
        engine.dispose()
        if not only or APART in only:
            log(f"Measuring the register import ({archive_import.ROWS[scale_name]} rows) "
                "on a database of its own …")
            results["apart"] = {APART: _archive_import(db_kind, scale_name, log)}
        for rec in records.values():
            if "stats" in rec:
                ratio, met, misses = report.judge(rec["stats"], rec.get("floor"), rec["target"],
                                                  ratio=rec.get("ratio"))
                if rec.get("unreliable"):
                    misses.append("unreliable: every round started on a busy machine")
                rec.update(ratio=ratio, met=met, misses=misses)
        results["scenarios"] = list(records.values())
        results["meta"]["total_seconds"] = round(time.perf_counter() - started, 1)
        results["meta"]["loadavg_end"] = report.load_average()
        if out_dir is not None:
            md, js = report.write(results, out_dir)
            results["paths"] = {"markdown": str(md), "json": str(js)}
            log(f"Wrote {md} and {js}")
        return results
    finally:
        if not keep:
            database.drop()
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"Kept {database.url} and {workdir}")

"""One benchmark run: database → data → our server → floor → report → clean up."""

from __future__ import annotations

import os
import random
import secrets
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from . import report
from .datagen import SCALES, generate
from .scenarios import SCENARIOS, Context, Scenario, run_inprocess, run_load
from .server import Client, Server

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


def run(scale_name: str, db_kind: str, *, out_dir: Path | str | None = report.RESULTS_DIR,
        only: list[str] | None = None, seed: int = 1, keep: bool = False,
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
        states: dict[str, object] = {}
        log("Measuring the application …")
        with Server(APP_SPEC, env=env, log_path=workdir / "gunicorn.log").start() as server:
            ctx.port = server.port
            for sc in scenarios:
                rec = records[sc.name] = {"name": sc.name, "title": sc.title,
                                          "concurrency": sc.concurrency,
                                          "target": asdict(sc.target),
                                          "target_text": sc.target.describe()}
                if not sc.available():
                    rec["skipped"] = f"{sc.area} is not available"
                    continue
                try:
                    state = states[sc.name] = sc.prepare(ctx)
                    clients = _clients(sc, ctx, state)
                    try:
                        sample = run_load(clients, sc.call, state, sc.count(scale_name),
                                          warmup=sc.warmup_for(scale_name),
                                          cpu=server.cpu_seconds)
                    finally:
                        for c in clients:
                            c.close()
                except Exception as exc:  # noqa: BLE001 - report it, measure the rest
                    rec["skipped"] = f"failed: {type(exc).__name__}: {exc}"
                    log(f"  {sc.name}: {rec['skipped']}")
                    continue
                rec["stats"] = report.summarize(sample.latencies, errors=sample.errors,
                                                wall=sample.wall, cpu=sample.cpu)
                log(f"  {sc.name}: p50 {rec['stats']['p50_ms']} ms, p95 "
                    f"{rec['stats']['p95_ms']} ms, errors {sample.errors}")
            server.sample_once()
            results["server"] = server.memory.as_dict()
            for c in ctx._logins.values():
                c.close()

        floors = [sc for sc in scenarios if sc.floor_call and "stats" in records[sc.name]]
        if floors:
            log("Measuring the floor (bare Flask) …")
            with Server("benchmarks.floor:create_floor_app()", env=env,
                        log_path=workdir / "floor.log").start() as floor_server:
                for sc in floors:
                    clients = [Client(floor_server.port) for _ in range(sc.concurrency)]
                    try:
                        sample = run_load(clients, sc.floor_call, states[sc.name],
                                          sc.count(scale_name),
                                          warmup=sc.warmup_for(scale_name),
                                          cpu=floor_server.cpu_seconds)
                    finally:
                        for c in clients:
                            c.close()
                    records[sc.name]["floor"] = {
                        "kind": "http", **report.summarize(sample.latencies,
                                                           errors=sample.errors,
                                                           wall=sample.wall, cpu=sample.cpu)}
                results["floor_server"] = floor_server.memory.as_dict()
        for sc in scenarios:
            if sc.floor_inprocess and "stats" in records[sc.name]:
                fn = sc.floor_inprocess(ctx, states[sc.name])
                n = max(3, min(sc.count(scale_name), 30))
                sample = run_inprocess(fn, n, warmup=1)
                records[sc.name]["floor"] = {"kind": "in-process",
                                             **report.summarize(sample.latencies,
                                                                wall=sample.wall,
                                                                cpu=sample.cpu)}
        engine.dispose()
        for rec in records.values():
            if "stats" in rec:
                ratio, met, misses = report.judge(rec["stats"], rec.get("floor"), rec["target"])
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

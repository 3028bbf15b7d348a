"""``/healthz``: JSON for a load balancer or a monitor (public, no personal data)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..core import clock
from ..extensions import db
from ..web import public
from . import health

bp = Blueprint("ops", __name__)

_heads: set[str] = set()


@bp.get("/healthz")
@public
def healthz():
    """200 when the database answers, is migrated to the code's head and no job's worker is
    silent; otherwise 503 with the failing checks named."""
    if not _heads:
        _heads.update(health.code_heads())
    processes = current_app.config.get("SELECTIONS_WORKER", "thread") != "thread"
    checks = health.run_checks(db.session, heads=_heads, now=clock.now(),
                               worker_processes=processes)
    failing = sorted(name for name, problem in checks.items()
                     if problem not in (None, health.NOT_CHECKED))
    body = {"status": "fail" if failing else "ok", "failing": failing,
            "checks": {name: problem or "ok" for name, problem in checks.items()}}
    response = jsonify(body)
    response.status_code = 503 if failing else 200
    response.headers["Cache-Control"] = "no-store"
    return response

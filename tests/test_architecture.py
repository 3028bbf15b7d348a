"""The architecture, checked: layers, one transaction edge, one clock, imports on top.

docs/ARCHITECTURE.md explains the rules; these tests fail when code breaks one of them.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "onewindow"
WIRING = {PACKAGE / "__init__.py", PACKAGE / "cli.py"}
AREA_PACKAGES = sorted(p.name for p in PACKAGE.iterdir()
                       if p.is_dir() and (p / "__init__.py").exists())


def _modules(*folders: Path):
    for path in sorted(p for folder in (folders or (PACKAGE,)) for p in folder.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_import_contracts_are_kept():
    cwd = os.getcwd()
    out = io.StringIO()
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(out):
            code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    finally:
        os.chdir(cwd)
    assert code == 0, out.getvalue()[-4000:]


def test_no_cycle_between_area_packages():
    graph = grimp.build_graph("onewindow", cache_dir=None)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in AREA_PACKAGES:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            other = imported.split(".")
            if len(other) > 1 and other[1] in AREA_PACKAGES and other[1] != parts[1]:
                edges.setdefault(parts[1], set()).add(other[1])

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        return False

    cycles = sorted(f"{a} ↔ {b}" for a in edges for b in edges[a] if a < b and reaches(b, a)
                    ) + sorted(f"{a} → {b} → … → {a}" for a in edges for b in edges[a]
                               if a > b and reaches(b, a) and a not in edges.get(b, ()))
    assert not cycles, cycles


# Who may end a transaction: the request edge and its hooks, the CLI, the database
# helpers, the background jobs (each chunk of a long import is its own transaction) and
# the health check (it answers 503 after a broken connection, which it must roll back).
TRANSACTION_OWNERS = {"web.py", "hooks.py", "cli.py", "database.py", "ops/health.py",
                      "selections/jobs.py", "archive/import_jobs.py"}


def test_only_the_edge_and_the_jobs_end_transactions():
    """Views and domain modules never commit, roll back or open a write transaction of
    their own: the request edge (web.transaction_edge) does it once per request."""
    found = []
    for path, tree in _modules():
        if path.relative_to(PACKAGE).as_posix() in TRANSACTION_OWNERS:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = (node.func.attr if isinstance(node.func, ast.Attribute)
                    else getattr(node.func, "id", None))
            if name in ("commit", "rollback", "own_write_transaction"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


def test_imports_stand_at_the_top_of_their_module():
    found = []
    for path, tree in _modules():
        if path in WIRING:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found += [f"{path.relative_to(ROOT)}:{sub.lineno}" for sub in ast.walk(node)
                          if isinstance(sub, (ast.Import, ast.ImportFrom))]
    assert not found, found


def test_one_clock():
    """Every now and today comes from onewindow.core.clock: office time, patched in one place.

    The benchmark's data too: a ticket made for the server's date is not the office's queue.
    """
    found = []
    for path, tree in _modules(PACKAGE, ROOT / "benchmarks"):
        if path == PACKAGE / "core" / "clock.py":
            continue
        # datetime.now(UTC): an explicit zone (a report's file stamp) is no office time.
        zoned = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args}
        for node in ast.walk(tree):
            if id(node) in zoned:
                continue
            # datetime.now() called, or datetime.now handed over (a column default)
            if (isinstance(node, ast.Attribute) and node.attr in ("now", "today", "utcnow")
                    and isinstance(node.value, ast.Name)
                    and node.value.id in ("datetime", "date")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


def test_no_template_global_runs_a_query(app):
    """Other areas' data reach a page through a named hook, not a querying global."""
    processors = [p.__module__ for p in app.template_context_processors[None]]
    assert [m for m in processors if m.startswith("onewindow")] == ["onewindow.hooks"]
    names = set(app.jinja_env.globals)
    assert not names & {"archive_case_files", "selection_hits", "deadline_badge",
                        "suggested_services", "printed_documents", "feedback_url",
                        "feedback_qr"}


@pytest.mark.parametrize("status", ["open", "422", "overdue"])
def test_render_takes_no_http_status_from_the_context(app, status):
    from onewindow.web import render

    with app.test_request_context("/"):
        response = render("errors/error.html", code=404, message="x", status=status)
    assert response.status_code == 200

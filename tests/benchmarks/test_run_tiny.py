"""The whole instrument at tiny scale on SQLite: gunicorn, login, every scenario, report.

No timing is asserted; the run must produce figures for every scenario without errors.
"""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from ..conftest import missing


@pytest.fixture
def gunicorn():
    if not sys.platform.startswith("linux"):
        pytest.skip("gunicorn serves the benchmark on Linux only")
    if importlib.util.find_spec("gunicorn") is None:
        missing("gunicorn", "pip install -e '.[test]' (a Linux dependency)")


def test_tiny_run_end_to_end(gunicorn, tmp_path):
    from benchmarks.runner import run
    from benchmarks.scenarios import SCENARIOS

    results = run("tiny", "sqlite", out_dir=tmp_path, log=lambda _m: None)
    by_name = {s["name"]: s for s in results["scenarios"]}
    assert set(by_name) == {s.name for s in SCENARIOS}
    for name, rec in by_name.items():
        assert "skipped" not in rec, (name, rec.get("skipped"))
        assert rec["stats"]["errors"] == 0, name
        assert rec["stats"]["count"] > 0 and rec["stats"]["p95_ms"] > 0
        assert rec["stats"]["cpu_ms_per_request"] is not None
        assert len(rec["rounds"]) == 5, name
        for rnd in rec["rounds"]:
            assert rnd["load_before"] and rnd["load_after"], name
            assert "background" in rnd and "others_cpu" in rnd and "reliable" in rnd
            assert "latencies" not in rnd.get("ours_stats", {})
    for name in ("search_snils", "search_surname", "scan_case", "scan_box"):
        assert by_name[name]["floor"]["kind"] == "http"
        assert by_name[name]["floor"]["errors"] == 0
        assert by_name[name]["ratio"] > 0
        low, high = by_name[name]["ratio_range"]
        assert low <= by_name[name]["ratio"] <= high
        assert [r["order"][0] for r in by_name[name]["rounds"]] == [
            "ours", "floor", "ours", "floor", "ours"]
    for name in ("receipt_pdf", "labels_1000"):
        assert by_name[name]["floor"]["kind"] == "in-process"
    assert by_name["board_poll"]["extra"]["304"].endswith("% of polls")
    assert int(by_name["handover_act"]["extra"]["items"]) == 100
    assert "KB" in by_name["deadlines_10k"]["extra"]["page"]
    imported = results["apart"]["archive_import"]  # measured apart, on its own database
    assert imported["result"]["rows"] == 200 and imported["result"]["imported"] > 0
    assert "s (≤ 10 s" in imported["figures"]["preview"]
    assert results["server"]["workers"] == 2
    assert results["server"]["peak_worker_mb"] > 0
    data = json.loads((tmp_path / "latest-tiny-sqlite.json").read_text(encoding="utf-8"))
    assert data["meta"]["scale"] == "tiny" and data["meta"]["machine"]["cores"] >= 1
    md = (tmp_path / "latest-tiny-sqlite.md").read_text(encoding="utf-8")
    assert "| call_next |" in md and "Measured apart" in md

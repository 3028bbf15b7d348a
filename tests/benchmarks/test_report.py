"""The report writer: percentiles, verdicts, Markdown and JSON files."""

from __future__ import annotations

import json

from benchmarks import report


def test_percentile_interpolates():
    values = [0.001 * i for i in range(1, 101)]
    assert report.percentile(values, 50) == 0.0505
    assert abs(report.percentile(values, 95) - 0.09505) < 1e-12
    assert report.percentile([], 50) is None
    stats = report.summarize(values, errors=2, wall=2.0, cpu=0.51)
    assert stats["count"] == 100 and stats["errors"] == 2
    assert stats["p50_ms"] == 50.5 and stats["throughput_rps"] == 51.0
    assert stats["cpu_ms_per_request"] == 5.0


def test_judge_ratio_and_targets():
    ours = {"p50_ms": 30.0, "p95_ms": 60.0, "errors": 0}
    floor = {"p50_ms": 10.0, "p95_ms": 15.0}
    ratio, met, misses = report.judge(ours, floor, {"p95_ms": 50, "ratio": 3,
                                                    "ratio_on": "p95"})
    assert ratio == 4.0 and met is False
    assert any("60.0 > 50" in m for m in misses) and any("4×" in m for m in misses)
    ratio, met, misses = report.judge(ours, floor, {"p50_ms": 150, "ratio": 4,
                                                    "ratio_on": "p50"})
    assert (ratio, met, misses) == (3.0, True, [])
    assert report.judge(ours, None, {})[1] is None
    ratio, met, misses = report.judge({**ours, "p99_ms": 180.0}, None, {"p99_ms": 150})
    assert met is False and misses == ["p99 180.0 > 150 ms"]
    assert report.judge({**ours, "cpu_ms_per_request": 24.6}, None, {"cpu_ms": 25})[1] is True
    assert report.judge({**ours, "cpu_ms_per_request": 28.0}, None, {"cpu_ms": 25})[2] == [
        "CPU 28.0 > 25 ms/req"]
    # With rounds, the median of the per-round ratios is judged, not the pooled one.
    assert report.judge(ours, floor, {"ratio": 3}, ratio=2.5) == (2.5, True, [])
    assert report.judge({**ours, "errors": 1}, None, {"no_errors": True})[1] is False


def _results():
    stats = report.summarize([0.002, 0.003, 0.004], wall=0.01, cpu=0.006)
    return {
        "meta": {"scale": "tiny", "db": "sqlite", "date": "2026-11-28 18:00 UTC",
                 "max_load": 1.0,
                 "stamp": "20261128T180000Z", "machine": report.machine(),
                 "counts": {"applicants": 400}, "datagen_seconds": {"schema": 1.0}},
        "scenarios": [
            {"name": "search_snils", "concurrency": 4, "stats": stats,
             "floor": {"kind": "http", **stats}, "ratio": 1.0, "ratio_range": [0.9, 1.2],
             "reliable_rounds": 1, "unreliable": False, "met": True, "misses": [],
             "target_text": "p95 ≤ 50 ms",
             "extra": {"page": "88 KB", "table rows": "303"},
             "rounds": [{"index": 1, "order": ["ours", "floor"], "ratio": 0.9,
                         "background": 0.2, "others_cpu": 0.1, "load_before": [1.2, 1, 1],
                         "load_after": [1.4, 1, 1], "reliable": True},
                        {"index": 2, "order": ["floor", "ours"], "ratio": 3.0,
                         "background": 1.6, "others_cpu": 0.1, "load_before": [1.4, 1, 1],
                         "load_after": [1.5, 1, 1], "reliable": False}]},
            {"name": "scan_case", "skipped": "onewindow.archive.views is not available",
             "target_text": "p95 ≤ 50 ms"},
        ],
        "server": {"peak_total_mb": 250.0, "peak_worker_mb": 110.0, "workers": 2},
    }


def test_markdown_and_json_written(tmp_path):
    results = _results()
    md_path, json_path = report.write(results, tmp_path)
    md = md_path.read_text(encoding="utf-8")
    assert md_path.name == "tiny-sqlite-20261128T180000Z.md"
    row = ("| search_snils | 3 | 4 | 3.0 | 3.9 | 4.0 | 300.0 | 2.0 | 3.0 / 3.9 | 2.0 "
           "| 1.00 (0.90–1.20) · CPU 1.00 | 1/2 | 0 |")
    assert row in md
    assert ("| search_snils | 1: ours→floor 0.90× bg 0.2 others 0.1 la 1.2→1.4; "
            "2: floor→ours 3.00× bg 1.6 others 0.1 la 1.4→1.5 ✗ |") in md
    assert "skipped: onewindow.archive.views is not available" in md
    assert "110.0 MB the largest worker" in md
    assert "Beyond latency: search_snils: page 88 KB; table rows 303." in md
    assert results["meta"]["machine"]["cpu"] in md
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["scenarios"][0]["stats"]["p50_ms"] == 3.0
    assert (tmp_path / "latest-tiny-sqlite.md").read_text(encoding="utf-8") == md


def test_machine_reports_cpu_and_cores():
    info = report.machine()
    assert info["cores"] >= 1 and info["cpu"]

"""The arithmetic of interleaved rounds: ratios, medians, the load gate, compare."""

from __future__ import annotations

import json

import pytest

from benchmarks import rounds
from benchmarks.__main__ import main


def _round(index, ratio, *, reliable=True, ours=(0.010, 0.020), floor=(0.005,),
           errors=0, cpu=0.01):
    return {"index": index, "ratio": ratio, "reliable": reliable,
            "ours": {"latencies": list(ours), "errors": errors, "wall": 1.0, "cpu": cpu},
            "floor": {"latencies": list(floor), "errors": 0, "wall": 0.5, "cpu": None}}


def test_median_odd_even_and_empty():
    assert rounds.median([3.0, 1.0, 2.0]) == 2.0
    assert rounds.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert rounds.median([]) is None


def test_sides_alternate_every_round():
    assert [rounds.order(i) for i in range(4)] == [("ours", "floor"), ("floor", "ours"),
                                                   ("ours", "floor"), ("floor", "ours")]


@pytest.mark.parametrize(("total", "n", "expected"), [(1500, 5, 300), (16, 5, 4), (5, 5, 1),
                                                      (2, 5, 1), (7, 0, 7)])
def test_calls_per_round(total, n, expected):
    assert rounds.per_round(total, n) == expected


def test_round_ratio_on_the_chosen_percentile():
    ours, floor = {"p50_ms": 6.0, "p95_ms": 12.0}, {"p50_ms": 2.0, "p95_ms": 3.0}
    assert rounds.round_ratio(ours, floor) == 4.0
    assert rounds.round_ratio(ours, floor, "p50") == 3.0
    assert rounds.round_ratio(ours, None) is None
    assert rounds.round_ratio(ours, {"p95_ms": 0.0}) is None


def test_a_round_that_started_on_a_busy_machine_is_unreliable():
    assert rounds.judge_round(0.4, 0.2, 1.0) == (True, None)
    ok, why = rounds.judge_round(1.6, 0.2, 1.0)
    assert not ok and "1.6" in why and "start" in why
    ok, why = rounds.judge_round(0.0, 1.3, 1.0)
    assert not ok and "1.3 cores" in why
    assert rounds.judge_round(5.0, 5.0, None) == (True, None)
    assert rounds.judge_round(None, None, 1.0) == (True, None)


def test_ratio_is_the_median_of_reliable_rounds_with_min_max():
    done = [_round(1, 2.0), _round(2, 9.0, reliable=False), _round(3, 2.4),
            _round(4, 2.2), _round(5, 3.0)]
    summary = rounds.summarize_ratios(done)
    # The busy round's 9× is left out: median of 2.0, 2.2, 2.4, 3.0.
    assert summary == {"rounds": 5, "reliable": 4, "unreliable": False, "median": 2.3,
                       "min": 2.0, "max": 3.0}


def test_no_reliable_round_still_gives_figures_marked_unreliable():
    done = [_round(i, r, reliable=False) for i, r in enumerate((5.0, 7.0, 6.0), 1)]
    summary = rounds.summarize_ratios(done)
    assert summary["unreliable"] is True and summary["reliable"] == 0
    assert (summary["median"], summary["min"], summary["max"]) == (6.0, 5.0, 7.0)
    assert rounds.summarize_ratios([]) == {"rounds": 0, "reliable": 0, "unreliable": False,
                                           "median": None, "min": None, "max": None}


def test_pooled_side_keeps_reliable_rounds_only():
    done = [_round(1, 2.0, ours=(0.01, 0.02), errors=1),
            _round(2, 9.0, ours=(0.5,), reliable=False),
            _round(3, 2.0, ours=(0.03,))]
    latencies, errors, wall, cpu = rounds.pooled(done, "ours")
    assert latencies == [0.01, 0.02, 0.03] and errors == 1 and wall == 2.0
    assert cpu == pytest.approx(0.02)
    assert rounds.pooled(done, "floor")[3] is None  # in-process floors have no server CPU


def test_change_in_per_cent():
    assert rounds.change(100.0, 60.0) == -40.0
    assert rounds.change(2.0, 2.5) == 25.0
    assert rounds.change(None, 3.0) is None and rounds.change(0, 3.0) is None


def _results(date, scenarios, load=(0.3, 0.2, 0.1)):
    return {"meta": {"scale": "district", "db": "sqlite", "date": date,
                     "machine": {"loadavg": list(load)}}, "scenarios": scenarios}


OLD = _results("2026-11-28 23:31 UTC", [
    {"name": "register", "stats": {"p50_ms": 59.2, "p95_ms": 90.8, "p99_ms": 801.9,
                                   "cpu_ms_per_request": 19.9}, "met": True},
    {"name": "search_snils", "stats": {"p50_ms": 4.5, "p95_ms": 7.7, "p99_ms": 10.8,
                                       "cpu_ms_per_request": 2.0}, "ratio": 2.27,
     "met": True},
    {"name": "gone", "stats": {"p95_ms": 1.0}, "met": None},
])
NEW = _results("2026-11-29 12:00 UTC", [
    {"name": "register", "stats": {"p50_ms": 30.0, "p95_ms": 45.4, "p99_ms": 120.0,
                                   "cpu_ms_per_request": 15.0}, "met": True},
    {"name": "search_snils", "stats": {"p50_ms": 4.5, "p95_ms": 8.0, "p99_ms": 11.0,
                                       "cpu_ms_per_request": 2.0}, "ratio": 2.5,
     "met": True, "unreliable": True},
    {"name": "board_poll", "stats": {"p95_ms": 3.0}, "met": None},
], load=(3.0, 2.5, 2.0))


def test_compare_rows_pair_scenarios_and_compute_changes():
    rows = {r["name"]: r for r in rounds.compare_rows(OLD, NEW)}
    assert list(rows) == ["register", "search_snils", "board_poll", "gone"]
    assert rows["register"]["figures"]["p95 ms"] == (90.8, 45.4, -50.0)
    assert rows["search_snils"]["figures"]["ours/floor"] == (2.27, 2.5, 10.1)
    assert rows["board_poll"]["figures"]["p95 ms"] == (None, 3.0, None)
    assert rows["gone"]["figures"]["p95 ms"] == (1.0, None, None)
    assert rows["search_snils"]["unreliable"] == (False, True)


def test_compare_markdown_and_subcommand(tmp_path, capsys):
    md = rounds.compare_markdown(OLD, NEW)
    assert "old: district · sqlite · 2026-11-28 23:31 UTC (load 0.3/0.2/0.1)" in md
    assert "new: district · sqlite · 2026-11-29 12:00 UTC (load 3.0/2.5/2.0)" in md
    assert "| register | 59.2 → 30.0 (-49.3 %) | 90.8 → 45.4 (-50.0 %) |" in md
    assert "yes → yes (new unreliable)" in md
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(OLD), encoding="utf-8")
    new.write_text(json.dumps(NEW), encoding="utf-8")
    assert main(["compare", str(old), str(new)]) == 0
    assert capsys.readouterr().out == md


def test_run_refuses_fewer_than_five_rounds(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--scale", "tiny", "--rounds", "3"])
    assert "at least 5" in capsys.readouterr().err


def test_watch_reads_the_machine_around_a_round():
    spent = iter([1.0, 1.5])
    with rounds.Watch(lambda: next(spent)) as watch:
        pass
    info = watch.info
    assert set(info) == {"load_before", "load_after", "background", "others_cpu"}
    assert info["background"] is None or info["background"] >= 0
    assert info["others_cpu"] is None or info["others_cpu"] >= 0

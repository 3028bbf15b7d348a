"""Interleaved rounds: ours and the floor measured turn about, so machine load lands on both.

A scenario is measured in ``rounds`` (at least 5) alternating A B, B A, A B … — the order
flips every round, so a load that rises during a run does not always hit the same side.
Each round gives its own ratio ours/floor; the report gives the **median of the per-round
ratios with its min–max**, not the ratio of pooled percentiles.

Around each round the machine is read twice:

* the **load average** (1/5/15 min from ``/proc/loadavg``) before and after — recorded;
* the **background load at the start**: runnable tasks other than the benchmark, averaged
  over a few samples while our servers are idle (``procs_running`` of ``/proc/stat``), and
  the **others' CPU during the round**: busy CPU of the whole machine minus the
  benchmark's own processes (runner, servers, PostgreSQL backends of the bench database),
  in cores.

The 1-minute load average is not the gate, because it keeps the benchmark's own previous
round in it for a minute: on a quiet machine it would condemn every round but the first.
A round is **unreliable** when the background load at its start, or the others' CPU
during it, is above ``max_load`` (``--max-load``, in cores). Ratios are taken over the
reliable rounds; when there are none, over all rounds, and the scenario is marked
unreliable.

The arithmetic here is pure (tests/benchmarks/test_rounds.py); reading ``/proc`` is kept
in the small functions at the bottom.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence

MIN_ROUNDS = 5
DEFAULT_ROUNDS = 5
#: Cores' worth of other work above which a round is not trusted (2-core machine: half).
DEFAULT_MAX_LOAD = float(os.environ.get("BENCH_MAX_LOAD", "1.0"))


# ------------------------------------------------------------------ arithmetic


def median(values: Sequence[float]) -> float | None:
    """The middle value (mean of the two middle ones for an even count); None if empty."""
    data = sorted(values)
    if not data:
        return None
    mid = len(data) // 2
    return data[mid] if len(data) % 2 else (data[mid - 1] + data[mid]) / 2


def per_round(total: int, rounds: int) -> int:
    """Calls per side per round: the scenario's count spread over the rounds, at least 1."""
    return max(1, math.ceil(total / max(1, rounds)))


def order(index: int) -> tuple[str, str]:
    """Which side goes first in round ``index`` (0-based): ours first on even rounds."""
    return ("ours", "floor") if index % 2 == 0 else ("floor", "ours")


def round_ratio(ours: dict, floor: dict | None, on: str = "p95") -> float | None:
    """ours / floor of one round's percentile ``on`` (p50/p95/p99); None without a floor."""
    key = f"{on}_ms"
    if not floor or not floor.get(key) or ours.get(key) is None:
        return None
    return ours[key] / floor[key]


def judge_round(background: float | None, others_cpu: float | None,
                max_load: float | None) -> tuple[bool, str | None]:
    """Whether a round can be trusted, and why not."""
    if max_load is None:
        return True, None
    if background is not None and background > max_load:
        return False, f"load {background:.1f} at start > {max_load:g}"
    if others_cpu is not None and others_cpu > max_load:
        return False, f"others used {others_cpu:.1f} cores > {max_load:g}"
    return True, None


def summarize_ratios(rounds: list[dict], key: str = "ratio") -> dict:
    """Median and min–max of the per-round ``key`` over the reliable rounds.

    When no round is reliable the figures are taken over all rounds and ``unreliable``
    is set: a number is still shown, never trusted.
    """
    reliable = [r for r in rounds if r.get("reliable", True)]
    pool = reliable or rounds
    values = [r[key] for r in pool if r.get(key) is not None]
    out = {"rounds": len(rounds), "reliable": len(reliable),
           "unreliable": not reliable and bool(rounds)}
    if not values:
        return {**out, "median": None, "min": None, "max": None}
    return {**out, "median": round(median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2)}


def pooled(rounds: list[dict], side: str) -> tuple[list[float], int, float, float | None]:
    """Latencies, errors, wall and CPU of one side over the reliable rounds (or all)."""
    pool = [r for r in rounds if r.get("reliable", True)] or rounds
    latencies: list[float] = []
    errors, wall, cpu = 0, 0.0, 0.0
    cpu_known = True
    for r in pool:
        sample = r[side]
        latencies.extend(sample["latencies"])
        errors += sample["errors"]
        wall += sample["wall"]
        if sample.get("cpu") is None:
            cpu_known = False
        else:
            cpu += sample["cpu"]
    return latencies, errors, wall, cpu if cpu_known else None


def change(old: float | None, new: float | None) -> float | None:
    """Relative change new vs old in per cent (negative = smaller = faster)."""
    if old is None or new is None or old == 0:
        return None
    return round((new - old) / old * 100, 1)


# ------------------------------------------------------------------ compare


def _figure(rec: dict, path: str):
    value = rec
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


COMPARED = (("p50 ms", "stats.p50_ms"), ("p95 ms", "stats.p95_ms"),
            ("p99 ms", "stats.p99_ms"), ("CPU ms/req", "stats.cpu_ms_per_request"),
            ("ours/floor", "ratio"))


def compare_rows(old: dict, new: dict) -> list[dict]:
    """Per scenario in either file: each figure old → new with its change in per cent."""
    old_by = {s["name"]: s for s in old.get("scenarios", [])}
    new_by = {s["name"]: s for s in new.get("scenarios", [])}
    names = [s["name"] for s in new.get("scenarios", [])]
    names += [n for n in old_by if n not in new_by]
    rows = []
    for name in names:
        a, b = old_by.get(name, {}), new_by.get(name, {})
        row = {"name": name, "figures": {}, "met": (a.get("met"), b.get("met")),
               "unreliable": (bool(a.get("unreliable")), bool(b.get("unreliable")))}
        for label, path in COMPARED:
            x, y = _figure(a, path), _figure(b, path)
            row["figures"][label] = (x, y, change(x, y))
        rows.append(row)
    return rows


def _num(v) -> str:
    if v is None:
        return "—"
    return f"{v:.2f}" if isinstance(v, float) and abs(v) < 10 else (
        f"{v:.1f}" if isinstance(v, float) else str(v))


def _pct(v) -> str:
    return "—" if v is None else f"{v:+.1f} %"


def _met(v) -> str:
    return {True: "yes", False: "no", None: "—"}[v]


def _title(results: dict) -> str:
    meta = results.get("meta", {})
    load = meta.get("machine", {}).get("loadavg")
    return (f"{meta.get('scale')} · {meta.get('db')} · {meta.get('date')}"
            + (f" (load {'/'.join(f'{v:.1f}' for v in load)})" if load else ""))


def compare_markdown(old: dict, new: dict) -> str:
    """Two result files side by side: old → new and the change per scenario."""
    labels = [label for label, _ in COMPARED]
    lines = [f"old: {_title(old)}", f"new: {_title(new)}", "",
             "| scenario | " + " | ".join(labels) + " | met |",
             "|---|" + "---:|" * len(labels) + "---|"]
    for row in compare_rows(old, new):
        cells = []
        for label in labels:
            x, y, pct = row["figures"][label]
            cells.append(f"{_num(x)} → {_num(y)} ({_pct(pct)})" if x is not None
                         or y is not None else "—")
        flags = " ".join(f"({side} unreliable)" for side, bad in
                         zip(("old", "new"), row["unreliable"], strict=True) if bad)
        met = f"{_met(row['met'][0])} → {_met(row['met'][1])}" + (f" {flags}" if flags else "")
        lines.append(f"| {row['name']} | " + " | ".join(cells) + f" | {met} |")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ reading the machine


def load_average() -> list[float] | None:
    """1/5/15-minute load average."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _procs_running() -> int | None:
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("procs_running"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def background_load(samples: int = 5, interval: float = 0.05) -> float | None:
    """Runnable tasks other than the reader, averaged over a few samples (servers idle)."""
    seen = []
    for i in range(samples):
        n = _procs_running()
        if n is None:
            return None
        seen.append(max(0, n - 1))
        if i + 1 < samples:
            time.sleep(interval)
    return round(sum(seen) / len(seen), 2)


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine has been busy (all cores, from /proc/stat)."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal …: busy = all but idle and iowait.
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


class Watch:
    """Read the machine before and after a round: load, background, others' CPU."""

    def __init__(self, own_cpu: Callable[[], float]):
        self.own_cpu = own_cpu

    def __enter__(self) -> Watch:
        self.info: dict = {"load_before": load_average(), "background": background_load()}
        self._busy, self._own = machine_busy_seconds(), self.own_cpu()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        wall = time.perf_counter() - self._t0
        busy, own = machine_busy_seconds(), self.own_cpu()
        others = None
        if busy is not None and self._busy is not None and wall > 0:
            others = round(max(0.0, (busy - self._busy) - (own - self._own)) / wall, 2)
        self.info.update(load_after=load_average(), others_cpu=others)

"""Figures → a Markdown table and a JSON file under benchmarks/results/."""

from __future__ import annotations

import json
import math
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    """CPU model (from /proc/cpuinfo), core count, Python and OS."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}", "loadavg": load_average()}


def load_average() -> list[float] | None:
    """1/5/15-minute load: figures from a busy machine are not comparable."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (q in 0..100)."""
    if not values:
        return None
    data = sorted(values)
    k = (len(data) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return data[lo]
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def summarize(latencies: list[float], *, errors: int = 0, wall: float | None = None,
              cpu: float | None = None) -> dict:
    """Seconds in, milliseconds out: p50/p95/p99, mean, max, throughput, server CPU/request."""
    def ms(v):
        return None if v is None else round(v * 1000, 2)

    n = len(latencies)
    return {
        "count": n, "errors": errors,
        "p50_ms": ms(percentile(latencies, 50)), "p95_ms": ms(percentile(latencies, 95)),
        "p99_ms": ms(percentile(latencies, 99)),
        "mean_ms": ms(sum(latencies) / n) if n else None,
        "max_ms": ms(max(latencies)) if n else None,
        "throughput_rps": round((n + errors) / wall, 1) if wall else None,
        "cpu_ms_per_request": round(cpu * 1000 / (n + errors), 2)
        if cpu is not None and n + errors else None,
    }


def judge(stats: dict, floor: dict | None, target: dict | None, *,
          ratio: float | None = None) -> tuple[float | None, bool | None, list[str]]:
    """Ratio ours/floor and whether the target holds (None = no target); reasons if not.

    ``ratio`` is the median of the per-round ratios when the run had rounds; without it
    the ratio of the pooled percentiles is taken.
    """
    target = target or {}
    on = target.get("ratio_on", "p95")
    if ratio is None and floor and floor.get(f"{on}_ms") and stats.get(f"{on}_ms") is not None:
        ratio = round(stats[f"{on}_ms"] / floor[f"{on}_ms"], 2)
    misses: list[str] = []
    checked = False
    if target.get("no_errors", True) and stats.get("errors"):
        misses.append(f"{stats['errors']} errors")
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        if target.get(key) is not None:
            checked = True
            if stats.get(key) is None or stats[key] > target[key]:
                misses.append(f"{key[:3]} {stats.get(key)} > {target[key]:g} ms")
    if target.get("cpu_ms") is not None:
        checked = True
        cpu = stats.get("cpu_ms_per_request")
        if cpu is None or cpu > target["cpu_ms"]:
            misses.append(f"CPU {cpu} > {target['cpu_ms']:g} ms/req")
    if target.get("ratio") is not None:
        checked = True
        if ratio is None:
            misses.append("no floor")
        elif ratio > target["ratio"]:
            misses.append(f"{ratio:g}× > {target['ratio']:g}× floor")
    if not checked and not misses:
        return ratio, None, []
    return ratio, not misses, misses


def cpu_ratio(stats: dict, floor: dict | None) -> float | None:
    """Server CPU per request, ours / floor: the layers' cost, little moved by machine load."""
    ours, base = stats.get("cpu_ms_per_request"), (floor or {}).get("cpu_ms_per_request")
    return round(ours / base, 2) if ours and base else None


def _ratio_text(rec: dict, floor: dict) -> str:
    cpu = cpu_ratio(rec.get("stats", {}), floor)
    text = _fmt(rec.get("ratio"), 2)
    low, high = rec.get("ratio_range") or (None, None)
    if low is not None and high is not None:
        text += f" ({low:.2f}–{high:.2f})"
    return text + (f" · CPU {cpu:.2f}" if cpu is not None else "")


def _rounds_text(rec: dict) -> str:
    rounds = rec.get("rounds")
    if not rounds:
        return "—"
    text = f"{rec.get('reliable_rounds', len(rounds))}/{len(rounds)}"
    return text + (" **unreliable**" if rec.get("unreliable") else "")


def _round_cell(rnd: dict) -> str:
    first = "ours→floor" if tuple(rnd.get("order", ())) == ("ours", "floor") else "floor→ours"
    parts = [f"{rnd['index']}: {first}" if rnd.get("ratio") is not None
             else f"{rnd['index']}:"]
    if rnd.get("ratio") is not None:
        parts.append(f"{rnd['ratio']:.2f}×")
    parts.append(f"bg {_fmt(rnd.get('background'))}")
    parts.append(f"others {_fmt(rnd.get('others_cpu'))}")
    before, after = rnd.get("load_before"), rnd.get("load_after")
    if before and after:
        parts.append(f"la {before[0]:.1f}→{after[0]:.1f}")
    if not rnd.get("reliable", True):
        parts.append("✗")
    return " ".join(parts)


def rounds_table(results: dict) -> list[str]:
    """One line per scenario: each round's ratio and the machine's load around it."""
    rows = [s for s in results.get("scenarios", []) if s.get("rounds")]
    if not rows:
        return []
    max_load = results["meta"].get("max_load")
    lines = ["", "Rounds (ours and floor alternate; ratio of the round; bg = runnable tasks "
             "of others at the start; others = cores other processes used during it; "
             "la = 1-min load average before→after; ✗ = unreliable, above "
             f"{_fmt(max_load)}):", "", "| scenario | rounds |", "|---|---|"]
    for s in rows:
        lines.append(f"| {s['name']} | " + "; ".join(_round_cell(r) for r in s["rounds"])
                     + " |")
    return lines


def _load(values) -> str:
    return "/".join(f"{v:.1f}" for v in values) if values else "—"


def _fmt(v, digits: int = 1) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def markdown(results: dict) -> str:
    meta = results["meta"]
    lines = [
        f"### {meta['scale']} · {meta['db']} · {meta['date']}",
        "",
        "Latency percentiles over HTTP; CPU ms/req = user + system time of the gunicorn "
        "processes per request (PostgreSQL's own processes not included); ours/floor = "
        "median over the interleaved rounds of each round's ratio of the target's "
        "percentile, (min–max) of the rounds, then the ratio of CPU per request; rounds = "
        "reliable/all (a round is unreliable when other work on the machine was above "
        "the limit); p50/p95/p99 pool the reliable rounds.",
        "",
        f"CPU: {meta['machine']['cpu']}, {meta['machine']['cores']} cores; "
        f"Python {meta['machine']['python']}; gunicorn {meta.get('workers', 2)} workers; "
        f"load average at start {_load(meta['machine'].get('loadavg'))}, at the end "
        f"{_load(meta.get('loadavg_end'))}; "
        "data: " + ", ".join(f"{k} {v:,}".replace(",", " ")
                             for k, v in meta.get("counts", {}).items()) + ".",
        "",
        "| scenario | n | conc. | p50 ms | p95 ms | p99 ms | req/s | CPU ms/req "
        "| floor p50 / p95 ms | floor CPU ms/req | ours/floor (min–max) · CPU | rounds "
        "| errors | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|",
    ]
    for s in results["scenarios"]:
        if s.get("skipped"):
            lines.append(f"| {s['name']} | — | — | — | — | — | — | — | — | — | — | — | — | "
                         f"{s.get('target_text', '—')} | skipped: {s['skipped']} |")
            continue
        st, fl = s["stats"], s.get("floor") or {}
        floor_txt = (f"{_fmt(fl.get('p50_ms'))} / {_fmt(fl.get('p95_ms'))}"
                     + (" (in-process)" if fl.get("kind") == "in-process" else "")) if fl else "—"
        met = {True: "yes", False: "**no**: " + "; ".join(s.get("misses", [])),
               None: "—"}[s.get("met")]
        lines.append(
            f"| {s['name']} | {st['count']} | {s['concurrency']} | {_fmt(st['p50_ms'])} | "
            f"{_fmt(st['p95_ms'])} | {_fmt(st['p99_ms'])} | {_fmt(st['throughput_rps'])} | "
            f"{_fmt(st.get('cpu_ms_per_request'))} | {floor_txt} | "
            f"{_fmt(fl.get('cpu_ms_per_request'))} | {_ratio_text(s, fl)} | "
            f"{_rounds_text(s)} | {st['errors']} | "
            f"{s.get('target_text', '—')} | {met} |")
    mem = results.get("server", {})
    if mem:
        lines += ["", f"Server RSS peak: {_fmt(mem.get('peak_total_mb'))} MB in total "
                      f"(master + {mem.get('workers')} workers), "
                      f"{_fmt(mem.get('peak_worker_mb'))} MB the largest worker "
                      f"(target ≤ 250 MB per worker: "
                      f"{'yes' if (mem.get('peak_worker_mb') or 0) <= 250 else '**no**'})."]
    floor_mem = results.get("floor_server")
    if floor_mem:
        lines.append(f"Floor server RSS peak: {_fmt(floor_mem.get('peak_worker_mb'))} MB "
                     "per worker.")
    gen = meta.get("datagen_seconds")
    if gen:
        lines.append("Data generation: " + ", ".join(f"{k} {v:.1f} s" for k, v in gen.items())
                     + ".")
    extras = [f"{s['name']}: " + "; ".join(f"{k} {v}" for k, v in s["extra"].items())
              for s in results["scenarios"] if s.get("extra")]
    if extras:
        lines += ["", "Beyond latency: " + " · ".join(extras) + "."]
    for name, apart in (results.get("apart") or {}).items():
        figures = apart.get("figures")
        lines += ["", f"Measured apart, on a database of its own ({name}): "
                  + ("; ".join(f"{k} {v}" for k, v in figures.items()) if figures
                     else apart.get("skipped", "—")) + "."]
    lines += rounds_table(results)
    return "\n".join(lines) + "\n"


def write(results: dict, out_dir: Path | str = RESULTS_DIR) -> tuple[Path, Path]:
    """Write ``<scale>-<db>-<stamp>.{md,json}`` and ``latest-<scale>-<db>.{md,json}``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = results["meta"]
    stamp = meta.get("stamp") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    stem = f"{meta['scale']}-{meta['db']}"
    text_md = markdown(results)
    text_json = json.dumps(results, ensure_ascii=False, indent=2, default=str)
    md_path, json_path = out / f"{stem}-{stamp}.md", out / f"{stem}-{stamp}.json"
    for path, body in ((md_path, text_md), (json_path, text_json),
                       (out / f"latest-{stem}.md", text_md),
                       (out / f"latest-{stem}.json", text_json)):
        path.write_text(body, encoding="utf-8")
    return md_path, json_path

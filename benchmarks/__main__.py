"""Command line: ``python -m benchmarks run --scale district --db sqlite``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .datagen import SCALES
from .report import RESULTS_DIR, markdown
from .rounds import DEFAULT_MAX_LOAD, DEFAULT_ROUNDS, MIN_ROUNDS, compare_markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="Measure onewindow against its floor.")
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="generate data, serve with gunicorn, measure, report")
    run_p.add_argument("--scale", choices=sorted(SCALES), default="district")
    run_p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    run_p.add_argument("--out", type=Path, default=RESULTS_DIR,
                       help="directory for the Markdown and JSON results")
    run_p.add_argument("--only", action="append", metavar="SCENARIO",
                       help="measure only this scenario (repeatable)")
    run_p.add_argument("--seed", type=int, default=1)
    run_p.add_argument("--keep", action="store_true",
                       help="keep the generated database (printed at the end)")
    run_p.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                       help=f"interleaved rounds of ours and the floor (at least {MIN_ROUNDS})")
    run_p.add_argument("--max-load", type=float, default=DEFAULT_MAX_LOAD,
                       help="a round is unreliable when other work (runnable tasks at its "
                            "start, or cores used during it) is above this; default "
                            "%(default)s (env BENCH_MAX_LOAD)")
    rep_p = sub.add_parser("report", help="re-render the Markdown of a results JSON file")
    rep_p.add_argument("json", type=Path)
    cmp_p = sub.add_parser("compare", help="two results JSON files side by side")
    cmp_p.add_argument("old", type=Path)
    cmp_p.add_argument("new", type=Path)
    sub.add_parser("selections", add_help=False,
                   help="a selection's import and matching at district or region scale "
                        "(benchmarks/selections.py; its options follow)")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["selections"]:
        from .selections import main as selections_main

        selections_main(argv[1:])
        return 0
    args = parser.parse_args(argv)

    if args.command == "compare":
        old, new = (json.loads(path.read_text(encoding="utf-8"))
                    for path in (args.old, args.new))
        sys.stdout.write(compare_markdown(old, new))
        return 0
    if args.command == "run" and args.rounds < MIN_ROUNDS:
        parser.error(f"--rounds must be at least {MIN_ROUNDS}")

    if args.command == "report":
        results = json.loads(args.json.read_text(encoding="utf-8"))
        md = args.json.with_suffix(".md")
        md.write_text(markdown(results), encoding="utf-8")
        sys.stdout.write(f"Wrote {md}\n")
        return 0

    from .runner import run

    results = run(args.scale, args.db, out_dir=args.out, only=args.only, seed=args.seed,
                  keep=args.keep, rounds=args.rounds, max_load=args.max_load)
    sys.stdout.write("\n" + markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

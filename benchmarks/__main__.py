"""Command line: ``python -m benchmarks run --scale district --db sqlite``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .datagen import SCALES
from .report import RESULTS_DIR, markdown


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
    rep_p = sub.add_parser("report", help="re-render the Markdown of a results JSON file")
    rep_p.add_argument("json", type=Path)
    args = parser.parse_args(argv)

    if args.command == "report":
        import json

        results = json.loads(args.json.read_text(encoding="utf-8"))
        md = args.json.with_suffix(".md")
        md.write_text(markdown(results), encoding="utf-8")
        sys.stdout.write(f"Wrote {md}\n")
        return 0

    from .runner import run

    results = run(args.scale, args.db, out_dir=args.out, only=args.only, seed=args.seed,
                  keep=args.keep)
    sys.stdout.write("\n" + markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

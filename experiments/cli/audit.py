"""`stridelab audit`: the dose-response curves an optimizer would exploit, before trusting a plan."""

from __future__ import annotations

import argparse
import json
import sys

from experiments.cli import args as A
from experiments.io import atomic_write_bytes, check_writable
from experiments.progress import Stage
from sim.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="what the model believes: dose-response curves on one population",
                       description="Run the audit curves (sustained volume for 16 and 52 weeks, key runs, taper "
                                   "length, strength sessions at equal weekly sets, weekly sets, an overload block "
                                   "and its recovery) on one population with common random numbers, and mark "
                                   "each curve's best setting.")
    p.add_argument("--level", type=A.level, default="intermediate", help="athlete level (default intermediate)")
    p.add_argument("--race-distance", type=A.race_distance, default="10k", help="race distance (default 10k)")
    p.add_argument("--athletes", type=A.positive_int, default=1000, help="population size (default 1000)")
    p.add_argument("--seed", type=A.seed_int, default=0, help="population and random-stream seed (default 0)")
    p.add_argument("--json", action="store_true", help="print the curves as JSON")
    p.add_argument("--plot", default=None, metavar="FILE", help="write all curves as one PNG figure")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sim.audit import CURVES, audit  # lazy: CLI start

    if args.athletes > 100_000:
        raise InputError(f"--athletes: {args.athletes} is too many for the audit; allowed: 1 to 100000")
    if args.plot:
        check_writable(args.plot, "--plot", (".png",))
    with Stage(f"audit {args.level}", len(CURVES), "curves", every_s=5.0) as bar:
        curves = audit(args.level, args.athletes, args.seed, args.race_distance,
                       progress=lambda done, total, name: bar.update(done, f"{name} done", total))
    if args.plot:
        from experiments.report.audit import plot  # lazy: CLI start

        title = f"What the model believes: {args.athletes} {args.level} runners, {args.race_distance}"
        atomic_write_bytes(args.plot, plot(curves, title), option="--plot")
    if args.json:
        json.dump({"level": args.level, "athletes": args.athletes, "seed": args.seed,
                   "curves": [c.to_dict() for c in curves]}, sys.stdout, indent=1)
        print()
        return 0
    _print(curves, args)
    return 0


def _print(curves, args: argparse.Namespace) -> None:
    """One table per curve, fitted to the terminal (`COLUMNS`; split into parts, never cropped), the best
    setting in bold and starred."""
    from experiments.report.audit import COLUMNS  # lazy: CLI start
    from experiments.report.tables import console, print_table  # lazy: CLI start

    for c in curves:
        cols = [c.setting] + [k for k in (*COLUMNS, "race_time_diff_pp", "injured_days_diff") if k in c.rows[0]]
        best = c.best[c.setting]
        rows = [[f"{r[k]:g}" + (" *" if j == 0 and r[c.setting] == best else "") for j, k in enumerate(cols)]
                for r in c.rows]
        styles = ["bold" if r[c.setting] == best else None for r in c.rows]
        print_table(f"{c.name}: {c.question}", cols, rows, styles=styles, justify=["right"] * len(cols))
    console().print(f"* best setting of each curve; {args.athletes} {args.level} athletes, seed {args.seed}, "
                    "common random numbers", highlight=False)

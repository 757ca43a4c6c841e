"""`stridelab simulate PLAN.yaml`: what a plan does to a population of athletes."""

from __future__ import annotations

import argparse
import json
import sys

from experiments import args as A
from experiments.io import atomic_write_text, check_writable


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="what-if: simulate a plan file on a population",
                       description="Simulate a what-if plan file (blocks of week plans) on simulated athletes.")
    p.add_argument("plan", help="plan file (YAML): level, race_distance, blocks of week plans")
    p.add_argument("--level", type=A.level, default=None, help="override the plan's level")
    p.add_argument("--athletes", type=A.positive_int, default=2000, help="population size (default 2000)")
    p.add_argument("--seed", type=A.seed_int, default=0, help="population and random-stream seed (default 0)")
    p.add_argument("--json", action="store_true", help='print {"weeks": [...], "summary": {...}}')
    p.add_argument("--out", default=None, help="write the weekly table to this CSV file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sim.whatif import simulate_file

    if args.out:
        check_writable(args.out)
    res = simulate_file(args.plan, level=args.level, athletes=args.athletes, seed=args.seed)
    if args.out:
        atomic_write_text(args.out, res.weekly.to_csv(index=False))
    if args.json:
        json.dump({"weeks": res.weekly.to_dict(orient="records"), "summary": res.summary}, sys.stdout, indent=1)
        print()
        return 0
    print_result(res, args.plan)
    return 0


def print_result(res, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(width=max(Console().width, 150))
    t = Table(title=f"{title}: population means per week ({res.cohort.n} {res.cohort.level} athletes)")
    cols = ["week", "run_km", "strength_sessions", "strength_pct", "economy_pct", "vo2max_pct", "race_time_pct",
            "injuries", "injured_days", "soreness", "key_run_quality_pct"]
    for c in cols:
        t.add_column(c, justify="right")
    for _, row in res.weekly.iterrows():
        t.add_row(*[f"{int(row[c])}" if c == "week" else f"{row[c]:.2f}" for c in cols])
    con.print(t)
    s = res.summary
    st = Table(title="season summary (95% CI)")
    st.add_column("metric")
    st.add_column("value", justify="right")
    st.add_column("95% CI", justify="right")
    for k, ci in s["ci95"].items():
        st.add_row(k, f"{s[k]:.3f}", f"[{ci[0]:.3f}, {ci[1]:.3f}]")
    con.print(st)

"""`stridelab simulate PLAN.yaml`: what a plan does to a population of athletes."""

from __future__ import annotations

import argparse
import sys

from experiments.cli import args as A
from experiments.io import atomic_write_bytes, atomic_write_text, check_writable, dumps_json
from experiments.progress import Stage
from sim.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="what-if: simulate a plan file on a population",
                       description="Simulate a what-if plan file (blocks of week plans) on simulated athletes.")
    p.add_argument("plan", help="plan file (YAML): level, race_distance, blocks of week plans")
    p.add_argument("--level", type=A.level, default=None, help="override the plan's level")
    p.add_argument("--athletes", type=A.athletes, default=2000, help="population size (default 2000)")
    p.add_argument("--seed", type=A.seed_int, default=0, help="population and random-stream seed (default 0)")
    p.add_argument("--json", action="store_true", help='print {"weeks": [...], "summary": {...}}')
    p.add_argument("--out", default=None, help="write the weekly table to this CSV file (.csv)")
    p.add_argument("--plot", default=None, help="write the weekly curves to this PNG file (.png)")
    p.add_argument("--model-draws", type=A.model_draws, default=0, metavar="K",
                   help="also run the plan under K parameter sets drawn from the plausible ranges in "
                        "sim/parameters.py (same athletes and random streams) and report each summary figure's "
                        "spread across them (default 0: the default parameters only)")
    p.add_argument("--athlete", default=None,
                   help="an athlete file (stridelab athlete fit): simulate this runner (their fitted draws and "
                        "current state) instead of a population of the plan's level; adds outcome bands")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sim.whatif import simulate_file  # lazy: CLI start

    # every output target is checked before any work: a regular file (or none yet) with the right suffix
    if args.out is not None:
        check_writable(args.out, "--out", (".csv",))
    if args.plot is not None:
        check_writable(args.plot, "--plot", (".png",))
    bands = None
    if args.athlete:
        from experiments.athlete.planning import simulate_for_athlete  # lazy: CLI start

        if args.model_draws:
            raise InputError("--model-draws: not available with --athlete (the athlete's bands already cover "
                             "the fitted uncertainty); drop one of the two")
        res, bands = simulate_for_athlete(args.plan, args.athlete, athletes=args.athletes, seed=args.seed)
    else:
        res = simulate_file(args.plan, level=args.level, athletes=args.athletes, seed=args.seed)
    spread = model_draws_spread(args) if args.model_draws else None
    if args.out:
        atomic_write_text(args.out, res.weekly.to_csv(index=False), option="--out")
    if args.plot:
        from experiments.report.whatif import plan_context, plot_title, plot_weekly  # lazy: CLI start
        from sim.state import M_LOAD_AU  # lazy: the CLI imports every command module at start

        ctx = plan_context(args.plan, res)
        png = plot_weekly(res.weekly, plot_title(args.plan, res), ctx["planned_km"], ctx["phases"],
                          res.metrics[:, :, M_LOAD_AU].mean(axis=0), ctx["plan"])
        atomic_write_bytes(args.plot, png, option="--plot")
    if args.json:
        out = {"weeks": res.weekly.to_dict(orient="records"), "summary": res.summary}
        if spread is not None:
            out["model_draws"] = spread
        if bands is not None:
            out["athlete"] = {"file": args.athlete, "bands": bands}
        sys.stdout.write(dumps_json(out, indent=1))
        print()
        return 0
    who = (f"{res.cohort.n} simulations of the runner in {args.athlete} (fitted draws and injury luck)"
           if args.athlete else None)
    print_result(res, args.plan, who=who)
    if spread is not None:
        print_spread(res, spread, args.model_draws)
    if bands is not None:
        print_bands(bands, args.athlete)
    return 0


def print_bands(bands: dict, athlete: str) -> None:
    from experiments.report.tables import print_table  # lazy: CLI start (rich)
    from experiments.report.whatif import LABELS  # lazy: CLI start (numpy, sim)

    lo, mid, hi = bands["percentiles"]
    rows = [[LABELS.get(k, k), *(f"{x:.2f}" for x in v)] for k, v in bands.items()
            if isinstance(v, list) and k != "percentiles"]
    rows.append(["injured (fraction)", "", f"{bands['injured_frac']:.3f}", ""])
    print_table(f"{athlete}: outcome bands over the fitted uncertainty and injury luck",
                ["outcome", f"p{lo}", f"p{mid}", f"p{hi}"], rows)


def model_draws_spread(args: argparse.Namespace) -> dict:
    from sim.parameters import draw_parameters  # lazy: CLI start
    from sim.plan import load_plan  # lazy: CLI start
    from sim.whatif import model_spread  # lazy: CLI start

    draws = draw_parameters(args.model_draws, seed=args.seed)
    with Stage("simulate under model draws", len(draws), "draws", every_s=5.0) as bar:
        return model_spread(load_plan(args.plan), draws, level=args.level, athletes=args.athletes, seed=args.seed,
                            progress=lambda done, total: bar.update(done, f"draw {done} of {total} done", total))


def print_spread(res, spread: dict, k: int) -> None:
    from experiments.report.tables import print_table  # lazy: CLI start (rich)
    from experiments.report.whatif import LABELS  # lazy: CLI start (numpy, sim)

    rows = [[LABELS.get(name, name), f"{res.summary[name]:.3f}", f"{v['mean']:.3f}",
             f"[{v['p5']:.3f}, {v['p95']:.3f}]"] for name, v in spread.items()]
    print_table(f"under model uncertainty: {k} parameter draws (same athletes, same random streams)",
                ["figure", "default model", "mean of draws", "5-95% of draws"], rows)



def print_result(res, title: str, width: int | None = None, who: str | None = None) -> None:
    """The weekly table and the season summary. `who`: whom the means are over (default: the population,
    'N LEVEL athletes'); one runner simulated N times says so (issue 24)."""
    from experiments.report.tables import print_table  # lazy: CLI start (rich)
    from experiments.report.whatif import ABBREV, DEFINITIONS, LABELS  # lazy: CLI start (numpy, sim)

    cols = ["week", "run_km", "strength_sessions", "strength_pct", "economy_pct", "vo2max_pct", "race_time_pct",
            "injuries", "injured_days", "soreness", "key_run_quality_pct"]
    rows = [[f"{int(row[c])}" if c == "week" else f"{row[c]:.2f}" for c in cols] for _, row in res.weekly.iterrows()]
    heading = (f"{title}: means per week over {who}" if who
               else f"{title}: population means per week ({res.cohort.n} {res.cohort.level} athletes)")
    print_table(heading,
                [LABELS[c] for c in cols], rows, width=width, abbrev=ABBREV, caption=DEFINITIONS)
    s = res.summary
    rows = [[k.replace("_", " "), f"{s[k]:.3f}", f"[{ci[0]:.3f}, {ci[1]:.3f}]"] for k, ci in s["ci95"].items()]
    print_table("season summary (95% CI)", ["metric", "value", "95% CI"], rows, width=width)

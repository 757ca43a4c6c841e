"""`stridelab baselines`: the article's templates, run-only and the five mistakes, side by side.

Every baseline meets the same simulated athletes with the same random draws (common random
numbers), so the paired difference against run-only and the share of athletes each baseline
beats it for are honest comparisons, with 95% bootstrap intervals.
"""

from __future__ import annotations

import argparse
import sys

from experiments.cli import args as A
from experiments.io import dumps_json
from sim.state import LEVELS

REFERENCE = "run_only"
JSON_METRICS = ("race_time_pct", "injured_days", "injuries", "strength_pct", "economy_pct",
                "key_run_quality_pct")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("baselines", help="the article's templates and mistakes on a population",
                       description="Evaluate the article's strength templates (beginner, intermediate, "
                                   "advanced), run-only and the five mistakes on the same athletes.")
    p.add_argument("--level", type=A.level, default=None,
                   help="athletes' level: beginner, intermediate or advanced "
                        "(default: all three, one table each)")
    p.add_argument("--athletes", type=A.athletes, default=2000, help="athletes per level (default 2000)")
    p.add_argument("--seed", type=A.seed_int, default=0, help="population and random-stream seed (default 0)")
    p.add_argument("--weeks", type=_season_weeks, default=52, help="season length in weeks, race in the last "
                                                                   "(default 52)")
    p.add_argument("--race-distance", type=A.race_distance, default="10k", help="5k, 10k, half or marathon "
                                                                                "(default 10k)")
    p.add_argument("--json", action="store_true",
                   help="print a JSON list of rows: policy, level, each metric and its _ci95 [lo, hi], the "
                        "paired difference to run_only (_diff, _diff_ci95) and the share of athletes it wins "
                        "for (_win)")
    p.set_defaults(func=run)


def _season_weeks(text: str) -> int:
    from sim.season import MIN_SEASON_WEEKS  # lazy: CLI start

    value = A.positive_int(text)
    if not MIN_SEASON_WEEKS <= value <= 260:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; need {MIN_SEASON_WEEKS}-260 weeks")
    return value


def evaluate_level(level: str, athletes: int, seed: int, weeks: int, race_distance: str):
    """All baselines on one cohort of `level` (an `agents.evaluation.EvalResult`)."""
    from agents.baselines import BASELINES  # lazy: CLI start
    from agents.evaluation import evaluate  # lazy: CLI start
    from sim.whatif import make_cohort  # lazy: CLI start

    cohort = make_cohort(level, athletes, seed, race_distance)
    return evaluate(BASELINES, cohort, weeks, reference=REFERENCE)


def run(args: argparse.Namespace) -> int:
    from agents.baselines import BASELINES  # lazy: CLI start
    from sim.whatif import check_athletes  # lazy: CLI start

    levels = [args.level] if args.level else list(LEVELS)
    check_athletes(args.athletes, args.weeks, plans=len(BASELINES), name="--athletes")
    results = {lv: evaluate_level(lv, args.athletes, args.seed, args.weeks, args.race_distance)
               for lv in levels}
    if args.json:
        rows = []
        for lv, res in results.items():
            for row in res.rows(JSON_METRICS):
                rows.append({"level": lv, **row})

        sys.stdout.write(dumps_json(rows, indent=1))
        print()
        return 0
    for lv, res in results.items():
        print_summary(res, f"{lv}: {args.athletes} athletes, {args.weeks}-week season, "
                           f"{args.race_distance} race, seed {args.seed}")
    return 0


def _ci(lo: float, hi: float, digits: int = 2) -> str:
    return f"[{lo:.{digits}f}, {hi:.{digits}f}]"


def print_summary(res, title: str, width: int | None = None) -> None:
    """A table that fits the terminal: each baseline's mean and 95% CI, and its paired difference to run-only."""
    from experiments.report.tables import print_table  # lazy: CLI start

    ref = res.reference
    head = ["policy", "race time % [95% CI]", f"diff vs {ref} (pp)", "win", "injured days",
            f"injured days diff vs {ref}", "injuries", "strength % (1RM change)", "key-run quality %"]
    abbrev = {head[1]: "race %", head[2]: "race diff", head[4]: "inj. days", head[5]: "inj. diff",
              head[7]: "str. %", head[8]: "key-run %"}
    rows = []
    for policy, r in res.summary.iterrows():
        rows.append([
            str(policy),
            f"{r.race_time_pct:+.2f} {_ci(r.race_time_pct_lo, r.race_time_pct_hi)}",
            f"{r.race_time_pct_diff:+.2f} {_ci(r.race_time_pct_diff_lo, r.race_time_pct_diff_hi)}",
            f"{100 * r.race_time_pct_win:.0f}%",
            f"{r.injured_days:.1f} {_ci(r.injured_days_lo, r.injured_days_hi, 1)}",
            f"{r.injured_days_diff:+.1f} {_ci(r.injured_days_diff_lo, r.injured_days_diff_hi, 1)}",
            f"{r.injuries:.2f} {_ci(r.injuries_lo, r.injuries_hi)}",
            f"{r.strength_pct:.1f} {_ci(r.strength_pct_lo, r.strength_pct_hi, 1)}",
            f"{r.key_run_quality_pct:.1f}",
        ])
    caption = (f"Means [95% bootstrap CI] over the athletes; diff: paired difference to {ref} on the same athletes "
               f"(negative race time = faster); win: share of athletes better off than with {ref}; strength %: "
               "change of the one-repetition maximum (1RM) since the start of the season; key-run quality %: "
               "how well key runs were executed (100 = as planned).")
    print_table(title, head, rows, width=width, caption=caption, abbrev=abbrev)

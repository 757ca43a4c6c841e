"""`stridelab compare`: learned policies against every template and mistake on held-out athletes.

    stridelab compare --experiment quickstart --athletes 1000 --out reports/compare
    stridelab compare --runs RUN_ID [RUN_ID ...] --level intermediate
    stridelab compare --plan plan.yaml [--plan other.yaml] [--runs RUN_ID ...]   # open-loop plans too

Prints one table per level (best first, paired differences against the level's best template
with 95% CIs, win share), its robustness (--model-draws K parameter draws, --missed session
rates) and the credibility checks of every policy's plans, and the verdict; writes compare.csv,
compare.md, compare.html (plots embedded), per-athlete, weekly, model-draw and missed-session
CSVs, credibility.json and the PNGs to --out; logs all of it as an MLflow run (tag
stridelab.role = compare) in the runs' experiment.
"""

from __future__ import annotations

import argparse
import sys

from experiments.cli import args as A
from experiments.progress import Stage
from experiments.report.robustness import DEFAULT_MISSED, DEFAULT_MODEL_DRAWS
from sim.errors import InputError
from sim.state import LEVELS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare learned policies with the templates and mistakes on held-out athletes",
        description="Evaluate trained policies (from MLflow) and every template and mistake baseline on a "
        "fresh "
        "held-out population, per level; print, write and log the comparison.",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--experiment",
        metavar="NAME",
        default=None,
        help="compare every finished training run of this MLflow experiment (default: stridelab)",
    )
    src.add_argument("--runs", metavar="RUN_ID", nargs="+", default=None, help="compare these training runs")
    p.add_argument(
        "--plan",
        metavar="FILE",
        action="append",
        default=None,
        help="also evaluate this season plan file (e.g. from stridelab optimize) on its level; repeatable. "
        "With --plan and neither --runs nor --experiment, no training runs are compared",
    )
    p.add_argument(
        "--level",
        type=A.level,
        action="append",
        default=None,
        help="evaluate on this level (repeatable; default: the levels the runs trained on)",
    )
    p.add_argument(
        "--athletes", type=A.athletes, default=1000, help="held-out athletes per level (default 1000)"
    )
    p.add_argument(
        "--seed",
        type=A.seed_int,
        default=None,
        help="population seed of the held-out athletes (default: one no run trained or evaluated on)",
    )
    p.add_argument(
        "--model-draws",
        type=A.model_draws,
        default=DEFAULT_MODEL_DRAWS,
        metavar="K",
        help="robustness: also run every policy under K parameter sets drawn from the model's plausible ranges "
        f"(same athletes, same random streams; default {DEFAULT_MODEL_DRAWS}, 0 = skip)",
    )
    p.add_argument(
        "--missed",
        type=missed_rates,
        default=DEFAULT_MISSED,
        metavar="P[,P...]",
        help="robustness: also run every policy with each planned run and lift missed with these probabilities "
        f"(the same skips for every policy; default {','.join(f'{x:g}' for x in DEFAULT_MISSED)}, none = skip)",
    )
    p.add_argument("--out", default="compare", help="output folder for the reports (default ./compare)")
    p.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow tracking URI (default $MLFLOW_TRACKING_URI or sqlite:///mlflow.db)",
    )
    p.add_argument("--no-mlflow", action="store_true", help="do not log the comparison as an MLflow run")
    p.set_defaults(func=run)


def missed_rates(text: str) -> tuple[float, ...]:
    """argparse type of --missed: comma-separated probabilities 0 < p < 1, or none."""
    from experiments.report.robustness import parse_rates  # lazy: CLI start

    try:
        return parse_rates(text)
    except InputError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("missed: ")) from None


def run(args: argparse.Namespace) -> int:
    from agents.baselines import BASELINES  # lazy: CLI start
    from experiments.policy import load_run_policy  # lazy: CLI start
    from experiments.report.compare import (  # lazy: CLI start
        DEFAULT_EXPERIMENT,
        CompareOptions,
        check_seed,
        compare,
        find_runs,
        held_out_seed,
    )
    from experiments.report.render import print_tables  # lazy: CLI start
    from experiments.report.write import check_out_dir, log_to_mlflow, write_reports  # lazy: CLI start
    from experiments.tracking import client, open_store, tracking_uri  # lazy: CLI start
    from sim.season import MIN_SEASON_WEEKS  # lazy: CLI start
    from sim.whatif import check_athletes  # lazy: CLI start

    check_out_dir(args.out)
    # a lower bound first (the shortest season, one learned policy); the exact check follows the runs
    check_athletes(args.athletes, MIN_SEASON_WEEKS, plans=len(BASELINES) + 1, name="--athletes")
    experiment = args.experiment or DEFAULT_EXPERIMENT
    plans = load_plans(args.plan or [])
    plans_only = bool(plans) and not args.runs and args.experiment is None
    if not (plans_only and args.no_mlflow):
        # read-only: a missing store is an error (plan files alone, not logged, need none)
        open_store(args.tracking_uri, "--tracking-uri", create=False)
    uri = tracking_uri(args.tracking_uri)
    if args.runs:
        run_ids = list(dict.fromkeys(args.runs))
    elif plans_only:
        run_ids = []
    else:
        run_ids = find_runs(experiment, uri)
    policies = [load_run_policy(r, uri) for r in run_ids]
    learned = {}
    for p in policies:
        name = p.name if p.name not in learned else f"{p.name}:{p.run_id[:8]}"
        p.name = name
        learned[name] = p
    weeks = {p.season_weeks for p in (*policies, *plans.values())}
    dists = {p.race_distance for p in (*policies, *plans.values())}
    if len(weeks) != 1 or len(dists) != 1:
        raise InputError(
            f"runs and plans: made for different seasons (season_weeks {sorted(weeks)}, race distance "
            f"{sorted(dists)}); compare one setting at a time"
        )
    check_athletes(args.athletes, max(weeks), plans=len(BASELINES) + len(learned) + len(plans), name="--athletes")
    levels = args.level or sorted(
        {lv for p in (*policies, *plans.values()) for lv in p.levels}, key=LEVELS.index
    ) or list(LEVELS)
    seed = held_out_seed([*policies, *plans.values()]) if args.seed is None else args.seed
    check_seed(seed, [*policies, *plans.values()])
    if args.runs:
        exp_id = client(uri).get_run(run_ids[0]).info.experiment_id
        experiment = client(uri).get_experiment(exp_id).name
    options = CompareOptions(args.athletes, seed, weeks.pop(), dists.pop(), model_draws=args.model_draws,
                             missed=args.missed)
    with Stage(f"compare {', '.join(levels)}", len(levels), "steps", every_s=5.0) as bar:
        cmp = compare(learned, levels, options, plans=plans,
                      progress=lambda done, total, what: bar.update(done, what, total))
        bar.update(bar.total, "every level compared; writing the reports")
    print_tables(cmp)
    for line in plan_lines(cmp):
        print(line)
    files = write_reports(cmp, args.out)
    print(
        f"\nwrote {', '.join(str(f) for f in files.values() if f.suffix != '.png')} (+ plots) to {args.out}"
    )
    if not args.no_mlflow:
        command = (
            "stridelab " + " ".join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith("stridelab") else ""
        )
        rid = log_to_mlflow(cmp, files, experiment, [*run_ids, *(p.run_id for p in plans.values())], uri, command)
        print(f"logged as MLflow run {rid} in experiment {experiment!r} ({uri})")
    return 0


def load_plans(paths: list[str]) -> dict:
    """--plan files as fixed-plan policies, by name (the file stem; a repeated stem gets its path)."""
    from experiments.optimize.policy import load_plan_policy  # lazy: CLI start

    out: dict = {}
    for path in dict.fromkeys(paths):
        p = load_plan_policy(path)
        if p.name in out:
            p.name = f"{p.kind}:{path}"
        out[p.name] = p
    return out


def plan_lines(cmp) -> list[str]:
    """A sentence per fixed plan and level: against the best template and, when there is one, the best
    learned policy (the learned policy's gain over an optimized open-loop plan is the value of feedback)."""
    s = cmp.summary
    out = []
    for lv in cmp.levels:
        rows = s[s["level"] == lv].set_index("policy")
        best = cmp.best_template[lv]
        for name in cmp.plans:
            if name not in rows.index:
                continue
            r = rows.loc[name]
            out.append(
                f"{lv}: {name} vs the best template ({best}): race time {r['race_time_pct']:+.2f}%, paired "
                f"difference {r['race_time_pct_diff']:+.3f} pp [95% CI {r['race_time_pct_diff_lo']:+.3f}, "
                f"{r['race_time_pct_diff_hi']:+.3f}]; injured days {r['injured_days']:.2f} "
                f"({r['injured_days_diff']:+.2f} [{r['injured_days_diff_lo']:+.2f}, {r['injured_days_diff_hi']:+.2f}])."
            )
            learned = cmp.best_learned.get(lv)
            if learned is not None:
                gap = rows.loc[learned, "race_time_pct"] - r["race_time_pct"]
                who = "the learned policy is faster" if gap < 0 else "the open-loop plan is faster"
                out.append(f"{lv}: {learned} - {name}: {gap:+.3f} pp race time ({who}; value of feedback), injured "
                           f"days {rows.loc[learned, 'injured_days'] - r['injured_days']:+.2f}.")
    return out

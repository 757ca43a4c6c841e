"""`stridelab export`: the optimized season plan, day by day, as CSV, JSON, Markdown or iCalendar.

    stridelab export --run RUN_ID --level intermediate --start 2027-01-04 --race 2027-06-20 \\
        --format ics --out season.ics
    stridelab export --baseline intermediate --level intermediate --start 2027-01-04 \\
        --race 2027-06-20 --format md --out season.md

The policy (a trained run's SB3 model from MLflow, an SB3 .zip file, or a named baseline)
plans every week for one typical athlete of the level; `sim.kernel.schedule_week` lays out
the days; the notes say where and why the plan departs from the article's rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING

from experiments.cli import args as A
from sim.errors import InputError
from sim.state import A_HABITUAL_KM

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export a season plan day by day (csv | json | md | ics | fit)",
        description="Export the season plan a policy gives one runner, day by day: date, week, phase, run "
        "(kind, distance, intensity), strength (emphasis, effort, the article's exercises with "
        "sets x reps) and a short reason per week.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--run", metavar="RUN_ID", help="MLflow run id of a trained policy (stridelab train)")
    src.add_argument(
        "--model",
        metavar="PATH",
        help="an SB3 model file (.zip), only with --trust: SB3 zips are pickles and loading one runs any code "
        "inside it, so load only files you made or trust (--run loads from the project's MLflow store)",
    )
    src.add_argument(
        "--baseline",
        metavar="NAME",
        help="a baseline instead of a learned policy: beginner | intermediate | advanced | run_only | "
        "mistake_* (works without training)",
    )
    p.add_argument("--level", type=A.level, default=None,
                   help="beginner | intermediate | advanced (required unless --athlete gives it)")
    p.add_argument("--athlete", default=None,
                   help="an athlete file (stridelab athlete fit): plan for this runner, with their habitual km and "
                        "paces from their own races")
    p.add_argument(
        "--weekly-km",
        type=A.positive_float,
        default=None,
        help="the runner's usual weekly volume, km (default: the level's mean)",
    )
    p.add_argument("--start", type=A.date, required=True, help="first day of the season, YYYY-MM-DD")
    p.add_argument("--race", type=A.date, required=True, help="race day, YYYY-MM-DD (last day of the plan)")
    p.add_argument(
        "--distance", type=A.race_distance, default="10k", help="5k | 10k | half | marathon (default 10k)"
    )
    p.add_argument(
        "--format", default=None, help="csv | json | md | ics | fit (default: from --out's suffix; else csv)"
    )
    p.add_argument("--out", default=None, help="output file (default: standard output)")
    p.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow tracking URI (default $MLFLOW_TRACKING_URI or sqlite:///mlflow.db)",
    )
    p.add_argument(
        "--trust",
        action="store_true",
        help="allow --model PATH: you trust this file (an SB3 zip is a pickle and can run code when loaded)",
    )
    p.add_argument("--seed", type=A.seed_int, default=0, help="environment seed of the roll-out (default 0)")
    p.set_defaults(func=run)


PLAN_DATES = (dt.date(1990, 1, 1), dt.date(2100, 12, 31))  # what every export format can carry (issue 25 item 5)


def run(args: argparse.Namespace) -> int:
    from experiments.io import atomic_write_bytes, check_writable
    from experiments.plans.formats import format_of, render
    from experiments.plans.rules import check, undeclared
    from experiments.plans.season_plan import athlete_profile, season_dates

    # Everything a user can get wrong is checked before any work (and before any file exists).
    if args.model and not args.trust:
        from experiments.policy import TRUST_NOTE

        raise InputError(f"--model: {args.model!r} is not loaded without --trust: {TRUST_NOTE}")
    if args.out:
        check_writable(args.out, "--out")
    fmt = format_of(args.format, args.out)
    if args.run:
        from experiments.tracking import open_store

        open_store(args.tracking_uri, "--tracking-uri", create=False)  # read-only: never created here
    for opt, d in (("--start", args.start), ("--race", args.race)):
        if not PLAN_DATES[0] <= d <= PLAN_DATES[1]:
            raise InputError(f"{opt}: {d} is not allowed; need a date from {PLAN_DATES[0]} to {PLAN_DATES[1]} "
                             "(FIT workouts count seconds from 1989 in 32 bits; zips store 1980-2107)")
    sd = season_dates(args.start, args.race)
    af = None
    if args.athlete:
        from experiments.athlete.profile import load_athlete

        af = load_athlete(args.athlete)
        args.level = args.level or af.level
        athlete = af.with_race(args.distance)[0]  # row 0: the point estimate
        if args.weekly_km is not None:
            athlete[A_HABITUAL_KM] = args.weekly_km
    elif args.level is None:
        raise InputError("--level: missing; give --level (beginner | intermediate | advanced) or --athlete FILE")
    else:
        athlete = athlete_profile(args.level, args.weekly_km, args.distance)
    df = export_plan(args, athlete, sd.n_weeks)
    if af is not None:
        from experiments.athlete.planning import personal_paces

        personal_paces(df, af)
    data = render(df, fmt)
    if args.out:
        atomic_write_bytes(args.out, data, option="--out")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    v = check(df)
    status = (
        "follows all of the article's rules"
        if not v
        else (
            f"has {len(v)} departure(s) from the article's rules, "
            f"{len(v) - len(undeclared(v))} marked in the notes and explained with their reasons "
            "(Markdown: 'Rule departures'; JSON: rule_check)"
        )
    )
    where = args.out or "standard output"
    lead = (
        f" (starts {sd.start.isoformat()}, {sd.lead_in_days} day(s) after --start)" if sd.lead_in_days else ""
    )
    print(
        f"stridelab export: {sd.n_weeks} weeks{lead} to the race on {sd.race.isoformat()}, "
        f"{df.attrs['source']}, written to {where} as {fmt}; the plan {status}.",
        file=sys.stderr,
    )
    return 0


def export_plan(args: argparse.Namespace, athlete: np.ndarray, n_weeks: int) -> pd.DataFrame:
    """The day frame for the policy named by --run / --model / --baseline."""
    from experiments.plans.season_plan import policy_week_plans, season_plan
    from experiments.policy import load_baseline, load_model_file, load_run_policy

    if args.baseline:
        policy, source = load_baseline(args.baseline), f"baseline {args.baseline}"
    elif args.model:
        policy, source = load_model_file(args.model, trust=args.trust), f"model {args.model}"
    else:
        policy, source = load_run_policy(args.run, args.tracking_uri), f"MLflow run {args.run}"
    _warn_outside_training(policy, args.level, n_weeks, args.distance)
    weeks = policy_week_plans(
        policy, args.level, n_weeks, athlete=athlete, race_distance=args.distance, seed=args.seed
    )
    df = season_plan(weeks, athlete, args.start, args.race)
    df.attrs["source"] = source
    return df


def _warn_outside_training(policy: object, level: str, n_weeks: int, distance: str) -> None:
    """A learned policy asked about a season it never trained on still answers; say so."""
    trained = []
    weeks = getattr(policy, "season_weeks", None)
    if weeks is not None and weeks != n_weeks:
        trained.append(f"{weeks}-week seasons (this one has {n_weeks})")
    levels = getattr(policy, "levels", ())
    if levels and level not in levels:
        trained.append(f"{', '.join(levels)} runners (this one is {level})")
    dist = getattr(policy, "race_distance", None)
    if dist is not None and dist != distance:
        trained.append(f"{dist} races (this one is {distance})")
    if trained:
        print(f"stridelab export: note: the policy was trained on {'; '.join(trained)}", file=sys.stderr)

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
from experiments.io import atomic_write_bytes, check_writable
from sim.errors import InputError
from sim.state import A_HABITUAL_KM, A_RACE_KM

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
    from experiments.plans.formats import format_of, render  # lazy: CLI start
    from experiments.plans.rules import check, undeclared  # lazy: CLI start
    from experiments.plans.season_plan import athlete_profile, season_dates  # lazy: CLI start

    # Everything a user can get wrong is checked before any work (and before any file exists).
    if args.model and not args.trust:
        from experiments.policy import TRUST_NOTE  # lazy: CLI start

        raise InputError(f"--model: {args.model!r} is not loaded without --trust: {TRUST_NOTE}")
    if args.out:
        check_writable(args.out, "--out")
    fmt = format_of(args.format, args.out)
    if args.run:
        from experiments.tracking import open_store  # lazy: CLI start

        open_store(args.tracking_uri, "--tracking-uri", create=False)  # read-only: never created here
    for opt, d in (("--start", args.start), ("--race", args.race)):
        if not PLAN_DATES[0] <= d <= PLAN_DATES[1]:
            raise InputError(f"{opt}: {d} is not allowed; need a date from {PLAN_DATES[0]} to {PLAN_DATES[1]} "
                             "(FIT workouts count seconds from 1989 in 32 bits; zips store 1980-2107)")
    sd = season_dates(args.start, args.race)
    af = None
    if args.athlete:
        from experiments.athlete.profile import load_athlete  # lazy: CLI start

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
        from experiments.athlete.planning import personal_paces  # lazy: CLI start

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
    from experiments.plans.season_plan import policy_week_plans, season_plan  # lazy: CLI start
    from experiments.policy import load_baseline, load_model_file, load_run_policy  # lazy: CLI start

    if args.baseline is not None:  # '' is a bad name, not "no baseline" (issue 25, item 15)
        policy, source = load_baseline(args.baseline), f"baseline {args.baseline}"
    elif args.model:
        policy, source = load_model_file(args.model, trust=args.trust), f"model {args.model}"
    else:
        policy, source = load_run_policy(args.run, args.tracking_uri), f"MLflow run {args.run}"
    _warn_outside_training(policy, args.level, n_weeks, args.distance)
    weeks = policy_week_plans(
        policy, args.level, n_weeks, athlete=athlete, race_distance=args.distance, seed=args.seed
    )
    weeks, note = long_run_build(weeks, athlete)
    df = season_plan(weeks, athlete, args.start, args.race)
    df.attrs["source"] = source
    if note:
        print(f"stridelab export: {note}", file=sys.stderr)
        df.attrs["source"] = f"{source}; {note}"
    return df


#: long-race build (issue 23: a 17 km/week runner's marathon plan topped out at 5.5 km long runs).
#: Novice marathon plans (e.g. Higdon's Novice 1: 10 -> 32 km over 18 weeks) build the long run
#: by 1.5-2 km a week to about three quarters of the race, within weekly volume growth of 10%.
LONG_RACE_KM = 21.0  # half marathon and longer
LONG_RUN_PEAK_SHARE = 0.75  # peak long run / race distance
LONG_RUN_PEAK_KM = 32.0
LONG_RUN_STEP_KM = 2.0
LONG_RUN_WEEK_SHARE = 0.45  # a long run of at most 45% of the week's km
VOLUME_GROWTH = 1.10  # weekly km grow at most 10% a week
TAPER_WEEKS = 3
TAPER_SHARE = {2: 0.7, 1: 0.5}  # taper weeks' km as a share of the peak week (two and one weeks out)


def long_run_build(weeks: list, athlete: np.ndarray) -> tuple[list, str | None]:
    """Weeks whose long runs build toward a half or full marathon when the policy's do not.

    Only raises: a week whose long run already reaches the build keeps its own. The taper weeks
    (last three) are the policy's. Returns the weeks and a note (None when nothing changed)."""
    race_km = float(athlete[A_RACE_KM])
    if race_km < LONG_RACE_KM or len(weeks) <= TAPER_WEEKS + 1:
        return weeks, None
    habitual = float(athlete[A_HABITUAL_KM])
    peak = min(LONG_RUN_PEAK_SHARE * race_km, LONG_RUN_PEAK_KM)
    out, raised, top_before, top_after = [], 0, 0.0, 0.0
    long_km = max(0.3 * habitual, 5.0)
    week_km = habitual
    peak_week_km = 0.0
    for i, w in enumerate(weeks):
        km = w.run_km if w.run_km is not None else (w.run_volume_rel or 1.0) * habitual
        lr = w.long_run_km if w.long_run_km is not None else (w.long_run_rel if w.long_run_rel is not None
                                                                else 0.3) * km
        top_before = max(top_before, lr)
        if i >= len(weeks) - TAPER_WEEKS:
            left = len(weeks) - 1 - i  # 2, 1: taper weeks before race week; 0: race week (the race itself)
            if left and raised:
                f = TAPER_SHARE[left]
                t_km, t_long = f * peak_week_km, f * top_after
                if t_km > km + 0.05:
                    w = w.model_copy(update={"run_km": round(t_km, 1), "run_volume_rel": None,
                                             "long_run_km": round(min(t_long, LONG_RUN_WEEK_SHARE * t_km), 1),
                                             "long_run_rel": None})
            out.append(w)
            continue
        week_km = week_km * VOLUME_GROWTH if i else habitual  # at most 10% over last week's km
        long_km = min(peak, long_km + LONG_RUN_STEP_KM) if i else long_km
        want_long = min(long_km, LONG_RUN_WEEK_SHARE * week_km)
        if want_long > lr + 0.05:
            new_km = max(km, want_long / LONG_RUN_WEEK_SHARE)
            w = w.model_copy(update={"run_km": min(new_km, 250.0), "run_volume_rel": None,
                                     "long_run_km": round(want_long, 1), "long_run_rel": None})
            raised += 1
            lr = want_long
            km = new_km
        peak_week_km = max(peak_week_km, km)
        week_km = km
        top_after = max(top_after, lr)
        out.append(w)
    if not raised:
        return weeks, None
    return out, (f"long runs built toward the {race_km:g} km race in {raised} weeks (up to {top_after:.1f} km; the "
                 f"policy's peaked at {top_before:.1f} km), weekly km growing at most 10% a week")


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

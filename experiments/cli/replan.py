"""`stridelab replan`: re-plan the rest of a season after what the runner actually did.

    stridelab replan --athlete athlete.yaml --log LOG --plan plan.json --today 2026-06-01 --out plan.ics

The weeks already begun stay as they were; the rest is re-planned from the state the log
implies (experiments.athlete.replan). ICS events keep their UIDs (one per date), so a
calendar that subscribed to the plan updates in place.
"""

from __future__ import annotations

import argparse
import sys

from experiments.athlete.localtime import zone
from experiments.cli import args as A
from experiments.io import atomic_write_bytes, check_writable
from sim.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replan", help="re-plan the rest of a season from the runner's log",
                       description="Keep the weeks already begun; re-plan the rest from the state the log implies.")
    p.add_argument("--athlete", required=True, help="athlete file (stridelab athlete fit)")
    p.add_argument("--log", required=True, help="the training log (FIT folder, Strava or intervals.icu CSV)")
    p.add_argument("--plan", required=True, help="the current plan (stridelab export --format json)")
    p.add_argument("--today", type=A.date, required=True, help="today, YYYY-MM-DD: the log counts up to yesterday")
    p.add_argument("--baseline", default="intermediate",
                   help="template whose volume-scaled plans are the candidates (default intermediate)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--model", metavar="PATH",
                     help="an SB3 model file (.zip), only with --trust: adds its closed-loop plan from the runner's "
                          "current state as a candidate. SB3 zips are pickles and loading one runs any code inside "
                          "it, so load only files you made or trust (--run loads from the project's MLflow store)")
    src.add_argument("--run", metavar="RUN_ID", help="MLflow run id of a trained policy (stridelab train): as --model")
    p.add_argument("--tracking-uri", default=None,
                   help="MLflow tracking URI (default $MLFLOW_TRACKING_URI or sqlite:///mlflow.db)")
    p.add_argument("--format", default=None,
                   help="csv | json | md | ics | fit (a .zip of FIT workouts; default: from --out's suffix, else csv)")
    p.add_argument("--trust", action="store_true",
                   help="allow --model PATH: you trust this file (an SB3 zip is a pickle and can run code when loaded)")
    p.add_argument("--out", default=None, help="output file (default: standard output)")
    p.add_argument("--strict", action="store_true", help="stop at the first bad log row or file (default: skip it)")
    p.add_argument("--timezone", default=None, help="IANA zone for log rows dated only in UTC (see athlete fit)")
    p.add_argument("--seed", type=A.seed_int, default=0, help="seed of the injury draws (default 0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from experiments.athlete.profile import load_athlete  # lazy: CLI start
    from experiments.athlete.replan import replan  # lazy: CLI start
    from experiments.plans.formats import format_of, render  # lazy: CLI start

    # checked before any work: --model needs --trust (issue 15), as for export
    if args.model and not args.trust:
        from experiments.policy import TRUST_NOTE  # lazy: CLI start

        raise InputError(f"--model: {args.model!r} is not loaded without --trust: {TRUST_NOTE}")
    fmt = format_of(args.format, args.out)
    if args.out:
        check_writable(args.out, "--out")
    if args.timezone:
        zone(args.timezone)
    from experiments.athlete.replan import PLAN_DATES, load_plan_json  # lazy: CLI start

    if not PLAN_DATES[0] <= args.today <= PLAN_DATES[1]:
        raise InputError(f"--today: {args.today} is not allowed; need a date from {PLAN_DATES[0]} to {PLAN_DATES[1]}")
    af = load_athlete(args.athlete)
    load_plan_json(args.plan)  # validated before the model or the log is read
    policy, name = None, "policy"
    if args.model:
        from experiments.policy import load_model_file  # lazy: CLI start

        policy, name = load_model_file(args.model, trust=args.trust), f"model {args.model}"
    elif args.run:
        from experiments.policy import load_run_policy  # lazy: CLI start

        policy, name = load_run_policy(args.run, args.tracking_uri), f"MLflow run {args.run}"
    rp = replan(af, args.log, args.plan, args.today, baseline=args.baseline, seed=args.seed, policy=policy,
                policy_name=name, strict=args.strict, timezone=args.timezone)
    data = render(rp.frame, fmt)
    if args.out:
        atomic_write_bytes(args.out, data, option="--out")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    print(f"stridelab replan: log: {rp.import_lines[0] if rp.import_lines else ''}", file=sys.stderr)
    for line in rp.import_lines[1:]:
        print(f"  {line}", file=sys.stderr)
    print(f"stridelab replan: kept weeks 1-{rp.kept_weeks}; {rp.done_km:.0f} km logged since {af.last_day}, "
          f"{rp.missed_days} days without running; chose '{rp.chosen}'", file=sys.stderr)
    for name, score in sorted(rp.scores.items(), key=lambda kv: -kv[1]):
        print(f"  {score:8.3f}  {name}", file=sys.stderr)
    return 0

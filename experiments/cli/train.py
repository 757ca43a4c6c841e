"""`stridelab train CONFIG [--set key.sub=value ...] [--resume RUN_ID]`: train a policy, tracked in MLflow."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="train a policy from a YAML config (tracked in MLflow)",
        description="Train an RL season planner from a YAML experiment config. Every run logs its resolved "
                    "config, metrics, checkpoints, comparison table, plots and a registered pyfunc model to "
                    "MLflow (default store sqlite:///mlflow.db; browse with "
                    "`mlflow ui --backend-store-uri sqlite:///mlflow.db`).")
    p.add_argument("config", help="experiment config (YAML), e.g. configs/quickstart.yaml")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.SUB=VALUE",
                   help="override a config field (value parsed as YAML), e.g. --set algo.n_epochs=5; repeatable")
    p.add_argument("--resume", metavar="RUN_ID", default=None,
                   help="continue an interrupted run from its last checkpoint, into the same MLflow run")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from experiments.config import load_config  # lazy: CLI start
    from experiments.training.run import train  # lazy: CLI start

    cfg = load_config(args.config, args.overrides)
    command = "stridelab " + " ".join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith("stridelab") else (
        f"stridelab train {args.config}" + "".join(f" --set {o}" for o in args.overrides)
        + (f" --resume {args.resume}" if args.resume else ""))
    result = train(cfg, command=command, resume=args.resume, progress=not args.no_progress)
    print(result.report())
    return 0

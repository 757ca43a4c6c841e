"""`stridelab tune CONFIG --trials N [--storage URL] [--study NAME] [--n-jobs K] [--timeout S]`:
hyperparameter search with Optuna, every trial a nested MLflow run (experiments/tune/)."""

from __future__ import annotations

import argparse

from experiments.cli.args import positive_float, positive_int, worker_processes


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tune", help="hyperparameter search (Optuna TPE + median pruning), tracked in MLflow",
        description="Search the hyperparameters of a training config with Optuna (multivariate TPE, median pruner "
                    "on the periodic held-out evaluation). The search space is the config's `tune:` section (or "
                    "its defaults). Objective: the final held-out gap to the best template (minimised); injured "
                    "days are a constraint (tune.max_injured_days_diff). Each trial is an MLflow run nested under "
                    "the study's parent run, which ends with best_config.yaml (train it with `stridelab train`), "
                    "the optimisation-history and parameter-importance plots. Run the same command on other "
                    "machines with the same --storage postgresql://... and --study to share the work.")
    p.add_argument("config", help="experiment config (YAML), e.g. configs/quickstart.yaml")
    p.add_argument("--trials", type=positive_int, required=True, metavar="N",
                   help="finished (complete or pruned) trials the study should have, over all workers")
    p.add_argument("--storage", default=None, metavar="URL",
                   help="postgresql://USER[:PASSWORD]@HOST[:PORT]/DB (workers on many machines) or journal:PATH; "
                        "default: the embedded journal file ./optuna-journal.log (nothing to start)")
    p.add_argument("--study", default=None, metavar="NAME", help="study name (default: the config's name)")
    p.add_argument("--n-jobs", type=worker_processes, default=1, metavar="K",
                   help="worker processes on this machine, at most its CPU count (default 1)")
    p.add_argument("--timeout", type=positive_float, default=None, metavar="S",
                   help="start no trial after S seconds (running trials finish)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.SUB=VALUE",
                   help="override a config field (as for train); repeatable")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from experiments.config import load_config  # lazy: CLI start
    from experiments.tune.run import tune  # lazy: CLI start
    from experiments.tune.storage import check_study_name, parse_storage  # lazy: CLI start

    if args.study is not None:
        check_study_name(args.study)
    parse_storage(args.storage)  # before the config is read: a bad URL is named first
    cfg = load_config(args.config, args.overrides)
    if args.study is None:
        check_study_name(cfg.name, "--study (default: the config's name)")
    command = " ".join(["stridelab tune", args.config, f"--trials {args.trials}"]
                       + [f"--{k.replace('_', '-')} {v}" for k, v in (("storage", args.storage), ("study", args.study),
                                                                     ("n_jobs", args.n_jobs), ("timeout", args.timeout))
                          if v is not None]
                       + [f"--set {o}" for o in args.overrides])
    result = tune(cfg, args.trials, args.storage, args.study, args.n_jobs, args.timeout, command)
    print(result.report())
    return 0

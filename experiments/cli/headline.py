"""`stridelab headline`: the ladder of planners, reproduced by one command (issue 22).

    stridelab headline --out headline                       # full: 3 levels, ~45 min on 2 cores
    stridelab headline --out /tmp/h --quick --levels intermediate --no-readme   # smoke test, minutes

Per level: optimizes the population's open-loop plan, trains the learned policy from
configs/<level>.yaml, then runs the six rungs (template, open-loop, personalized, re-planned,
learned, oracle) on the same held-out athletes, and the stress tests. Writes ladder.csv,
per_athlete.csv, robustness.csv, ladder.md, ladder.png and headline.json into --out, logs them to
MLflow, and rewrites the headline block of README.md (and docs/benchmarks.md) with the commit and
the model fingerprint it ran on. A rerun into the same --out reuses the stages that still match.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from experiments.cli import args as A
from experiments.io import check_new_folder
from experiments.tracking import open_store
from sim.errors import InputError
from sim.state import LEVELS


def _levels(text: str) -> tuple[str, ...]:
    return tuple(A.level(x.strip()) for x in text.split(",") if x.strip())


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "headline", help="the ladder of planners on held-out athletes; rewrites README's headline",
        description="Optimize, train, personalize, re-plan, run the oracle and compare, per level, on the same "
                    "held-out athletes; write the tables and the figure, log them to MLflow and rewrite README's "
                    "headline block with the commit and the model fingerprint.")
    p.add_argument("--out", required=True, help="output folder (created; a rerun reuses the stages that match)")
    p.add_argument("--levels", type=_levels, default=None,
                   help="comma-separated levels (default beginner,intermediate,advanced)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke test in minutes: tiny training, budgets and samples (numbers not for README)")
    p.add_argument("--athletes", type=A.positive_int, default=None,
                   help="held-out athletes per level every rung runs on (default 200; --quick 24)")
    p.add_argument("--model-draws", type=A.model_draws, default=None,
                   help="parameter draws of the stress test (default 4; --quick 1)")
    p.add_argument("--workers", type=A.worker_processes, default=1,
                   help="processes the per-athlete rungs (personalized, re-planned, oracle) are split over, by "
                        "athletes; the numbers do not change (default 1: numba already uses every core)")
    p.add_argument("--readme", nargs="*", type=Path, default=None,
                   help="files whose headline block to rewrite (default README.md docs/benchmarks.md, full runs only)")
    p.add_argument("--no-readme", action="store_true", help="rewrite no headline block")
    p.add_argument("--experiment", type=A.experiment_name, default="stridelab",
                   help="MLflow experiment (default stridelab)")
    p.add_argument("--tracking-uri", default=None,
                   help="MLflow tracking URI (default $MLFLOW_TRACKING_URI or sqlite:///mlflow.db)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from experiments.headline.fingerprint import ROOT  # lazy: CLI start (the headline pulls the simulator)
    from experiments.headline.run import HeadlineSettings, headline  # lazy: CLI start

    out = check_new_folder(args.out, "--out")
    levels = args.levels or LEVELS
    s = HeadlineSettings.quick_settings(levels) if args.quick else HeadlineSettings(levels=levels)
    if args.workers != 1:
        s = dataclasses.replace(s, ladder=dataclasses.replace(s.ladder, workers=args.workers))
    if args.athletes is not None:
        s = dataclasses.replace(s, athletes=args.athletes)
    if args.model_draws is not None:
        s = dataclasses.replace(s, model_draws=args.model_draws)
    s.check()
    if args.no_readme or args.quick:
        readme: list[Path] = []
        if args.readme and args.quick:
            raise InputError("--readme: a --quick run's numbers never go into README; allowed: a full run, or "
                             "--no-readme")
    elif args.readme is not None:
        readme = list(args.readme)
    else:
        readme = [ROOT / "README.md", ROOT / "docs" / "benchmarks.md"]
    for f in readme:
        if not f.is_file() or "<!-- headline:begin -->" not in f.read_text():
            raise InputError(f"--readme: {str(f)!r} has no <!-- headline:begin --> ... <!-- headline:end --> block; "
                             "allowed: files with the markers")
    open_store(args.tracking_uri, "--tracking-uri", create=True)  # checked before hours of work
    command = "stridelab " + " ".join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith("stridelab") else \
        f"stridelab headline --out {args.out}" + (" --quick" if args.quick else "")
    h = headline(s, Path(out), command, args.tracking_uri, args.experiment, readme=readme)
    print(h.markdown)
    print(f"wrote {', '.join(str(f) for f in h.files)}" + (f"; MLflow run {h.run_id}" if h.run_id else ""))
    if readme:
        print(f"rewrote the headline block of {', '.join(str(f) for f in readme)}")
    return 0

"""`stridelab optimize`: the best open-loop season plan the model knows, by CMA-ES.

    stridelab optimize --level intermediate --race-distance 10k --out plan.yaml
    stridelab simulate plan.yaml                       # what it does on a fresh population
    stridelab compare --plan plan.yaml --level intermediate   # against the templates, held-out athletes

Writes the plan file (atomically) and, next to it, a picture of the plan (`--plot`, default
PLAN.png); logs the run to MLflow unless `--no-mlflow`. Progress per generation on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.cli import args as A
from experiments.io import atomic_write_bytes, atomic_write_text, check_writable
from experiments.progress import Stage


def register(sub: argparse._SubParsersAction) -> None:
    # lazy: the parser's defaults (a module that imports nothing; the search itself would pull the simulator)
    from experiments.optimize.defaults import DEFAULT_ATHLETES, DEFAULT_BUDGET, RULE_SET_NAMES

    p = sub.add_parser(
        "optimize", help="optimize an open-loop season plan with CMA-ES on training athletes",
        description="Search week plans per season phase (volume, key runs, long run, strength sessions, emphasis, "
                    "effort, placement, sets) with CMA-ES, scored by the training reward on simulated training "
                    "athletes (common random numbers); write the best as a plan file `stridelab simulate` reads.")
    p.add_argument("--level", type=A.level, required=True, help="athlete level: beginner | intermediate | advanced")
    p.add_argument("--race-distance", type=A.race_distance, required=True, help="5k | 10k | half | marathon")
    p.add_argument("--out", required=True, help="plan file to write (YAML)")
    p.add_argument("--budget", type=A.positive_int, default=DEFAULT_BUDGET,
                   help=f"objective evaluations (candidate seasons) in all (default {DEFAULT_BUDGET}, "
                        "2-5 min on 2 cores)")
    p.add_argument("--seed", type=A.seed_int, default=0,
                   help="seed of the training athletes and of CMA-ES (default 0; stridelab compare holds out "
                        "seeds from 900001)")
    p.add_argument("--athletes", type=A.positive_int, default=DEFAULT_ATHLETES,
                   help=f"training athletes every candidate is scored on (default {DEFAULT_ATHLETES})")
    p.add_argument("--season-weeks", type=A.positive_int, default=52, help="weeks up to the race (default 52)")
    p.add_argument("--population", type=A.positive_int, default=None,
                   help="CMA-ES population per generation (default 4 + 3 ln(genes) = 15)")
    p.add_argument("--rules", choices=RULE_SET_NAMES, default="article",
                   help="limits every week of the plan obeys: article (default; the article's rules as coach "
                        "limits, as the per-level training configs set them: a recovery week every 4th week, "
                        "a taper, maintenance strength in race season, no lifting before key runs) | none")
    p.add_argument("--plot", default=None, help="picture of the plan (PNG; default: the --out path with .png)")
    p.add_argument("--experiment", type=A.experiment_name, default="stridelab",
                   help="MLflow experiment (default stridelab)")
    p.add_argument("--tracking-uri", default=None,
                   help="MLflow tracking URI (default $MLFLOW_TRACKING_URI or sqlite:///mlflow.db)")
    p.add_argument("--no-mlflow", action="store_true", help="do not log the run to MLflow")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from experiments.optimize.planfile import plan_yaml  # lazy: CLI start
    from experiments.optimize.plot import plan_png  # lazy: CLI start
    from experiments.optimize.search import Settings, optimize  # lazy: CLI start

    # the plan file is YAML (the picture goes to --plot): a .xlsx or .png --out is an error, never a misnamed file
    out = check_writable(args.out, "--out", (".yaml", ".yml"))
    png = check_writable(args.plot or out.with_suffix(".png"), "--plot", (".png",))
    settings = Settings(level=args.level, race_distance=args.race_distance, season_weeks=args.season_weeks,
                        budget=args.budget, seed=args.seed, athletes=args.athletes,
                        population=args.population, rules=args.rules).check()
    from sim.whatif import check_athletes  # lazy: CLI start

    # every generation simulates its population of candidate plans on all the athletes at once
    check_athletes(settings.athletes, settings.season_weeks, plans=settings.lam, name="--athletes")
    command = "stridelab " + " ".join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith("stridelab") else ""
    tracked = None
    if not args.no_mlflow:
        from experiments.optimize.genes import N_GENES, VOLUME_MAX, VOLUME_MIN  # lazy: CLI start
        from experiments.tracking import open_store  # lazy: CLI start
        from experiments.tracking.optimize import OptimizeRun  # lazy: CLI start

        # the store checked before the search (a closed port, a garbage URI, a damaged file: exit 2 at once)
        open_store(args.tracking_uri, "--tracking-uri", create=True)
        genes = {"genes": str(N_GENES), "volume_range": f"{VOLUME_MIN}-{VOLUME_MAX}"}
        tracked = OptimizeRun(settings, args.experiment, args.tracking_uri, command, genes)
    try:
        with Stage(f"optimize {settings.level} {settings.race_distance}", settings.budget, "evaluations") as bar:
            bar.update(0, "simulating the templates on the training athletes")

            def on_generation(g) -> None:
                bar.update(g.evaluations, f"generation {g.index}: best J {g.best:+.3f} (race time "
                                          f"{g.best_race_time_pct:+.2f}%, {g.best_expected_injured_days:.1f} "
                                          "expected injured days)")
                if tracked is not None:
                    tracked.generation(g)

            opt = optimize(settings, on_generation)
        text = plan_yaml(opt, command, tracked.run_id if tracked else None)
        title = (f"optimized open-loop plan: {settings.level}, {settings.race_distance}, {settings.season_weeks} weeks "
                 f"(training athletes: race time {opt.scores.race_time_pct[0]:+.2f}%, "
                 f"{opt.scores.injured_days[0]:.1f} injured days)")
        image = plan_png(opt.week_plans(), settings.level, title)
        atomic_write_text(out, text)
        atomic_write_bytes(png, image)
    except BaseException as exc:
        if tracked is not None:
            tracked.fail("KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED")
        raise
    if tracked is not None:
        tracked.finish(opt, [Path(out), Path(png)])
    print_summary(opt, out, png, tracked.run_id if tracked else None)
    return 0


def print_summary(opt, out: Path, png: Path, run_id: str | None) -> None:
    from rich.console import Console  # lazy: CLI start
    from rich.table import Table  # lazy: CLI start

    t = Table(title=f"on the {opt.settings.athletes} training athletes ({opt.evaluations} evaluations)")
    for c in ("plan", "objective J", "race time %", "expected injured days", "injured days"):
        t.add_column(c, justify="left" if c == "plan" else "right")
    rows = {"optimized": opt.scores, **opt.references}
    for name, s in rows.items():
        t.add_row(name, f"{s.objective[0]:+.3f}", f"{s.race_time_pct[0]:+.2f}", f"{s.expected_injured_days[0]:.2f}",
                  f"{s.injured_days[0]:.2f}")
    con = Console()
    con.print(t, crop=False)
    # plain lines: a run id or a path is never wrapped or cut at the width (issue 24)
    print(f"objective: {opt.formula}")
    print(f"wrote {out} and {png}" + (f"; logged as MLflow run {run_id}" if run_id else ""))
    print(f"held-out check: stridelab compare --plan {out} --level {opt.settings.level}")

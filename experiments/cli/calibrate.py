"""`stridelab calibrate`: every published effect size in configs/calibration/, simulated."""

from __future__ import annotations

import argparse
import sys

from experiments.cli import args as A
from experiments.io import dumps_json
from experiments.progress import Stage
from sim.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="check the simulator against published effect sizes",
                       description="Run every calibration scenario (configs/calibration/*.yaml) and print "
                                   "scenario, published range, simulated value and pass/fail.")
    p.add_argument("--athletes", type=A.athletes, default=None,
                   help="override each scenario's population size (default: the scenario's, 2000)")
    p.add_argument("--json", action="store_true", help="print a list of rows with id, published, simulated, pass")
    p.add_argument("--model-draws", type=A.model_draws, default=0, metavar="K",
                   help="also run every row under K parameter sets drawn from the plausible ranges in "
                        "sim/parameters.py and report the share of draws that pass each row (default 0)")
    p.add_argument("--seed", type=A.seed_int, default=0, help="seed of the parameter draws (default 0)")
    p.set_defaults(func=run)


def check_athletes(athletes: int | None) -> None:
    """InputError unless `--athletes` is within the calibration scenarios' own bounds (`Scenario.athletes`)."""
    from sim.calibration import Scenario  # lazy: CLI start

    if athletes is None:
        return
    meta = Scenario.model_fields["athletes"].metadata
    hi = next(m.le for m in meta if getattr(m, "le", None) is not None)
    if athletes > hi:
        raise InputError(f"--athletes: {athletes} is not allowed; allowed: 2 to {hi} athletes per scenario (the "
                         "bound of the scenario files in configs/calibration/)")


def run(args: argparse.Namespace) -> int:
    from sim.calibration import calibrate, calibrate_draws  # lazy: CLI start
    from sim.parameters import draw_parameters  # lazy: CLI start

    check_athletes(args.athletes)

    with Stage("calibration", 0, "scenarios", every_s=5.0) as bar:  # stderr: --json stays clean

        def advance(done: int, total: int, scenario: str) -> None:
            bar.update(done, scenario, total)

        if args.model_draws:
            rows = calibrate_draws(draw_parameters(args.model_draws, seed=args.seed), athletes=args.athletes,
                                   progress=advance)
        else:
            rows = calibrate(athletes=args.athletes, progress=advance)
    if args.json:
        sys.stdout.write(dumps_json(rows, indent=1))
        print()
    else:
        from rich.table import Table  # lazy: CLI start

        t = Table(title="StrideLab calibration against published effect sizes", show_lines=True)
        cols = ["id", "check", "published", "range", "simulated", "pass"]
        if args.model_draws:
            cols += ["draws pass", "draws 5-95%"]
        for col in cols:
            t.add_column(col, overflow="fold")
        for r in rows:
            cells = [r["id"], r["check"], r["published"], f"{r['range'][0]:g} to {r['range'][1]:g}",
                     f"{r['simulated']:.3f}", "[green]pass[/]" if r["pass"] else "[red]FAIL[/]"]
            if args.model_draws:
                lo, hi = r["draw_p5_p95"]
                cells += [f"{100 * r['pass_share']:.0f}%", f"{lo:.3f} to {hi:.3f}"]
            t.add_row(*cells)
        from experiments.report.tables import console  # lazy: CLI start

        console().print(t)  # columns fold inside their cells: nothing is cut at COLUMNS
        print(f"{sum(r['pass'] for r in rows)} of {len(rows)} checks pass")
    return 0 if all(r["pass"] for r in rows) else 1

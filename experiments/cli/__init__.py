"""The `stridelab` command line.

Each subcommand lives in its own module `experiments/cli/<name>.py`, which defines
`register(subparsers)`; the parser it adds sets `func` (called with the parsed args, returns
an exit code). Adding a subcommand is that module plus its name in COMMANDS; a listed name
whose module does not exist (yet) is skipped, so the rooms planned for issues 9-12 are listed
already. Bad input anywhere raises `sim.errors.InputError`, printed here without a traceback,
exit code 2.

Building the parser imports every command module, so a command imports its library inside its
`run` (each such import marked `# lazy: CLI start`): `stridelab --help` never pays for torch,
mlflow, optuna or the simulator's kernels.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from experiments.io import check_format_suffix
from experiments.progress import compile_notice
from sim.errors import InputError

#: Subcommands in `stridelab --help` order; each is the module `experiments.cli.<name>`.
COMMANDS = (
    "simulate",
    "calibrate",
    "bench",
    "baselines",
    "train",
    "compare",
    "export",
    "tune",  # issue 11: Optuna search (experiments/tune/)
    "athlete",  # issue 12: log import and profile fit (experiments/athlete/)
    "replan",  # issue 12: re-plan the rest of a season from the log (experiments/athlete/replan.py)
    "optimize",  # issue 10: open-loop CMA-ES plan optimizer (experiments/optimize/)
    "audit",  # issue 9: simulator audit (sim/audit.py)
    "headline",  # issue 22: the ladder of planners, README's headline (experiments/headline/)
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stridelab",
        description="Simulate, calibrate and optimise strength + running season plans for runners.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in dict.fromkeys(COMMANDS):  # a name listed twice (say, by two merges) registers once
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"{__name__}.{name}":
                continue
            raise
        mod.register(sub)
    return parser


#: commands whose `--format` names a plan format (experiments.plans.formats) and whose `--out` suffix must
#: then agree with it (issue 25, item 8): checked here, before the command runs, with the shared helper
PLAN_FORMAT_COMMANDS = ("export", "replan")
PLAN_FORMAT_SUFFIXES = {"csv": (".csv",), "json": (".json",), "md": (".md", ".markdown"), "ics": (".ics", ".ical"),
                        "fit": (".zip",)}


def check_format_options(args: argparse.Namespace) -> None:
    """`--format F --out FILE` whose suffix means another format: InputError (no JSON written into x.csv)."""
    if args.command in PLAN_FORMAT_COMMANDS and getattr(args, "format", None) and getattr(args, "out", None):
        check_format_suffix(args.format, args.out, PLAN_FORMAT_SUFFIXES)


class Terminated(KeyboardInterrupt):
    """SIGTERM as an exception, so `finally` blocks run (temp files removed, runs marked KILLED)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)  # the default would end us without any cleanup
    try:
        check_format_options(args)

        compile_notice()  # before the first numba compile, not 95 s of silence (issue 24)
        code = args.func(args)
    except InputError as err:
        print(f"stridelab {args.command}: error: {err}", file=sys.stderr)
        return 2
    except Terminated:
        print(f"stridelab {args.command}: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"stridelab {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())

"""The `stridelab` command line.

Each subcommand lives in its own module `experiments/cmd_<name>.py`, which defines
`register(subparsers)`; the parser it adds sets `func` (called with the parsed args, returns
an exit code). Bad input anywhere raises `sim.errors.InputError`, printed here without a
traceback, exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sim.errors import InputError

COMMANDS = ("simulate", "calibrate", "bench", "baselines", "train", "compare", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stridelab",
        description="Simulate, calibrate and optimise strength + running season plans for runners.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"experiments.cmd_{name}")
        except ModuleNotFoundError as err:
            if err.name == f"experiments.cmd_{name}":
                continue
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except InputError as err:
        print(f"stridelab {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"stridelab {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())

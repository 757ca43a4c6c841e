"""`stridelab bench TARGET [--json]`: speed benchmarks, each against a reference measured in the same run.

A target is a module `experiments/bench/<target>.py` exposing `run(json_out: bool) -> dict`
(it prints a table, or the dict as JSON with --json) and a docstring whose first line is its
help. Targets are discovered from the files, so adding a benchmark needs no edit here.
"""

from __future__ import annotations

import argparse
import ast
import importlib
from pathlib import Path

from experiments import bench


def targets() -> dict[str, str]:
    """target name -> first docstring line, for every experiments/bench/<target>.py.

    Docstrings are read from the source (ast), not by importing: the benchmarks import torch,
    numba kernels and SB3, which `stridelab --help` should not pay for.
    """
    out = {}
    for folder in bench.__path__:
        for path in sorted(Path(folder).glob("[!_]*.py")):
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
            out[path.stem] = doc.strip().splitlines()[0] if doc.strip() else ""
    return dict(sorted(out.items()))


def register(sub: argparse._SubParsersAction) -> None:
    names = targets()
    p = sub.add_parser(
        "bench",
        help="speed benchmarks (ratios against references measured in the same run)",
        description="Run a speed benchmark against a reference measured in the same run.",
        epilog="targets:\n" + "\n".join(f"  {k:10s} {v}" for k, v in names.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", choices=list(names), metavar="TARGET", help=f"one of: {', '.join(names)}")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--against", default=None, metavar="DIR",
                   help="also time the same workload in another checkout of the project (e.g. a worktree of main "
                        "before a change) in the same run, and print the ratio (targets that support it: sim)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import inspect

    from sim.errors import InputError

    module = importlib.import_module(f"{bench.__name__}.{args.target}")
    kwargs = {"json_out": bool(args.json)}
    if args.against is not None:
        if "against" not in inspect.signature(module.run).parameters:
            raise InputError(f"--against: the {args.target!r} benchmark does not support it; supported by: sim")
        if not (Path(args.against) / "sim" / "kernel.py").is_file():
            raise InputError(f"--against: {args.against!r} is not a StrideLab checkout (no sim/kernel.py in it)")
        kwargs["against"] = str(Path(args.against).resolve())
    module.run(**kwargs)
    return 0

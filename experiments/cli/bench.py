"""`stridelab bench TARGET [--json]`: speed benchmarks, each against a reference measured in the same run.

A target is a module `experiments/bench/<target>.py` exposing `run(json_out: bool) -> dict`
(it prints a table, or the dict as JSON with --json) and a docstring whose first line is its
help. Targets are discovered from the files, so adding a benchmark needs no edit here.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

from experiments import bench
from sim.errors import InputError


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
    module = importlib.import_module(f"{bench.__name__}.{args.target}")
    kwargs: dict[str, object] = {"json_out": bool(args.json)}
    if args.against is not None:
        if "against" not in inspect.signature(module.run).parameters:
            raise InputError(f"--against: the {args.target!r} benchmark does not support it; supported by: sim")
        sim_dir = Path(args.against) / "sim"
        if not ((sim_dir / "kernel.py").is_file() or (sim_dir / "kernel" / "__init__.py").is_file()):
            raise InputError(f"--against: {args.against!r} is not a StrideLab checkout (no sim/kernel.py or "
                             "sim/kernel/ package in it)")
        against = str(Path(args.against).resolve())
        check_checkout(args.against, against)
        kwargs["against"] = against
    try:
        module.run(**kwargs)
    except subprocess.CalledProcessError as err:  # the other checkout failed while it was timed
        raise InputError(f"--against: {args.against!r}: its benchmark process failed ({_last_line(err.stderr)})") \
            from None
    return 0


def _last_line(text: str | None) -> str:
    lines = [x for x in (text or "").strip().splitlines() if x.strip()]
    return lines[-1][:300] if lines else "no error message"


def check_checkout(shown: str, path: str) -> None:
    """InputError unless `path`'s own `sim.kernel` imports in a fresh process (a checkout whose sim is broken,
    or not a package, would otherwise fail mid-benchmark with a traceback, or time this tree instead)."""
    probe = ("import os, sys; sys.path.insert(0, sys.argv[1]); import sim.kernel; "
             "print(os.path.realpath(sim.kernel.__file__))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a check writes nothing into the other checkout
    try:
        r = subprocess.run([sys.executable, "-c", probe, path], capture_output=True, text=True, cwd=path, env=env,
                           timeout=300)
    except subprocess.TimeoutExpired:
        raise InputError(f"--against: {shown!r}: importing its sim.kernel took more than 300 s") from None
    if r.returncode != 0:
        raise InputError(f"--against: {shown!r} is not a working StrideLab checkout: importing its sim.kernel fails "
                         f"({_last_line(r.stderr)})")
    where = Path(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else Path()
    if Path(path) not in where.parents:
        raise InputError(f"--against: {shown!r} is not a StrideLab checkout of its own: its sim.kernel resolves to "
                         f"{str(where)!r} (is sim/__init__.py missing?)")

"""The `stridelab` registry: a subcommand is a module `experiments/cli/<name>.py` plus its name in COMMANDS."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from experiments import cli
from experiments.cli import COMMANDS, build_parser, main

HELPERS = {"__init__", "__main__", "args"}


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(action.choices)


def test_every_command_module_is_listed_and_registered_in_order():
    modules = {p.stem for p in Path(cli.__file__).parent.glob("*.py")} - HELPERS
    assert modules <= set(COMMANDS), f"modules missing from COMMANDS: {sorted(modules - set(COMMANDS))}"
    assert _subcommands(build_parser()) == [c for c in COMMANDS if c in modules]


def test_a_listed_command_without_its_module_is_skipped(monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", ("simulate", "no_such_command", "simulate"))
    assert _subcommands(build_parser()) == ["simulate"]


def test_unknown_command_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["no_such_command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_the_parser_pulls_no_simulator_env_or_training_stack():
    """Every `stridelab` start builds the whole parser: it must not import numba, the simulator, the env,
    pandas, torch or mlflow (before issue 26's fifth round the optimizer's defaults pulled the first four:
    1.4 s of `stridelab --help`, now about 0.3 s). A fresh interpreter, so other tests' imports do not count."""
    import subprocess
    import sys

    heavy = ("numba", "sim.kernel", "envs", "pandas", "torch", "mlflow")
    probe = ("import sys; from experiments.cli import build_parser; build_parser(); "
             f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=Path(cli.__file__).parents[2])
    assert run.stdout.split() == [], run.stdout

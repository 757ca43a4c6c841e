"""The type checker passes on the lower layers (issue 21): mypy with the settings in pyproject.toml
([tool.mypy]: sim/, envs/, agents/; the pydantic plugin; the modules still excused listed there)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_passes(tmp_path):
    run = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy")], cwd=ROOT,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success" in run.stdout


def test_mypy_checks_the_lower_layers_and_is_a_dev_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert {"sim", "envs", "agents"} <= set(project["tool"]["mypy"]["files"])
    assert any(d.startswith("mypy") for d in project["project"]["optional-dependencies"]["dev"])

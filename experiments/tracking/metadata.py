"""What every run records: the command, the git commit, the package versions, the resolved config
(params and `config.yaml`), written again where a killed process left them out."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

PACKAGES = ("stridelab", "numpy", "numba", "pandas", "gymnasium", "stable-baselines3", "sb3-contrib", "torch",
            "mlflow", "pydantic", "PyYAML")


def git_commit(folder: str | Path | None = None) -> str:
    """HEAD commit of the source tree (with '-dirty' when tracked files changed), or 'unknown'."""
    cwd = Path(folder) if folder else Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + ("-dirty" if dirty else "")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def log_params(cl, run_id: str, params: Mapping[str, str]) -> None:
    """Log params in batches (MLflow caps a batch at 100 params and a value at 6000 chars)."""
    from mlflow.entities import Param  # lazy: mlflow takes 1.5 s to import

    items = [Param(k, str(v)[:6000]) for k, v in params.items()]
    for i in range(0, len(items), 100):
        cl.log_batch(run_id, params=items[i:i + 100])


def run_metadata(command: Iterable[str] | str) -> dict[str, str]:
    """Tags every run carries: the command, git commit, platform."""
    cmd = command if isinstance(command, str) else " ".join(command)
    return {
        "stridelab.command": cmd,
        "stridelab.git_commit": git_commit(),
        "stridelab.python": sys.version.split()[0],
        "stridelab.platform": platform.platform(),
        "mlflow.source.git.commit": git_commit().removesuffix("-dirty"),
    }


def log_run_metadata(cl, run_id: str, command: Iterable[str] | str, config_yaml: str,
                     params: Mapping[str, str]) -> None:
    """The resolved config (params + config.yaml), command.txt, git commit, package versions."""
    for k, v in run_metadata(command).items():
        cl.set_tag(run_id, k, v)
    log_params(cl, run_id, params)
    cl.log_text(run_id, config_yaml, "config.yaml")
    cl.log_text(run_id, run_metadata(command)["stridelab.command"] + "\n", "command.txt")
    cl.log_text(run_id, json.dumps(package_versions(), indent=1) + "\n", "versions.json")


def complete_run_metadata(cl, run_id: str, command: Iterable[str] | str, config_yaml: str,
                          params: Mapping[str, str]) -> list[str]:
    """What `log_run_metadata` would have logged and a killed process did not (a kill between `create_run`
    and `versions.json`, issue 25 item 12): the missing tags, params and files; returns the files logged."""
    run = cl.get_run(run_id)
    if "stridelab.command" not in run.data.tags:
        for k, v in run_metadata(command).items():
            cl.set_tag(run_id, k, v)
    missing_params = {k: v for k, v in params.items() if k not in run.data.params}
    if missing_params:
        log_params(cl, run_id, missing_params)
    have = {f.path for f in cl.list_artifacts(run_id)}
    files = {"config.yaml": config_yaml,
             "command.txt": run_metadata(command)["stridelab.command"] + "\n",
             "versions.json": json.dumps(package_versions(), indent=1) + "\n"}
    logged = []
    for name, text in files.items():
        if name not in have:
            cl.log_text(run_id, text, name)
            logged.append(name)
    return logged

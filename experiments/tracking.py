"""MLflow tracking: where runs go, what every run records, and SB3's logger writing into it.

The default store is the embedded local SQLite file `sqlite:///mlflow.db` in the current
folder (no server; it supports the model registry), overridden by `MLFLOW_TRACKING_URI` or
by the config's `mlflow.tracking_uri`. Browse it with
`mlflow ui --backend-store-uri sqlite:///mlflow.db`.

Metrics are written with an explicit run id through `MlflowClient` (never through the
"active run" global), and every writer drops points at or before the last step already
logged for that key, so a resumed run continues its curves without duplicating a point.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from stable_baselines3.common.logger import KVWriter

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
# artefact downloads (checkpoints, config on resume) would otherwise draw progress bars over ours
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
PACKAGES = ("stridelab", "numpy", "numba", "pandas", "gymnasium", "stable-baselines3", "sb3-contrib", "torch",
            "mlflow", "pydantic", "PyYAML")


def tracking_uri(configured: str | None = None) -> str:
    """The tracking URI: the config's, else $MLFLOW_TRACKING_URI, else the local SQLite store."""
    return configured or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def client(uri: str | None = None):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri(uri))


def experiment_id(cl, name: str) -> str:
    """Id of experiment `name`, created if missing."""
    exp = cl.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    return cl.create_experiment(name)


def git_commit(folder: str | Path | None = None) -> str:
    """HEAD commit of the source tree (with '-dirty' when tracked files changed), or 'unknown'."""
    cwd = Path(folder) if folder else Path(__file__).resolve().parent.parent
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
    from mlflow.entities import Param

    items = [Param(k, str(v)[:6000]) for k, v in params.items()]
    for i in range(0, len(items), 100):
        cl.log_batch(run_id, params=items[i:i + 100])


def log_text(cl, run_id: str, text: str, artifact_file: str) -> None:
    cl.log_text(run_id, text, artifact_file)


def last_steps(cl, run_id: str) -> dict[str, int]:
    """Last step logged for each metric key of a run (empty for a new run)."""
    run = cl.get_run(run_id)
    out: dict[str, int] = {}
    for key in run.data.metrics:
        hist = cl.get_metric_history(run_id, key)
        out[key] = max((m.step for m in hist), default=-1)
    return out


class MetricLogger:
    """Batched metric writes into one run; a key's point is dropped unless its step is beyond the
    last one logged for that key (so resumed runs never duplicate a point)."""

    def __init__(self, cl, run_id: str, last: dict[str, int] | None = None) -> None:
        self.client = cl
        self.run_id = run_id
        self.last: dict[str, int] = dict(last or {})

    def log(self, values: Mapping[str, Any], step: int) -> int:
        """Log the finite numeric `values` at `step`; returns how many were written."""
        from mlflow.entities import Metric

        ts = int(time.time() * 1000)
        batch = []
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                try:
                    value = float(value)  # numpy scalars, 0-d tensors
                except (TypeError, ValueError):
                    continue
            value = float(value)
            if not math.isfinite(value):
                continue
            name = sanitize(key)
            if step <= self.last.get(name, -1):
                continue
            batch.append(Metric(name, value, ts, int(step)))
            self.last[name] = int(step)
        for i in range(0, len(batch), 1000):
            self.client.log_batch(self.run_id, metrics=batch[i:i + 1000])
        return len(batch)


def sanitize(key: str) -> str:
    """MLflow metric names allow letters, digits, _ - . space / only."""
    return "".join(c if c.isalnum() or c in "_-. /" else "_" for c in key)


class MLflowOutputFormat(KVWriter):
    """SB3 logger output format that writes every numeric value to an MLflow run at SB3's step
    (the number of timesteps), skipping keys excluded for "mlflow" and strings/videos."""

    def __init__(self, metrics: MetricLogger) -> None:
        self.metrics = metrics

    def write(self, key_values: dict[str, Any], key_excluded: dict[str, tuple[str, ...]], step: int = 0) -> None:
        keep = {}
        for key, value in key_values.items():
            excluded = key_excluded.get(key) or ()
            if excluded is not None and "mlflow" in excluded:
                continue
            if isinstance(value, str):
                continue
            keep[key] = value
        self.metrics.log(keep, step)

    def close(self) -> None:
        pass


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

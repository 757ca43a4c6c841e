"""Helpers of the tuning tests (a module of their own: `conftest` is ambiguous between test folders)."""

from __future__ import annotations

import copy
import os
import socket
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_env(tracking_uri: str) -> dict[str, str]:
    """Environment of a `python -m experiments.cli` subprocess: this tree's packages first."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri, "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    return env


#: a few seconds a trial: 8-week seasons, 256 timesteps, held-out evaluation every 128
TINY = {
    "name": "tiny",
    "env": {"level": "intermediate", "season_weeks": 8, "athlete_pool": 64},
    "algo": {"name": "ppo", "n_steps": 8, "batch_size": 64, "n_epochs": 1, "policy_kwargs": {"net_arch": [16]}},
    "n_envs": 16,
    "total_timesteps": 256,
    "seeds": [0],
    "normalize": {"observations": True},
    # no robustness runs in the final evaluation (model draws, missed sessions): no tuning test reads them
    "eval": {"athletes": 16, "final_athletes": 24, "every_timesteps": 128,
             "baselines": ["intermediate", "advanced", "run_only"], "model_draws": 0, "missed_sessions": []},
    "checkpoint": {"every_timesteps": 256},
    # a tiny space (rollouts of 8 weeks x 16 athletes, small nets) and fast failure detection
    "tune": {"ppo": {"n_steps": [8], "batch_size": [32, 64, 128], "n_epochs": [1, 2], "net_arch": [[16], [32]]},
             "startup_trials": 2, "pruner_startup_trials": 2, "max_injured_days_diff": 5.0,
             "heartbeat_interval_s": 1, "grace_period_s": 3, "poll_s": 0.3},
}


def tiny_config(folder: Path, name: str, **changes) -> Path:
    data = copy.deepcopy(TINY)
    data["name"] = name
    data["mlflow"] = {"experiment": name, "register_model": False}
    data["checkpoint"]["folder"] = str(folder / "runs")
    data.update(changes)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path

"""SB3's logger writing into an MLflow run (training only: importing this imports stable-baselines3)."""

from __future__ import annotations

from typing import Any

from stable_baselines3.common.logger import KVWriter

from experiments.tracking.metrics import MetricLogger


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

"""Metric curves written with an explicit run id through `MlflowClient` (never through the "active
run" global); every writer drops points at or before the last step already logged for that key, so
a resumed run continues its curves without duplicating a point."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any


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
        from mlflow.entities import Metric  # lazy: mlflow takes 1.5 s to import

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

"""An optimization as an MLflow run (tag stridelab.role = optimize), by this package's conventions:
explicit run id, the settings as params and `config.yaml`, command, git commit and package versions;
`optimize/best_objective` (and its parts) per generation as metric curves; the plan file and its
picture as artefacts. Training-run lookups (`stridelab compare`) skip it: it has no policy.

Duck-typed over `experiments.optimize`'s `Settings`, `Generation` and `Optimized` (this package sits
below every job and imports none of them)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from experiments.tracking.metadata import log_run_metadata
from experiments.tracking.metrics import MetricLogger
from experiments.tracking.runs import FINISHED, end_run, log_files, start_run
from experiments.tracking.store import client, experiment_id

ROLE = "optimize"


def settings_params(s: Any, genes: Mapping[str, str]) -> dict[str, str]:
    """The optimization's settings (a dataclass) as params; `genes`: what the search space is
    (`experiments.optimize.genes`: the number of genes, the weekly volume range)."""
    out = {f.name: str(getattr(s, f.name)) for f in dataclasses.fields(s) if f.name != "weights"}
    out.update({f"reward.{k}": str(v) for k, v in s.weights.model_dump().items()})
    out.update({"population_size": str(s.lam), **genes, "optimizer": "cmaes.CMA"})
    return out


class OptimizeRun:
    """One MLflow run, created before the search (so the curve is live) and closed after."""

    def __init__(self, s: Any, experiment: str, uri: str | None, command: str, genes: Mapping[str, str]) -> None:
        self.client = client(uri)
        exp_id = experiment_id(self.client, experiment)
        self.run_id = start_run(self.client, exp_id, f"optimize-{s.level}-{s.race_distance}-seed{s.seed}",
                                {"stridelab.role": ROLE})
        params = settings_params(s, genes)
        log_run_metadata(self.client, self.run_id, command or "stridelab optimize",
                         yaml.safe_dump(params, sort_keys=False), params)
        self.metrics = MetricLogger(self.client, self.run_id)

    def generation(self, g: Any) -> None:
        self.metrics.log({"optimize/best_objective": g.best, "optimize/best_race_time_pct": g.best_race_time_pct,
                          "optimize/best_expected_injured_days": g.best_expected_injured_days,
                          "optimize/generation_best": g.generation_best, "optimize/generation_mean": g.generation_mean,
                          "optimize/sigma": g.sigma, "optimize/evaluations": g.evaluations}, g.index)

    def finish(self, opt: Any, files: list[Path]) -> None:
        sc = opt.scores
        final = {"objective": sc.objective[0], "race_time_pct": sc.race_time_pct[0],
                 "expected_injured_days": sc.expected_injured_days[0], "injured_days": sc.injured_days[0],
                 "evaluations": opt.evaluations}
        for name, r in opt.references.items():
            final[f"{name}.objective"] = r.objective[0]
            final[f"{name}.race_time_pct"] = r.race_time_pct[0]
        MetricLogger(self.client, self.run_id).log({f"final/{k}": v for k, v in final.items()}, 0)
        for f in files:
            log_files(self.client, self.run_id, [f], "plots" if f.suffix == ".png" else None)
        end_run(self.client, self.run_id, FINISHED)

    def fail(self, status: str = "FAILED") -> None:
        end_run(self.client, self.run_id, status)

"""An optimization as an MLflow run (tag stridelab.role = optimize), by `experiments.tracking`'s
conventions: explicit run id, the settings as params and `config.yaml`, command, git commit and
package versions; `optimize/best_objective` (and its parts) per generation as metric curves; the
plan file and its picture as artefacts. Training-run lookups (`stridelab compare`) skip it: it
has no policy."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from experiments import tracking
from experiments.optimize.genes import N_GENES, VOLUME_MAX, VOLUME_MIN
from experiments.optimize.search import Generation, Optimized, Settings

ROLE = "optimize"


def settings_params(s: Settings) -> dict[str, str]:
    out = {f.name: str(getattr(s, f.name)) for f in dataclasses.fields(s) if f.name != "weights"}
    out.update({f"reward.{k}": str(v) for k, v in s.weights.model_dump().items()})
    out.update({"population_size": str(s.lam), "genes": str(N_GENES), "volume_range": f"{VOLUME_MIN}-{VOLUME_MAX}",
                "optimizer": "cmaes.CMA"})
    return out


class OptimizeRun:
    """One MLflow run, created before the search (so the curve is live) and closed after."""

    def __init__(self, s: Settings, experiment: str, uri: str | None, command: str) -> None:
        self.client = tracking.client(uri)
        exp_id = tracking.experiment_id(self.client, experiment)
        run = self.client.create_run(exp_id, run_name=f"optimize-{s.level}-{s.race_distance}-seed{s.seed}",
                                     tags={"stridelab.role": ROLE})
        self.run_id = run.info.run_id
        params = settings_params(s)
        tracking.log_run_metadata(self.client, self.run_id, command or "stridelab optimize",
                                  yaml.safe_dump(params, sort_keys=False), params)
        self.metrics = tracking.MetricLogger(self.client, self.run_id)

    def generation(self, g: Generation) -> None:
        self.metrics.log({"optimize/best_objective": g.best, "optimize/best_race_time_pct": g.best_race_time_pct,
                          "optimize/best_expected_injured_days": g.best_expected_injured_days,
                          "optimize/generation_best": g.generation_best, "optimize/generation_mean": g.generation_mean,
                          "optimize/sigma": g.sigma, "optimize/evaluations": g.evaluations}, g.index)

    def finish(self, opt: Optimized, files: list[Path]) -> None:
        sc = opt.scores
        final = {"objective": sc.objective[0], "race_time_pct": sc.race_time_pct[0],
                 "expected_injured_days": sc.expected_injured_days[0], "injured_days": sc.injured_days[0],
                 "evaluations": opt.evaluations}
        for name, r in opt.references.items():
            final[f"{name}.objective"] = r.objective[0]
            final[f"{name}.race_time_pct"] = r.race_time_pct[0]
        tracking.MetricLogger(self.client, self.run_id).log({f"final/{k}": v for k, v in final.items()}, 0)
        for f in files:
            self.client.log_artifact(self.run_id, str(f), "plots" if f.suffix == ".png" else None)
        self.client.set_terminated(self.run_id, status="FINISHED")

    def fail(self, status: str = "FAILED") -> None:
        self.client.set_terminated(self.run_id, status=status)

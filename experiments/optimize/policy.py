"""A plan file as a policy: every athlete gets the same weeks (open loop), for `stridelab compare --plan`.

It has the baselines' face (`plan_array(level, n_weeks, n_athletes, seed)`, what
`agents.evaluation` runs) and the learned policies' bookkeeping (`name`, `levels`,
`season_weeks`, `race_distance`, `training_seeds`, `eval_seed`, `run_id`), so the comparison
evaluates it on the same held-out athletes and refuses a held-out seed it was optimized on
(read from the plan's `# stridelab-optimize:` header; a hand-written plan has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.optimize.planfile import read_provenance
from sim.errors import InputError
from sim.plan import PlanFile, load_plan


@dataclass
class PlanPolicy:
    name: str
    path: str
    plan: PlanFile
    kind: str  # "optimized" (made by stridelab optimize) or "plan" (hand-written)
    training_seeds: tuple[int, ...] = ()
    eval_seed: int | None = None
    run_id: str = ""

    @property
    def levels(self) -> tuple[str, ...]:
        return (self.plan.level,)

    @property
    def season_weeks(self) -> int:
        return sum(b.weeks for b in self.plan.blocks)

    @property
    def race_distance(self) -> str:
        return self.plan.race_distance

    def plan_array(self, level: str | int, n_weeks: int, n_athletes: int = 1, seed: int = 0) -> np.ndarray:
        """(1, n_weeks, PLAN_SIZE): the file's season, the same for every athlete."""
        if n_weeks != self.season_weeks:
            raise InputError(f"--plan {self.path}: the plan has {self.season_weeks} weeks; this comparison needs "
                             f"{n_weeks}")
        return self.plan.plan_array()[None]


def load_plan_policy(path: str | Path, name: str | None = None) -> PlanPolicy:
    """Read and validate a plan file (InputError naming the file, field and value on a bad one)."""
    plan = load_plan(path)
    meta = read_provenance(path) or {}
    seeds = (int(meta["seed"]),) if isinstance(meta.get("seed"), int) else ()
    kind = "optimized" if meta else "plan"
    return PlanPolicy(name or f"{kind}:{Path(path).stem}", str(path), plan, kind, seeds, None,
                      str(meta.get("mlflow_run") or path))

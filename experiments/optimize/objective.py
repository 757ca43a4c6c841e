"""What the optimizer minimises: the training reward's season return, on training athletes.

The env reward (`envs.reward`) summed over a season telescopes to

    return = (w_perf + w_race) x 100 (T_start - T_race) / T_start  -  w_injury x injured days

and the shipped training configs (`configs/beginner.yaml`, `intermediate.yaml`, `advanced.yaml`)
set w_perf = w_race = 1, w_injury = 2 with `injury_reward: expected_days`: the injury term in
expectation, daily hazard x mean days per injury (`experiments.train.ExpectedInjuryReward`,
low variance, charged when the risk is taken). The optimizer minimises the mean over athletes of

    J = (w_perf + w_race) x race_time_pct + w_injury x expected injured days

so one expected injured day costs as much as 1 percentage point of race time, exactly as in
training (a test holds TRAINING_REWARD equal to those configs). Realised injured days are
reported next to it (evaluation counts those).

Common random numbers: every candidate meets the same cohort (same athletes, same random
streams). A generation's candidates run in one batched kernel call on the cohort tiled once per
candidate (every copy keeps the athletes' stream keys, so copy k of athlete a meets athlete a's
draws), which keeps both cores busy however small the population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from envs.config import RewardWeights
from sim.state import M_HAZARD, M_INJURED_DAYS
from sim.whatif import Cohort, make_cohort, simulate_season

#: the shipped per-level training configs' reward (env.reward in configs/<level>.yaml)
TRAINING_REWARD = RewardWeights(performance=1.0, injury_day=2.0, race=1.0)


@dataclass(frozen=True)
class Scores:
    """Per candidate: the objective and its parts (means over the training athletes)."""

    objective: np.ndarray
    race_time_pct: np.ndarray
    expected_injured_days: np.ndarray
    injured_days: np.ndarray


class Objective:
    """J (module docstring) of week-plan arrays on one training cohort."""

    def __init__(self, cohort: Cohort, weights: RewardWeights = TRAINING_REWARD) -> None:
        from experiments.training.injury import mean_injury_days

        self.cohort = cohort
        self.weights = weights
        self.days_per_injury = mean_injury_days(cohort.params)

    @classmethod
    def on_training_athletes(cls, level: str, race_distance: str, athletes: int, seed: int,
                             weights: RewardWeights = TRAINING_REWARD) -> Objective:
        return cls(make_cohort(level, athletes, seed, race_distance), weights)

    def formula(self) -> str:
        w = self.weights
        return (f"J = {w.performance + w.race:g} x race_time_pct + {w.injury_day:g} x expected injured days "
                f"(hazard x {self.days_per_injury:.1f} d per injury); mean over athletes, lower is better")

    def __call__(self, plans: np.ndarray) -> Scores:
        """Scores of k candidates' (k, n_weeks, PLAN_SIZE) plans (or one (n_weeks, PLAN_SIZE))."""
        plans = np.asarray(plans, dtype=np.float64)
        if plans.ndim == 2:
            plans = plans[None]
        k, c = plans.shape[0], self.cohort
        tiled = Cohort(np.tile(c.athletes, (k, 1)), np.tile(c.states, (k, 1)), np.tile(c.keys, k), c.seed, c.level,
                       c.params)
        out, rt, _ = simulate_season(tiled, np.repeat(plans, c.n, axis=0), every_week=False)
        race = (100.0 * (rt[:, 1] / rt[:, 0] - 1.0)).reshape(k, c.n).mean(axis=1)
        hazard = out[:, :, M_HAZARD].sum(axis=1).reshape(k, c.n).mean(axis=1)
        days = out[:, :, M_INJURED_DAYS].sum(axis=1).reshape(k, c.n).mean(axis=1)
        exp_days = self.days_per_injury * hazard
        w = self.weights
        obj = (w.performance + w.race) * race + w.injury_day * exp_days
        return Scores(obj, race, exp_days, days)

"""Ablations that say why a rung falls short, measured.

`PlanFollower` plays the open-loop plan through the env's action space: each week, the action
nearest to the plan's week (`envs.actions.week_plan_to_action`, with the volume step taken from the
volume the env holds, its observation `volume_base_rel`) under the same coach limits the learned
policy has. It sees nothing else. If it matches the open-loop plan, the learned policy's action
space can express that plan, and a learned policy behind it is a learning gap, not a
representation gap; what it loses against the open-loop plan is the price of the discrete steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.actions import week_plan_to_action
from envs.observation import O_VOLUME_BASE_REL, O_WEEK
from sim.plan import WeekPlan


class PlanFollower:
    """A stand-in policy (SB3's `predict`) that follows a fixed season of week plans (module docstring)."""

    closed_loop = True

    def __init__(self, plans: np.ndarray, env_kwargs: dict[str, Any]) -> None:
        self.plans = np.asarray(plans, dtype=np.float64)
        self.env_kwargs = dict(env_kwargs)
        self.action_scope = str(self.env_kwargs.get("action_scope", "strength_and_run"))
        self._cache: dict[tuple[int, float], np.ndarray] = {}

    def reset(self) -> None:
        """No state between seasons."""

    def predict(self, observation: np.ndarray, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, Any]:
        obs = np.atleast_2d(np.asarray(observation, dtype=np.float64))
        out = []
        for row in obs:
            w = int(round(row[O_WEEK]))
            base = round(float(row[O_VOLUME_BASE_REL]), 4)
            key = (w, base)
            if key not in self._cache:
                week = WeekPlan.from_array(self.plans[min(w, len(self.plans) - 1)])
                self._cache[key] = week_plan_to_action(week, prev_volume_rel=max(base, 1e-3), scope=self.action_scope)
            out.append(self._cache[key])
        return np.asarray(out, dtype=np.int64), state

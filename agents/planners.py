"""One planner type: anything that turns a cohort of athletes into a season of week plans.

A `PlanSource` has a `name`, says whether it is `closed_loop` (its weeks depend on how the
athletes respond) and gives `season_plans(cohort, season_weeks)`: a (1 or n, weeks, PLAN_SIZE)
plan array, one row shared by every athlete or one per athlete. `season(source, cohort, weeks)`
is the one rollout every comparison uses (`agents.evaluation`, `stridelab compare`, the
headline's ladder): the plans are simulated by `sim.whatif`'s kernels on the cohort with common
random numbers, so every planner meets the same athletes and the same draws.

Kinds, each a thin adapter:

- `TemplatePlanner`: a baseline (the article's templates and mistakes, `agents.baselines`), or any
  object with `plan_array(level, n_weeks, n_athletes, seed)` (plan files, optimized plans);
- `LearnedPlanner`: a trained policy (SB3's `predict`), closed loop on the batched env
  (`envs.StrengthRunVecEnv.from_cohort`) with the action scope and limits it was trained with
  (read from the model, `action_scope` / `env_kwargs` attributes, never guessed from the action
  space when the model says); its season is then replayed and must give the race times the env
  reported;
- `FunctionPlanner`: any `f(cohort, season_weeks)` returning a plan array or a list of `WeekPlan`s
  (the per-athlete planners of the headline: personalized, re-planned, oracle).

`as_plan_source(name, obj, **env_kwargs)` is the one place that tells the kinds apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from sim.errors import InputError
from sim.plan import WeekPlan, plans_to_array
from sim.state import A_LEVEL, LEVELS, PLAN_SIZE
from sim.whatif import Cohort


@runtime_checkable
class PlanSource(Protocol):
    """Anything that gives every athlete of a cohort a season of week plans (module docstring)."""

    name: str
    closed_loop: bool

    def season_plans(self, cohort: Cohort, season_weeks: int) -> np.ndarray: ...


def athlete_levels(cohort: Cohort) -> np.ndarray:
    return np.clip(np.rint(cohort.athletes[:, A_LEVEL]).astype(np.int64), 0, len(LEVELS) - 1)


@dataclass
class TemplatePlanner:
    """Open loop: `policy.plan_array(level, n_weeks, n_athletes, seed)` per level present in the cohort."""

    name: str
    policy: Any
    closed_loop: bool = False

    def season_plans(self, cohort: Cohort, season_weeks: int) -> np.ndarray:
        levels = athlete_levels(cohort)
        present = np.unique(levels)
        if len(present) == 1:
            return self.policy.plan_array(int(present[0]), season_weeks, cohort.n, cohort.seed)
        out = np.empty((cohort.n, season_weeks, PLAN_SIZE))
        for lv in present:
            arr = self.policy.plan_array(int(lv), season_weeks, cohort.n, cohort.seed)
            rows = np.flatnonzero(levels == lv)
            out[rows] = arr[0] if arr.shape[0] == 1 else arr[rows]
        return out


@dataclass
class FunctionPlanner:
    """`fn(cohort, season_weeks)` -> plans (array or WeekPlans); `closed_loop` as the function declares."""

    name: str
    fn: Callable[[Cohort, int], Any]
    closed_loop: bool = False

    def season_plans(self, cohort: Cohort, season_weeks: int) -> np.ndarray:
        return as_plan_array(self.fn(cohort, season_weeks), cohort, season_weeks, self.name)


def model_scope(model: object) -> str:
    """The action scope a model was trained in: its `action_scope` attribute (saved with the model by
    `stridelab train` and read back by the loaders); a bare SB3 model without one is matched against
    the scopes' action spaces (`envs.actions.action_nvec`)."""
    scope = getattr(model, "action_scope", None)
    if isinstance(scope, str) and scope:
        return scope
    from envs.actions import SCOPES, action_nvec

    nvec = getattr(getattr(model, "action_space", None), "nvec", None)
    if nvec is not None:
        for s in SCOPES:
            if tuple(int(x) for x in nvec) == action_nvec(s):
                return s
        raise InputError(f"model: its action space {tuple(int(x) for x in nvec)} is no scope's; allowed: "
                         + ", ".join(f"{s} {action_nvec(s)}" for s in SCOPES))
    return "strength"


@dataclass
class LearnedPlanner:
    """Closed loop: a trained policy on the batched env, with the scope and limits it was trained with."""

    name: str
    model: Any
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    deterministic: bool = True
    closed_loop: bool = True
    last_race_time_min: np.ndarray | None = None

    def season_plans(self, cohort: Cohort, season_weeks: int) -> np.ndarray:
        plans, race = rollout(self.model, cohort, season_weeks, self.deterministic, **self.env_kwargs)
        self.last_race_time_min = race
        return plans


def rollout(model, cohort: Cohort, season_weeks: int, deterministic: bool = True,
            **env_kwargs) -> tuple[np.ndarray, np.ndarray]:
    """One season per athlete of a learned policy, batched over `StrengthRunVecEnv.from_cohort`.

    Returns the (n, weeks, PLAN_SIZE) week plans the environment decoded from the actions and the
    race times (min) the environment reported at the end of the season. MaskablePPO-style models get
    the env's action masks; a model with `reset()` (recurrent state) is reset first.
    """
    import inspect

    from envs import StrengthRunVecEnv

    env_kwargs.setdefault("action_scope", model_scope(model))
    env = StrengthRunVecEnv.from_cohort(cohort, season_weeks, **env_kwargs)
    if hasattr(model, "reset"):
        model.reset()
    masked = "action_masks" in inspect.signature(model.predict).parameters
    try:
        obs = env.reset()
        plans = np.zeros((cohort.n, season_weeks, PLAN_SIZE))
        race = np.full(cohort.n, np.nan)
        state = None
        starts = np.ones(cohort.n, dtype=bool)
        infos: list[dict] = []
        for w in range(season_weeks):
            extra = {"action_masks": env.action_masks()} if masked else {}
            actions, state = model.predict(obs, state=state, episode_start=starts,
                                           deterministic=deterministic, **extra)
            obs, _, dones, infos = env.step(actions)
            plans[:, w] = env.last_plans
            starts = np.asarray(dones, dtype=bool)
        for i, info in enumerate(infos):
            race[i] = info.get("race_time_min", np.nan)
        return plans, race
    finally:
        env.close()


def to_plan_array(plans: object) -> np.ndarray:
    """Week plans (a list of `WeekPlan`s, one (weeks, PLAN_SIZE) array or several) as a float array with a
    leading athlete axis; the caller checks the shape it needs."""
    if isinstance(plans, (list, tuple)) and plans and isinstance(plans[0], WeekPlan):
        arr = plans_to_array(list(plans))
    else:
        arr = np.asarray(plans, dtype=np.float64)
    return arr[None] if arr.ndim == 2 else arr


def as_plan_array(plans: object, cohort: Cohort, season_weeks: int, name: str) -> np.ndarray:
    """A planner's output as a (1 or n, weeks, PLAN_SIZE) array; InputError naming the planner otherwise."""
    arr = to_plan_array(plans)
    ok = arr.ndim == 3 and arr.shape[0] in (1, cohort.n) and arr.shape[1:] == (season_weeks, PLAN_SIZE)
    if not ok:
        raise InputError(f"policy {name!r}: returned plans of shape {arr.shape}; need "
                         f"({season_weeks}, {PLAN_SIZE}), (1, {season_weeks}, {PLAN_SIZE}) or "
                         f"({cohort.n}, {season_weeks}, {PLAN_SIZE})")
    return arr


def as_plan_source(name: str, obj: object, **env_kwargs: Any) -> PlanSource:
    """Any planner the project knows as a `PlanSource` (module docstring); InputError otherwise."""
    if isinstance(obj, (TemplatePlanner, FunctionPlanner, LearnedPlanner)):
        return obj
    if hasattr(obj, "plan_array"):
        return TemplatePlanner(name, obj)
    if hasattr(obj, "predict"):
        kw = {**dict(getattr(obj, "env_kwargs", None) or {}), **env_kwargs}
        kw.pop("season_weeks", None)
        return LearnedPlanner(name, obj, kw)
    if callable(obj):
        return FunctionPlanner(name, obj, bool(getattr(obj, "closed_loop", False)))
    raise InputError(f"policy {name!r}: {type(obj).__name__} is not a policy; need a baseline "
                     "(plan_array), an SB3 model (predict) or a callable f(cohort, season_weeks)")


__all__ = ["PlanSource", "TemplatePlanner", "LearnedPlanner", "FunctionPlanner", "as_plan_source", "as_plan_array",
           "rollout", "model_scope", "athlete_levels", "to_plan_array"]

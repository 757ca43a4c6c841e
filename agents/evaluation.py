"""Paired evaluation of any set of policies on one held-out cohort.

    >>> from agents.baselines import BASELINES
    >>> from agents.evaluation import evaluate
    >>> from sim.whatif import make_cohort
    >>> cohort = make_cohort("intermediate", 2000, seed=1)
    >>> res = evaluate({"intermediate": BASELINES["intermediate"], "run_only": BASELINES["run_only"],
    ...                 "ppo": model}, cohort, 52, reference="run_only")
    >>> res.summary[["race_time_pct", "race_time_pct_diff", "race_time_pct_diff_lo", "race_time_pct_win"]]

Every policy meets the same athletes with the same random draws (common random numbers:
`sim.whatif` keys every draw by seed, athlete and season day), so differences between
policies are paired per athlete, and the bootstrap resamples athletes jointly for all
policies. A policy can be

- a baseline (anything with `plan_array(level, n_weeks, n_athletes, seed)`): its plans run
  through the what-if simulation (`run_season`: `sim.whatif.run`'s kernels and draws), all
  inside numba;
- an SB3 model (anything else with `predict(obs, state, episode_start, deterministic)`):
  batched inference over `envs.StrengthRunVecEnv.from_cohort`, one env per athlete, one
  season; the week plans the env decoded are then replayed through the what-if simulation,
  which meets the same draws (same seed, keys, day0 = 7 x week) and so gives the same season
  (checked: the replayed race times must equal the env's);
- any callable `f(cohort, season_weeks)` returning a list of `WeekPlan`s or a plan array
  ((n_weeks, PLAN_SIZE) shared, or (n, n_weeks, PLAN_SIZE) per athlete).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.plan import WeekPlan, plans_to_array
from sim.state import (
    A_LEVEL,
    LEVELS,
    M_ECONOMY_GAIN,
    M_INJURED_DAYS,
    M_KEY_COUNT,
    M_KEY_QUALITY,
    M_NEW_INJURIES,
    M_RUN_KM,
    M_STR_SESSIONS,
    M_STRENGTH_REL,
    PLAN_SIZE,
)
from sim.whatif import Cohort, simulate_season

#: per-athlete outcomes summarised, and which direction counts as a win over the reference
METRICS = ("race_time_pct", "injured_days", "injuries", "strength_pct", "economy_pct", "key_run_quality_pct",
           "run_km", "strength_sessions")
LOWER_IS_BETTER = frozenset({"race_time_pct", "injured_days", "injuries"})
HIGHER_IS_BETTER = frozenset({"strength_pct", "economy_pct", "key_run_quality_pct"})
PER_ATHLETE_COLUMNS = ("policy", "athlete", "level", "race_time_pct", "injuries", "injured_days",
                       "strength_pct", "economy_pct", "run_km", "strength_sessions", "key_run_quality_pct",
                       "race_time_min")
N_BOOT = 1000
_BOOT_CELLS = 4_000_000  # resample-athlete cells per bootstrap chunk (bounds memory at any cohort size)


@dataclass
class EvalResult:
    """Per-athlete outcomes (one row per policy x athlete) and the per-policy summary.

    summary columns, for each metric m of `METRICS`: m (mean), m_lo / m_hi (95% bootstrap
    CI), m_diff / m_diff_lo / m_diff_hi (mean paired difference policy - reference and its
    CI) and m_win (share of athletes for whom the policy is strictly better than the
    reference; NaN for run_km and strength_sessions, which have no better direction).
    """

    per_athlete: pd.DataFrame
    summary: pd.DataFrame
    reference: str | None
    season_weeks: int

    def rows(self, metrics: tuple[str, ...] = METRICS) -> list[dict]:
        """JSON-ready rows: policy, each metric with `_ci95` [lo, hi], and the paired difference."""
        out = []
        for policy, r in self.summary.iterrows():
            row: dict = {"policy": str(policy), "athletes": int(r["athletes"])}
            for m in metrics:
                row[m] = _num(r[m])
                row[f"{m}_ci95"] = [_num(r[f"{m}_lo"]), _num(r[f"{m}_hi"])]
            if self.reference is not None:
                row["reference"] = self.reference
                for m in metrics:
                    row[f"{m}_diff"] = _num(r[f"{m}_diff"])
                    row[f"{m}_diff_ci95"] = [_num(r[f"{m}_diff_lo"]), _num(r[f"{m}_diff_hi"])]
                    row[f"{m}_win"] = _num(r[f"{m}_win"])
            out.append(row)
        return out


def _num(x: float) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x


# --------------------------------------------------------------------------- running one policy
def athlete_levels(cohort: Cohort) -> np.ndarray:
    return np.clip(np.rint(cohort.athletes[:, A_LEVEL]).astype(np.int64), 0, len(LEVELS) - 1)


def baseline_plans(policy, cohort: Cohort, season_weeks: int) -> np.ndarray:
    """A baseline's plans for the cohort: (1 or n, weeks, PLAN_SIZE), per level if the cohort mixes levels."""
    levels = athlete_levels(cohort)
    present = np.unique(levels)
    if len(present) == 1:
        return policy.plan_array(int(present[0]), season_weeks, cohort.n, cohort.seed)
    out = np.empty((cohort.n, season_weeks, PLAN_SIZE))
    for lv in present:
        arr = policy.plan_array(int(lv), season_weeks, cohort.n, cohort.seed)
        rows = np.flatnonzero(levels == lv)
        out[rows] = arr[0] if arr.shape[0] == 1 else arr[rows]
    return out


def _as_plan_array(plans: object, cohort: Cohort, season_weeks: int, name: str) -> np.ndarray:
    if isinstance(plans, (list, tuple)) and plans and isinstance(plans[0], WeekPlan):
        arr = plans_to_array(list(plans))
    else:
        arr = np.asarray(plans, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    ok = arr.ndim == 3 and arr.shape[0] in (1, cohort.n) and arr.shape[1:] == (season_weeks, PLAN_SIZE)
    if not ok:
        raise InputError(f"policy {name!r}: returned plans of shape {arr.shape}; need "
                         f"({season_weeks}, {PLAN_SIZE}), (1, {season_weeks}, {PLAN_SIZE}) or "
                         f"({cohort.n}, {season_weeks}, {PLAN_SIZE})")
    return arr


def policy_plans(name: str, policy: object, cohort: Cohort, season_weeks: int, **env_kwargs) -> np.ndarray:
    """The week plans `policy` gives every athlete of the cohort over the season."""
    if hasattr(policy, "plan_array"):
        return baseline_plans(policy, cohort, season_weeks)
    if hasattr(policy, "predict"):
        return rollout_plans(policy, cohort, season_weeks, **env_kwargs)
    if callable(policy):
        fn: Callable = policy
        return _as_plan_array(fn(cohort, season_weeks), cohort, season_weeks, name)
    raise InputError(f"policy {name!r}: {type(policy).__name__} is not a policy; need a baseline "
                     "(plan_array), an SB3 model (predict) or a callable f(cohort, season_weeks)")


def model_scope(model: object) -> str:
    """The action scope a model was trained in, read off its action space (more components than the
    strength scope's 4: with running and sets)."""
    from envs.actions import STRENGTH_NVEC

    space = getattr(model, "action_space", None)
    nvec = getattr(space, "nvec", None)
    return "strength_and_run" if nvec is not None and len(nvec) > len(STRENGTH_NVEC) else "strength"


def rollout(model, cohort: Cohort, season_weeks: int, deterministic: bool = True,
            **env_kwargs) -> tuple[np.ndarray, np.ndarray]:
    """One season per athlete of a learned policy, batched over `StrengthRunVecEnv.from_cohort`.

    Returns the (n, weeks, PLAN_SIZE) week plans the environment decoded from the actions and
    the race times (min) the environment reported at the end of the season. MaskablePPO-style
    models get the env's action masks.
    """
    import inspect

    from envs import StrengthRunVecEnv

    env_kwargs.setdefault("action_scope", model_scope(model))
    env = StrengthRunVecEnv.from_cohort(cohort, season_weeks, **env_kwargs)
    masked = "action_masks" in inspect.signature(model.predict).parameters
    try:
        obs = env.reset()
        plans = np.zeros((cohort.n, season_weeks, PLAN_SIZE))
        race = np.full(cohort.n, np.nan)
        state = None
        starts = np.ones(cohort.n, dtype=bool)
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


def rollout_plans(model, cohort: Cohort, season_weeks: int, deterministic: bool = True,
                  **env_kwargs) -> np.ndarray:
    """The week plans of `rollout` (replay them with `run_season` for the season's outcomes)."""
    return rollout(model, cohort, season_weeks, deterministic, **env_kwargs)[0]


@dataclass
class Season:
    """One policy's season on a cohort: what the evaluation reads of a `sim.whatif.Result`.

    `sim.whatif.run(cohort, plans)` gives the full result (weekly tables, race time every
    week); the evaluation needs only the metrics and the race time at the start and on race
    day, and skips the rest (more than half the time at 10,000 athletes).
    """

    cohort: Cohort
    plans: np.ndarray  # (1 or n, weeks, PLAN_SIZE)
    metrics: np.ndarray  # (n, weeks, METRIC_SIZE)
    race_time_min: np.ndarray  # (n, 2): season start, race day
    start_strength: np.ndarray  # (n,) 1RM relative to baseline at the start

    @property
    def athletes(self) -> pd.DataFrame:
        """One row per athlete (the `PER_ATHLETE_COLUMNS` but `policy`), like `whatif.Result.athletes`."""
        return athlete_rows("", self).drop(columns="policy")


def run_season(cohort: Cohort, plans: np.ndarray) -> Season:
    """`sim.whatif.run`'s simulation (same kernels, same draws), race time only at start and race day."""
    out, rt, start_strength = simulate_season(cohort, plans, every_week=False)
    return Season(cohort, np.ascontiguousarray(plans, dtype=np.float64), out, rt, start_strength)


def run_policy(name: str, policy: object, cohort: Cohort, season_weeks: int, **env_kwargs) -> Season:
    """Simulate one policy's season on the cohort (a copy; the cohort is not advanced).

    A learned policy's season is replayed from the plans its env decoded; the replay must give
    the race times the env reported (same kernels, same draws), else the contract between
    `envs` and `sim.whatif` is broken and the comparison would not be paired.
    """
    if hasattr(policy, "predict") and not hasattr(policy, "plan_array"):
        plans, env_race = rollout(policy, cohort, season_weeks, **env_kwargs)
        res = run_season(cohort, plans)
        if not np.allclose(res.race_time_min[:, 1], env_race, rtol=1e-9, atol=0.0, equal_nan=False):
            worst = int(np.nanargmax(np.abs(res.race_time_min[:, 1] - env_race)))
            replay = res.race_time_min[worst, 1]
            raise RuntimeError(f"policy {name!r}: the env reported race time {env_race[worst]:.4f} min for "
                               f"athlete {worst} but replaying its plans gives {replay:.4f}; "
                               "envs.StrengthRunVecEnv.from_cohort and sim.whatif.run no longer agree")
        return res
    return run_season(cohort, policy_plans(name, policy, cohort, season_weeks, **env_kwargs))


def athlete_rows(name: str, season: Season) -> pd.DataFrame:
    """The per-athlete table of one policy's season (`PER_ATHLETE_COLUMNS`).

    Same definitions as `sim.whatif.athlete_table` (a test holds them equal), plus the
    season's key-run quality (mean over key runs and long runs, 100 = fresh).
    """
    m = season.metrics
    rt = season.race_time_min
    count = m[:, :, M_KEY_COUNT]
    total = count.sum(axis=1)
    quality = np.where(total > 0, (m[:, :, M_KEY_QUALITY] * count).sum(axis=1) / np.maximum(total, 1.0), 1.0)
    return pd.DataFrame({
        "policy": name,
        "athlete": np.arange(season.cohort.n),
        "level": np.asarray(LEVELS, dtype=object)[athlete_levels(season.cohort)],
        "race_time_pct": 100.0 * (rt[:, 1] / rt[:, 0] - 1.0),
        "injuries": m[:, :, M_NEW_INJURIES].sum(axis=1),
        "injured_days": m[:, :, M_INJURED_DAYS].sum(axis=1),
        "strength_pct": 100.0 * (m[:, -1, M_STRENGTH_REL] / season.start_strength - 1.0),
        "economy_pct": 100.0 * m[:, -1, M_ECONOMY_GAIN],
        "run_km": m[:, :, M_RUN_KM].sum(axis=1),
        "strength_sessions": m[:, :, M_STR_SESSIONS].sum(axis=1),
        "key_run_quality_pct": 100.0 * quality,
        "race_time_min": rt[:, 1],
    })


# --------------------------------------------------------------------------- statistics
def bootstrap_means(values: np.ndarray, n_boot: int = N_BOOT, seed: int = 0) -> np.ndarray:
    """(n_boot, k) means of the columns of `values` (n, k) over athlete resamples shared by all columns.

    Resamples are drawn as count vectors (how often each athlete is drawn), so one
    matrix product gives every column's resampled mean and paired columns stay paired.
    """
    n, k = values.shape
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, _BOOT_CELLS // max(n, 1)))
    out = np.empty((n_boot, k))
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        idx = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        counts = np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)
        out[done:done + b] = counts @ values / n
        done += b
    return out


def summarize(per_athlete: pd.DataFrame, reference: str | None = None, n_boot: int = N_BOOT,
              seed: int = 0, metrics: tuple[str, ...] = METRICS) -> pd.DataFrame:
    """Per policy: mean and 95% bootstrap CI of each metric, paired difference to `reference`, win share."""
    policies = list(dict.fromkeys(per_athlete["policy"]))
    if reference is not None and reference not in policies:
        raise InputError(f"reference: {reference!r} is not one of the policies ({', '.join(policies)})")
    tables = {p: per_athlete[per_athlete["policy"] == p].sort_values("athlete") for p in policies}
    n = len(tables[policies[0]])
    for p, t in tables.items():
        first = tables[policies[0]]["athlete"].to_numpy()
        if len(t) != n or not np.array_equal(t["athlete"].to_numpy(), first):
            raise InputError(f"policy {p!r}: its athletes differ from {policies[0]!r}'s; "
                             "a paired summary needs the same athletes")
    k = len(metrics)
    vals = {p: tables[p][list(metrics)].to_numpy(dtype=np.float64) for p in policies}
    cols = [vals[p] for p in policies]
    if reference is not None:
        cols += [vals[p] - vals[reference] for p in policies]
    boot = bootstrap_means(np.concatenate(cols, axis=1), n_boot, seed)
    lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
    rows = []
    for i, p in enumerate(policies):
        row: dict = {"policy": p, "athletes": n}
        for j, m in enumerate(metrics):
            c = i * k + j
            row[m] = float(vals[p][:, j].mean())
            row[f"{m}_lo"], row[f"{m}_hi"] = float(lo[c]), float(hi[c])
        if reference is not None:
            for j, m in enumerate(metrics):
                c = (len(policies) + i) * k + j
                d = vals[p][:, j] - vals[reference][:, j]
                row[f"{m}_diff"] = float(d.mean())
                row[f"{m}_diff_lo"], row[f"{m}_diff_hi"] = float(lo[c]), float(hi[c])
                if m in LOWER_IS_BETTER:
                    row[f"{m}_win"] = float((d < 0).mean())
                elif m in HIGHER_IS_BETTER:
                    row[f"{m}_win"] = float((d > 0).mean())
                else:
                    row[f"{m}_win"] = float("nan")
        rows.append(row)
    return pd.DataFrame(rows).set_index("policy")


def evaluate(policies: Mapping[str, object], cohort: Cohort, season_weeks: int, reference: str | None = None,
             n_boot: int = N_BOOT, boot_seed: int = 0, **env_kwargs) -> EvalResult:
    """Run every policy on the same cohort (common random numbers) and summarise, paired against `reference`.

    `env_kwargs` go to `StrengthRunVecEnv.from_cohort` for SB3 models (e.g. action_scope,
    race_distance); baselines and callables do not need them.
    """
    if not policies:
        raise InputError("policies: need at least one policy")
    if reference is not None and reference not in policies:
        raise InputError(f"reference: {reference!r} is not one of the policies ({', '.join(policies)})")
    if not isinstance(season_weeks, (int, np.integer)) or season_weeks < 1:
        raise InputError(f"season_weeks: {season_weeks!r} is not allowed; need a whole number >= 1")
    tables = [athlete_rows(name, run_policy(name, pol, cohort, int(season_weeks), **env_kwargs))
              for name, pol in policies.items()]
    per_athlete = pd.concat(tables, ignore_index=True)
    summary = summarize(per_athlete, reference, n_boot, boot_seed)
    return EvalResult(per_athlete, summary, reference, int(season_weeks))


__all__ = ["EvalResult", "evaluate", "summarize", "bootstrap_means", "athlete_rows", "policy_plans",
           "run_policy", "run_season", "rollout", "rollout_plans", "model_scope", "Season", "METRICS"]

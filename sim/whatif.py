"""What-if simulation: a season of week plans on a population, as pandas tables.

    >>> from sim.whatif import simulate_file
    >>> res = simulate_file("configs/plans/example.yaml", athletes=2000, seed=0)
    >>> res.weekly.tail()          # population means per week
    >>> res.summary["race_time_pct"]

Common random numbers: the athletes and every random draw depend only on (seed, level,
athlete index, day), so two plans simulated with the same seed, level and athlete count
meet the same people and the same luck, and their difference is paired.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim import kernel
from sim.errors import InputError
from sim.parameters import default_parameters
from sim.plan import PlanFile, WeekPlan, load_plan, plans_to_array
from sim.population import sample_athletes
from sim.state import (
    A_HABITUAL_KM,
    A_RACE_KM,
    A_SKIP_PROB,
    M_COST_FACTOR,
    M_ECONOMY_GAIN,
    M_INJURED_DAYS,
    M_KEY_COUNT,
    M_KEY_QUALITY,
    M_NEW_INJURIES,
    M_RUN_HOURS,
    M_RUN_KM,
    M_SORENESS,
    M_STR_SESSIONS,
    M_STRENGTH_REL,
    M_VO2_EFF,
    M_VO2MAX,
    METRIC_NAMES,
    METRIC_SIZE,
    NEURAL_REL,
    PLAN_SIZE,
    STATE_SIZE,
    STRUCT_REL,
)

#: a population smaller than this has no confidence interval (a "95% CI" of one athlete has width 0)
MIN_ATHLETES = 2
#: the memory a simulation may ask for (the arrays of every athlete-week of every plan simulated)
MAX_SIM_BYTES = 4_000_000_000
#: bytes per athlete-week (metrics, race times, per-athlete plans, tables) and per athlete (state, profile)
_BYTES_PER_ATHLETE_WEEK = 8 * (METRIC_SIZE + 2 + PLAN_SIZE + 12)
_BYTES_PER_ATHLETE = 8 * 64


def human_bytes(nbytes: float) -> str:
    """A byte count for a message: 4.0 GB, 782.1 GB, 512 bytes."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if nbytes < 1000 or unit == "PB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000
    return f"{nbytes:.1f} PB"


def check_athletes(athletes: int, weeks: int, plans: int = 1, name: str = "athletes") -> int:
    """InputError unless `athletes` is a whole number >= MIN_ATHLETES whose simulation (`plans`
    plans over `weeks` weeks) fits in MAX_SIM_BYTES; the message says how much it would need."""
    if isinstance(athletes, bool) or not isinstance(athletes, int | np.integer):
        raise InputError(f"{name}: {athletes!r} is not a whole number; allowed: {MIN_ATHLETES} or more")
    if athletes < MIN_ATHLETES:
        raise InputError(f"{name}: {athletes} is too few; allowed: at least {MIN_ATHLETES} (a 95% CI needs two)")
    per = plans * (_BYTES_PER_ATHLETE + max(int(weeks), 1) * _BYTES_PER_ATHLETE_WEEK)
    need = int(athletes) * per
    if need > MAX_SIM_BYTES:
        most = MAX_SIM_BYTES // per
        raise InputError(f"{name}: {athletes} athletes x {weeks} weeks x {plans} plan(s) would need about "
                         f"{human_bytes(need)} of memory; allowed: at most {most} athletes here "
                         f"({human_bytes(MAX_SIM_BYTES)})")
    return int(athletes)


@dataclass
class Cohort:
    """A warmed-up population: the athletes, their starting state, their random-stream keys."""

    athletes: np.ndarray
    states: np.ndarray
    keys: np.ndarray
    seed: int
    level: str
    params: np.ndarray

    @property
    def n(self) -> int:
        return self.athletes.shape[0]


def make_cohort(
    level: str = "intermediate",
    athletes: int = 2000,
    seed: int = 0,
    race_distance: str = "10k",
    params: np.ndarray | None = None,
    habitual_km: float | None = None,
    strength_1rm_bw: float | None = None,
    profiles: np.ndarray | None = None,
) -> Cohort:
    """Sample (or take `profiles`) and warm up a population."""
    gp = default_parameters() if params is None else np.asarray(params, dtype=np.float64)
    if profiles is None:
        prof = sample_athletes(level, athletes, seed, race_distance, habitual_km, strength_1rm_bw)
    else:
        prof = np.ascontiguousarray(profiles, dtype=np.float64)
    states = np.empty((prof.shape[0], STATE_SIZE))
    kernel.init_states(prof, gp, states)
    return Cohort(prof, states, np.arange(prof.shape[0], dtype=np.int64), int(seed), level, gp)


def with_missed_sessions(cohort: Cohort, skip_prob: float) -> Cohort:
    """The same warmed-up athletes, each missing every planned run and lift of the season with
    probability `skip_prob` (one draw per athlete-day from their own streams: every plan run on
    this cohort meets the same skips; Jovanovic & Jukic 2019 on fragile optimal plans)."""
    if not 0.0 <= skip_prob < 1.0:
        raise InputError(f"skip_prob: {skip_prob!r} is not allowed; need 0 <= skip_prob < 1")
    athletes = cohort.athletes.copy()
    athletes[:, A_SKIP_PROB] = skip_prob
    return Cohort(athletes, cohort.states, cohort.keys, cohort.seed, cohort.level, cohort.params)


@dataclass
class Result:
    """Per-athlete weekly metrics plus derived race times, and the tables built from them."""

    cohort: Cohort
    metrics: np.ndarray  # (n, n_weeks, METRIC_SIZE)
    race_time_min: np.ndarray  # (n, n_weeks + 1): column 0 is the start
    start_strength: np.ndarray  # (n,)
    start_vo2max: np.ndarray  # (n,)
    weekly: pd.DataFrame = field(init=False)
    athletes: pd.DataFrame = field(init=False)
    summary: dict = field(init=False)

    def __post_init__(self) -> None:
        self.athletes = athlete_table(self)
        self.weekly = weekly_table(self)
        self.summary = summarize(self)


def simulate_season(cohort: Cohort, plans: np.ndarray, every_week: bool = True):
    """The simulation behind `run` and the evaluation harness, on a copy of the cohort.

    Returns (metrics (n, weeks, METRIC_SIZE), race_time_min, start_strength (n,)). With
    `every_week` the race time is predicted at the start and every race morning, (n, weeks+1);
    otherwise only at the start and on race day, (n, 2), which is all a season comparison needs.
    """
    plans = np.ascontiguousarray(plans, dtype=np.float64)
    if plans.ndim == 2:
        plans = plans[None]
    if plans.shape[1] == 0:
        raise InputError("plan: the season has no weeks")
    n, n_weeks = cohort.n, plans.shape[1]
    states = cohort.states.copy()
    gp = cohort.params
    vo0 = np.empty(n)
    c0 = np.empty(n)
    kernel.performance_now(states, cohort.athletes, gp, vo0, c0)
    start_strength = 1.0 + states[:, NEURAL_REL] + states[:, STRUCT_REL]
    out = np.empty((n, n_weeks, METRIC_SIZE))
    kernel.simulate(states, cohort.athletes, gp, plans, cohort.seed, cohort.keys, 0, out)
    weeks = slice(None) if every_week else slice(-1, None)
    vo2 = np.ascontiguousarray(np.concatenate([vo0[:, None], out[:, weeks, M_VO2_EFF]], axis=1))
    cost = np.ascontiguousarray(np.concatenate([c0[:, None], out[:, weeks, M_COST_FACTOR]], axis=1))
    rt = np.empty_like(vo2)
    kernel.race_times_min(vo2, cost, np.ascontiguousarray(cohort.athletes[:, A_RACE_KM]), rt)
    return out, rt, start_strength


def run(cohort: Cohort, plans: np.ndarray) -> Result:
    """Simulate `plans` ((n_weeks, PLAN_SIZE) shared, or (n, n_weeks, PLAN_SIZE)) on a copy of the cohort."""
    out, rt, start_strength = simulate_season(cohort, plans)
    return Result(cohort, out, rt, start_strength, _start_vo2max(cohort))


def _start_vo2max(cohort: Cohort) -> np.ndarray:
    return np.array([kernel.vo2max(cohort.states[a], cohort.athletes[a], cohort.params) for a in range(cohort.n)])


def athlete_table(res: Result) -> pd.DataFrame:
    """One row per athlete: end-of-season outcomes and totals."""
    m = res.metrics
    hours = m[:, :, M_RUN_HOURS].sum(axis=1)
    return pd.DataFrame({
        "athlete": np.arange(res.cohort.n),
        "habitual_km": res.cohort.athletes[:, A_HABITUAL_KM],
        "race_time_min": res.race_time_min[:, -1],
        "race_time_pct": 100.0 * (res.race_time_min[:, -1] / res.race_time_min[:, 0] - 1.0),
        "strength_pct": 100.0 * (m[:, -1, M_STRENGTH_REL] / res.start_strength - 1.0),
        "economy_pct": 100.0 * m[:, -1, M_ECONOMY_GAIN],
        "vo2max_pct": 100.0 * (m[:, -1, M_VO2MAX] / res.start_vo2max - 1.0),
        "injuries": m[:, :, M_NEW_INJURIES].sum(axis=1),
        "injured_days": m[:, :, M_INJURED_DAYS].sum(axis=1),
        "run_km": m[:, :, M_RUN_KM].sum(axis=1),
        "run_hours": hours,
        "strength_sessions": m[:, :, M_STR_SESSIONS].sum(axis=1),
    })


def weekly_table(res: Result) -> pd.DataFrame:
    """Population means per week (the `--json` "weeks" list)."""
    m = res.metrics
    cnt = m[:, :, M_KEY_COUNT]
    total = cnt.sum(axis=0)
    kq = np.divide((m[:, :, M_KEY_QUALITY] * cnt).sum(axis=0), total, out=np.ones(m.shape[1]), where=total > 0)
    return pd.DataFrame({
        "week": np.arange(1, m.shape[1] + 1),
        "run_km": m[:, :, M_RUN_KM].mean(axis=0),
        "strength_sessions": m[:, :, M_STR_SESSIONS].mean(axis=0),
        "strength_pct": 100.0 * (m[:, :, M_STRENGTH_REL] / res.start_strength[:, None] - 1.0).mean(axis=0),
        "economy_pct": 100.0 * m[:, :, M_ECONOMY_GAIN].mean(axis=0),
        "vo2max_pct": 100.0 * (m[:, :, M_VO2MAX] / res.start_vo2max[:, None] - 1.0).mean(axis=0),
        "race_time_pct": 100.0 * (res.race_time_min[:, 1:] / res.race_time_min[:, :1] - 1.0).mean(axis=0),
        "injuries": m[:, :, M_NEW_INJURIES].mean(axis=0),
        "injured_days": m[:, :, M_INJURED_DAYS].mean(axis=0),
        "soreness": m[:, :, M_SORENESS].mean(axis=0),
        "key_run_quality_pct": 100.0 * kq,
    })


def _ci_mean(x: np.ndarray) -> list[float]:
    x = np.asarray(x, dtype=float)
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x)) if len(x) > 1 else 0.0
    return [float(x.mean() - half), float(x.mean() + half)]


MIN_EXPOSURE_H = 1e-3


def injury_rate_per_1000h(injuries: np.ndarray, hours: np.ndarray, n_boot: int = 400, seed: int = 0):
    """Injuries per 1000 h of running, with a bootstrap 95% CI over athletes."""
    # below MIN_EXPOSURE_H of running the rate is undefined, not huge: a subnormal number of hours
    # would make it inf (issue 15, point 8), so such samples count as no exposure (rate 0)
    total_h = hours.sum()
    rate = 1000.0 * injuries.sum() / total_h if total_h >= MIN_EXPOSURE_H else 0.0
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(hours), size=(n_boot, len(hours)))
    h = hours[idx].sum(axis=1)
    r = 1000.0 * injuries[idx].sum(axis=1) / np.where(h >= MIN_EXPOSURE_H, h, np.nan)
    lo, hi = np.nanpercentile(r, [2.5, 97.5]) if np.isfinite(r).any() else (rate, rate)
    return float(rate), [float(lo), float(hi)]


SUMMARY_MEANS = ("race_time_pct", "strength_pct", "economy_pct", "vo2max_pct", "injuries", "injured_days",
                 "run_km", "strength_sessions")


def summarize(res: Result) -> dict:
    """Final values with 95% CIs (normal for means, bootstrap for the injury rate)."""
    at = res.athletes
    out: dict = {"athletes": int(res.cohort.n), "weeks": int(res.metrics.shape[1]), "ci95": {}}
    for col in SUMMARY_MEANS:
        out[col] = float(at[col].mean())
        out["ci95"][col] = _ci_mean(at[col].to_numpy())
    rate, ci = injury_rate_per_1000h(at["injuries"].to_numpy(), at["run_hours"].to_numpy())
    out["injury_rate_per_1000h"] = rate
    out["ci95"]["injury_rate_per_1000h"] = ci
    frac = (at["injuries"] > 0).to_numpy().astype(float)
    out["injured_athletes_frac"] = float(frac.mean())
    out["ci95"]["injured_athletes_frac"] = _ci_mean(frac)
    out["soreness"] = float(res.weekly["soreness"].iloc[-1])
    out["key_run_quality_pct"] = float(res.weekly["key_run_quality_pct"].mean())
    return out


def simulate_plan(
    plan: PlanFile | list[WeekPlan],
    level: str | None = None,
    athletes: int = 2000,
    seed: int = 0,
    params: np.ndarray | None = None,
    race_distance: str | None = None,
) -> Result:
    """Simulate a plan file (or a list of week plans) on a freshly sampled population."""
    n_weeks = sum(b.weeks for b in plan.blocks) if isinstance(plan, PlanFile) else len(plan)
    check_athletes(athletes, n_weeks)
    if isinstance(plan, PlanFile):
        weeks = plan.weeks()
        level = level or plan.level
        race_distance = race_distance or plan.race_distance
        pop = plan.population
        cohort = make_cohort(level, athletes, seed, race_distance, params, pop.habitual_km, pop.strength_1rm_bw)
    else:
        weeks = list(plan)
        cohort = make_cohort(level or "intermediate", athletes, seed, race_distance or "10k", params)
    return run(cohort, plans_to_array(weeks))


def simulate_file(path: str, level: str | None = None, athletes: int = 2000, seed: int = 0,
                  params: np.ndarray | None = None) -> Result:
    """`stridelab simulate` from Python: read, validate and simulate a plan file."""
    return simulate_plan(load_plan(path), level=level, athletes=athletes, seed=seed, params=params)


DRAW_FIGURES = ("race_time_pct", "strength_pct", "economy_pct", "vo2max_pct", "injuries", "injured_days",
                "injury_rate_per_1000h", "injured_athletes_frac")


def model_spread(plan: PlanFile | list[WeekPlan], draws: np.ndarray, level: str | None = None,
                 athletes: int = 2000, seed: int = 0, progress=None) -> dict:
    """The plan's summary figures under each parameter draw (same athletes, same random
    streams: only the model differs). Returns {figure: {"draws": [...], "mean", "p5", "p95"}}."""
    values: dict[str, list[float]] = {f: [] for f in DRAW_FIGURES}
    for j, gp in enumerate(draws):
        summary = simulate_plan(plan, level=level, athletes=athletes, seed=seed, params=gp).summary
        for f in DRAW_FIGURES:
            values[f].append(float(summary[f]))
        if progress is not None:
            progress(j + 1, len(draws))
    out = {}
    for f, v in values.items():
        arr = np.asarray(v)
        out[f] = {"draws": [round(x, 4) for x in v], "mean": float(arr.mean()),
                  "p5": float(np.percentile(arr, 5)), "p95": float(np.percentile(arr, 95))}
    return out


__all__ = ["Cohort", "Result", "make_cohort", "with_missed_sessions", "run", "simulate_plan", "simulate_file",
           "model_spread", "METRIC_NAMES"]

"""Calibration against published effect sizes (../shared/science/calibration.md).

Each row of the calibration table is a scenario file in `configs/calibration/`: one or more
what-if arms (plan blocks, exactly the `stridelab simulate` format) run on the same
athletes with common random numbers, and checks that turn the arms' outputs into the
published quantity and compare it with the published range. Nothing in the simulator
knows about these scenarios: the effects come out of the mechanisms.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim import kernel
from sim.errors import InputError
from sim.parameters import default_parameters
from sim.plan import Block, Population, format_validation_error, load_yaml, plans_to_array
from sim.state import (
    A_VO2MAX_UNTRAINED,
    BONE_CAPACITY_REL,
    CAPACITY_REL,
    D_RUN_KIND,
    D_RUN_KM,
    DAMAGE,
    DAY_SIZE,
    M_ECONOMY_GAIN,
    M_HAZARD,
    M_INJURED_DAYS,
    M_KEY_COUNT,
    M_KEY_QUALITY,
    M_NEW_INJURIES,
    M_POWER_REL,
    M_RUN_HOURS,
    M_RUN_KM,
    M_STRENGTH_REL,
    M_VO2_EFF,
    M_VO2MAX,
    METRIC_SIZE,
    RUN_EASY,
    STATE_SIZE,
)
from sim.whatif import Result, make_cohort, run

CALIBRATION_DIR = Path(__file__).resolve().parents[1] / "configs" / "calibration"

Measure = Literal[
    "diff", "value", "change_pct", "gain_fraction", "injury_rate", "injury_rate_ratio", "hazard_ratio",
    "gain_cut_pct", "cut_difference", "quality_loss_pct", "quality_gap", "impulse_peak_days", "impulse_tau_days",
    "damage_exponent", "best_setting", "gap_to_best", "injury_count_ratio", "gain_ratio", "untrained_gap_kept",
    "injury_per_km_trend", "spread_cv", "share_below",
]

_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Arm(BaseModel):
    model_config = _STRICT
    blocks: tuple[Block, ...] = Field(min_length=1)


class Check(BaseModel):
    """How one published number is read off the arms."""

    model_config = _STRICT
    label: str
    measure: Measure
    arm: str | None = None
    vs: str | None = None
    metric: str | None = None
    week: int | None = Field(None, ge=0, description="1-based week (0 = start)")
    from_week: int | None = Field(None, ge=0)
    to_week: int | None = Field(None, ge=0)
    among: dict[str, float] | None = Field(None, description="arms of a dose sweep and their settings")
    vs_window: tuple[int, int] | None = Field(None, description="1-based weeks (from, to) compared with the check's "
                                                                "own window in the same arm")
    fraction: float | None = Field(None, gt=0.0, description="share_below: the threshold as a fraction of the mean")
    completers: float | None = Field(None, ge=0.0, lt=1.0,
                                     description="spread measures: keep only the athletes injured on at most this "
                                                 "share of the arm's days (trials analyse completers)")
    range: tuple[float, float]

    @model_validator(mode="after")
    def _needs(self) -> Check:
        if self.measure == "share_below" and self.fraction is None:
            raise ValueError(f"fraction: missing for measure share_below in check {self.label!r}; allowed: > 0 "
                             "(the threshold as a fraction of the mean)")
        if self.measure in ("spread_cv", "share_below") and (self.arm is None or self.metric is None):
            raise ValueError(f"{self.measure}: check {self.label!r} needs arm and metric")
        return self


class Scenario(BaseModel):
    model_config = _STRICT
    id: str
    scenario: str
    published: str
    source: str
    level: Literal["beginner", "intermediate", "advanced"] = "intermediate"
    race_distance: Literal["5k", "10k", "half", "marathon"] = "10k"
    athletes: int = Field(2000, ge=10, le=100000)
    seed: int = 0
    population: Population = Field(default_factory=Population)
    arms: dict[str, Arm] = Field(default_factory=dict)
    checks: tuple[Check, ...] = Field(min_length=1)


def load_scenario(path: Path) -> Scenario:
    try:
        return Scenario.model_validate(load_yaml(path))
    except ValidationError as err:
        raise InputError(format_validation_error(str(path), err)) from None


def scenarios(folder: Path = CALIBRATION_DIR) -> list[Scenario]:
    return [load_scenario(p) for p in sorted(folder.glob("*.yaml"))]


# --------------------------------------------------------------------------- reading the arms
def _metric(res: Result, name: str) -> np.ndarray:
    """(n, weeks+1) per-athlete metric, column 0 = start of the plan."""
    m = res.metrics
    n = m.shape[0]
    if name == "strength_pct":
        rel = np.concatenate([res.start_strength[:, None], m[:, :, M_STRENGTH_REL]], axis=1)
        return 100.0 * (rel / res.start_strength[:, None] - 1.0)
    if name == "economy_pct":
        return 100.0 * np.concatenate([np.zeros((n, 1)), m[:, :, M_ECONOMY_GAIN]], axis=1)
    if name == "vo2max_gain":  # ml/kg/min above the start
        v = np.concatenate([res.start_vo2max[:, None], m[:, :, M_VO2MAX]], axis=1)
        return v - res.start_vo2max[:, None]
    if name == "vo2max_pct":
        v = np.concatenate([res.start_vo2max[:, None], m[:, :, M_VO2MAX]], axis=1)
        return 100.0 * (v / res.start_vo2max[:, None] - 1.0)
    if name == "race_time_pct":
        return 100.0 * (res.race_time_min / res.race_time_min[:, :1] - 1.0)
    if name == "power_pct":
        return 100.0 * np.concatenate([np.zeros((n, 1)), m[:, :, M_POWER_REL]], axis=1)
    if name == "vo2_eff":
        return np.concatenate([np.full((n, 1), np.nan), m[:, :, M_VO2_EFF]], axis=1)
    raise InputError(f"calibration metric {name!r} is unknown")


def _week(res: Result, week: int | None) -> int:
    return res.metrics.shape[1] if week is None else week


def _window(res: Result, c: Check) -> slice:
    lo = 1 if c.from_week is None else c.from_week
    hi = res.metrics.shape[1] if c.to_week is None else c.to_week
    return slice(lo - 1, hi)


def _injury_rate(res: Result, c: Check) -> float:
    w = _window(res, c)
    inj = res.metrics[:, w, M_NEW_INJURIES].sum()
    hours = res.metrics[:, w, M_RUN_HOURS].sum()
    return 1000.0 * inj / hours


def _per_athlete(res: Result, c: Check) -> np.ndarray:
    """The check's metric at its week, one value per athlete; with `completers`, only the athletes
    injured on at most that share of the arm's days."""
    values = _metric(res, c.metric)[:, _week(res, c.week)]
    if c.completers is None:
        return values
    injured_share = res.metrics[:, :, M_INJURED_DAYS].sum(axis=1) / (7.0 * res.metrics.shape[1])
    kept = values[injured_share <= c.completers]
    if kept.size < 2:
        raise InputError(f"calibration check {c.label!r}: {kept.size} completers (completers: {c.completers}); "
                         "need at least 2 athletes")
    return kept


def _gain(res: Result, metric: str, week: int) -> float:
    return float(_metric(res, metric)[:, week].mean())


def _measure(c: Check, arms: dict[str, Result], sc: Scenario, params: np.ndarray | None = None) -> float:
    a = arms.get(c.arm) if c.arm else None
    b = arms.get(c.vs) if c.vs else None
    if c.measure == "value":
        return float(_metric(a, c.metric)[:, _week(a, c.week)].mean())
    if c.measure == "diff":
        va = _metric(a, c.metric)[:, _week(a, c.week)].mean()
        return float(va - _metric(b, c.metric)[:, _week(b, c.week)].mean())
    if c.measure == "change_pct":  # relative change of a metric between two weeks (e.g. 1RM detraining)
        if c.metric == "strength_pct":
            m = a.metrics[:, :, M_STRENGTH_REL]
        else:
            m = a.metrics[:, :, M_VO2MAX]
        return float(100.0 * (m[:, c.to_week - 1].mean() / m[:, c.from_week - 1].mean() - 1.0))
    if c.measure == "gain_fraction":  # share of the gain at to_week already present at from_week
        return _gain(a, c.metric, c.from_week) / _gain(a, c.metric, c.to_week)
    if c.measure == "injury_rate":
        return _injury_rate(a, c)
    if c.measure == "injury_rate_ratio":
        return _injury_rate(a, c) / _injury_rate(b, c)
    if c.measure == "hazard_ratio":  # expected injuries in the window (summed daily hazard)
        w = _window(a, c)
        return float(a.metrics[:, w, M_HAZARD].sum() / b.metrics[:, w, M_HAZARD].sum())
    if c.measure == "gain_cut_pct":  # how much arm (concurrent) cuts the gain of vs (alone)
        wk = _week(a, c.week)
        return 100.0 * (1.0 - _gain(a, c.metric, wk) / _gain(b, c.metric, wk))
    if c.measure == "cut_difference":  # power cut minus strength cut, percentage points
        wk = _week(a, c.week)
        cut_p = 1.0 - _gain(a, "power_pct", wk) / _gain(b, "power_pct", wk)
        cut_s = 1.0 - _gain(a, "strength_pct", wk) / _gain(b, "strength_pct", wk)
        return 100.0 * (cut_p - cut_s)
    if c.measure in ("quality_loss_pct", "quality_gap"):
        def loss(r: Result) -> float:
            w = _window(r, c)
            cnt = r.metrics[:, w, M_KEY_COUNT]
            q = (r.metrics[:, w, M_KEY_QUALITY] * cnt).sum() / cnt.sum()
            return 100.0 * (1.0 - q)
        return loss(a) if c.measure == "quality_loss_pct" else loss(a) - loss(b)
    if c.measure in ("impulse_peak_days", "impulse_tau_days"):
        diff = (_metric(a, "vo2_eff") - _metric(b, "vo2_eff"))[:, 1:].mean(axis=0)
        days = 7.0 * np.arange(diff.size)  # sampled each race morning (day 7); the impulse is day 7 of week 1
        if c.measure == "impulse_peak_days":
            return float(days[int(np.argmax(diff))])
        w = _window(a, c)
        t, y = days[w], diff[w]
        slope = np.polyfit(t, np.log(y), 1)[0]
        return float(-1.0 / slope)
    if c.measure in ("best_setting", "gap_to_best"):  # dose sweeps: the arm with the lowest final mean
        finals = {name: _metric(arms[name], c.metric)[:, -1].mean() for name in c.among}
        best = min(finals, key=finals.get)
        if c.measure == "best_setting":
            return float(c.among[best])
        return float(finals[c.arm] - finals[best])
    if c.measure == "injury_count_ratio":  # injuries per athlete (not per hour run)
        w = _window(a, c)
        return float(a.metrics[:, w, M_NEW_INJURIES].sum() / b.metrics[:, w, M_NEW_INJURIES].sum())
    if c.measure == "gain_ratio":
        wk = _week(a, c.week)
        return _gain(a, c.metric, wk) / _gain(b, c.metric, wk)
    if c.measure == "untrained_gap_kept":  # share of the trained-minus-untrained VO2max left at to_week
        untrained = a.cohort.athletes[:, A_VO2MAX_UNTRAINED]
        trained = a.metrics[:, c.from_week - 1, M_VO2MAX]
        left = a.metrics[:, c.to_week - 1, M_VO2MAX]
        return float((left - untrained).mean() / (trained - untrained).mean())
    if c.measure == "injury_per_km_trend":  # injuries per km in the window / in vs_window, one arm
        def per_km(w: slice) -> float:
            return float(a.metrics[:, w, M_NEW_INJURIES].sum() / a.metrics[:, w, M_RUN_KM].sum())
        lo, hi = c.vs_window
        return per_km(_window(a, c)) / per_km(slice(lo - 1, hi))
    if c.measure == "spread_cv":  # between-athlete SD / mean
        v = _per_athlete(a, c)
        return float(v.std() / v.mean())
    if c.measure == "share_below":  # share of athletes below `fraction` of the mean
        v = _per_athlete(a, c)
        return float(np.mean(v < c.fraction * v.mean()))
    if c.measure == "damage_exponent":
        return damage_exponent(sc, params=params)
    raise InputError(f"calibration measure {c.measure!r} is unknown")


def damage_exponent(sc: Scenario, ratio: float = 1.1, params: np.ndarray | None = None) -> float:
    """Fit d ln(damage) / d ln(load/capacity) from two identical easy runs on tissues of
    capacity 1 and 1/ratio (the kernel's own step_day; nothing else differs). Soft tissue and
    bone share the exponent; the soft-tissue damage is read."""
    gp = default_parameters() if params is None else params
    dv = kernel.derive(gp)
    cohort = make_cohort(sc.level, 1, sc.seed, sc.race_distance)
    ath = cohort.athletes[0]
    day = np.zeros(DAY_SIZE)
    day[D_RUN_KIND] = RUN_EASY
    day[D_RUN_KM] = 8.0
    out = []
    for cap in (1.0, 1.0 / ratio):
        st = np.zeros(STATE_SIZE)
        st[CAPACITY_REL] = cap
        st[BONE_CAPACITY_REL] = cap
        met = np.zeros(METRIC_SIZE)
        kernel.step_day(st, ath, gp, dv, day, kernel.Rules(False, False), kernel.Clock(0, 0, 0), met)
        out.append(st[DAMAGE])
    return math.log(out[1] / out[0]) / math.log(ratio)


# --------------------------------------------------------------------------- running the table
def run_scenario(sc: Scenario, athletes: int | None = None, params: np.ndarray | None = None) -> list[dict]:
    """Run every arm on one cohort (common random numbers) and evaluate the checks; `params`
    replaces the default parameter vector (a model draw)."""
    n = athletes or sc.athletes
    arms: dict[str, Result] = {}
    if sc.arms:
        cohort = make_cohort(sc.level, n, sc.seed, sc.race_distance, params,
                             sc.population.habitual_km, sc.population.strength_1rm_bw)
        for name, arm in sc.arms.items():
            weeks = []
            for b in arm.blocks:
                weeks.extend([b] * b.weeks)
            arms[name] = run(cohort, plans_to_array(weeks))
    rows = []
    for c in sc.checks:
        value = _measure(c, arms, sc, params)
        lo, hi = c.range
        rows.append({
            "id": sc.id,
            "check": c.label,
            "scenario": sc.scenario,
            "published": sc.published,
            "range": [lo, hi],
            "simulated": round(float(value), 3),
            "pass": bool(lo <= value <= hi),
            "source": sc.source,
        })
    return rows


def calibrate(athletes: int | None = None, folder: Path = CALIBRATION_DIR, progress=None,
              params: np.ndarray | None = None) -> list[dict]:
    """Every scenario's rows; `progress(done, total, scenario_id)` is called after each scenario."""
    rows: list[dict] = []
    scs = scenarios(folder)
    for i, sc in enumerate(scs, start=1):
        rows.extend(run_scenario(sc, athletes, params))
        if progress is not None:
            progress(i, len(scs), sc.id)
    return rows


def calibrate_draws(draws: np.ndarray, athletes: int | None = None, folder: Path = CALIBRATION_DIR,
                    progress=None) -> list[dict]:
    """The calibration under model uncertainty: every row run with each parameter draw
    (`sim.parameters.draw_parameters`), on the same athletes and random streams. Each row gets
    `pass_share` (share of draws inside the published range) and the 5-95% spread of the value,
    next to its value and pass on the default parameters."""
    base = calibrate(athletes, folder)
    values = np.empty((len(draws), len(base)))
    passes = np.zeros((len(draws), len(base)), dtype=bool)
    scs = scenarios(folder)
    total = len(draws) * len(scs)
    for j, gp in enumerate(draws):
        rows: list[dict] = []
        for i, sc in enumerate(scs, start=1):
            rows.extend(run_scenario(sc, athletes, gp))
            if progress is not None:
                progress(j * len(scs) + i, total, f"draw {j + 1}/{len(draws)}: {sc.id}")
        values[j] = [r["simulated"] for r in rows]
        passes[j] = [r["pass"] for r in rows]
    for k, row in enumerate(base):
        finite = values[:, k][np.isfinite(values[:, k])]
        lo, hi = np.percentile(finite, [5, 95]) if finite.size else (float("nan"), float("nan"))
        row["draws"] = len(draws)
        row["pass_share"] = round(float(passes[:, k].mean()), 3)
        row["draw_p5_p95"] = [round(float(lo), 3), round(float(hi), 3)]
    return base

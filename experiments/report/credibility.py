"""Credibility checks of a season of week plans: would a coach and a sport scientist accept it?

A plan that wins in the simulator can still be one no coach would write; issue 10 found the
full-scope policy ramping volume to the action space's ceiling, running three key sessions
and lifting three times every week to the race (the model's exploit, not a finding). These
checks say so next to every learned or optimized plan:

- **taper** (Bosquet et al. 2007, Med Sci Sports Exerc 39:1358: 8-14 days of reduced volume):
  the planned running volume (race week without the race itself) of race week and of each of the
  two weeks before it, against the mean of the `TAPER_WINDOW` (4) weeks before those: the taper
  rule of `envs.rules`, which the rule report (`experiments.plans.rules`) and the coach limits
  read too. `taper_weeks` counts the weeks, back from race week, at most `TAPER_MAX_SHARE` of
  that mean (0-3); a plan *tapers* when at least race week and the week before it are down
  (`MIN_TAPER_WEEKS`). `taper_ratio` is the taper weeks' mean volume over the weeks before.
- **periodization**: before the taper, do volume or intensity change with the season phase
  (`sim.season`) rather than stay flat? `phase_volume_range` is the range of the phases' mean
  weekly volume over the mean weekly volume, `phase_key_runs_range` the range of their mean
  key runs per week; `no_recovery_weeks` the longest stretch of consecutive pre-taper weeks
  without a recovery week (`envs.rules`: volume cut by at least `RECOVERY_CUT`, 20%, from the
  week before, as the reference plan does every fourth week). A plan *periodizes* when its volume (by
  `MIN_PHASE_VOLUME_RANGE`) or its key runs (by `MIN_PHASE_KEY_RUNS_RANGE`) differ between
  phases and no stretch without a recovery week lasts half the pre-taper weeks (ramping to a
  ceiling and holding it is not periodization).
- **the article's rules**: `experiments.plans.rules.check` on the day-by-day plan
  (`experiments.plans.season_plan`, the scheduler the simulator uses) of up to `rule_sample`
  athletes; `rule_breaks` is the mean number of violations per season, with the count per
  rule and the most common reasons.
- **the action space's maxima** (`envs.actions`): per component, the share of weeks at its
  largest choice: 3 strength sessions, hard (to failure) effort, volume raised by the largest
  step (+20%) or at the volume ceiling (2.0 x habitual km), 3 key runs, the largest long-run
  share (30%). `all_max` is the share of weeks at the maximum of all five at once: a plan that
  maxes everything is exploiting the model.
- **volume well under the runner's habit**: `under_half_volume`, the share of the weeks before
  the taper planned at less than half the runner's habitual km (`UNDER_HABIT_SHARE`). The
  optimizer found that the model charges nothing by race day for months at a fifth of the
  habitual volume followed by a late build to twice it (tissues conditioned by lifting carry the
  build): a plan doing that is exploiting the model, not coaching (docs/benchmarks.md).

`check_plans` takes one plan ((weeks, PLAN_SIZE)), one per athlete ((n, weeks, PLAN_SIZE)) or a
list of `WeekPlan`s, so learned policies, templates and optimized plan files share it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np

from agents.planners import to_plan_array
from envs.actions import LONG_SHARES, RUN_NVEC, STRENGTH_NVEC, VOLUME_MAX_REL, VOLUME_STEPS
from envs.rules import IS_RECOVERY, evaluate, taper_reference, taper_weeks
from experiments.plans.rules import RULES, check
from experiments.plans.season_plan import athlete_profile, season_plan
from sim.errors import InputError
from sim.plan import WeekPlan
from sim.season import PHASE_TAPER, TAPER_WEEKS, phase_of
from sim.state import (
    A_HABITUAL_KM,
    A_RACE_KM,
    EFFORTS,
    EMPH_NONE,
    LEVELS,
    P_EFFORT,
    P_EMPHASIS,
    P_KEY_RUNS,
    P_LONG_IS_REL,
    P_LONG_KM,
    P_RACE,
    P_RUN_IS_REL,
    P_RUN_KM,
    P_STR_SESSIONS,
    PLAN_SIZE,
)

COMPONENTS = ("sessions", "effort", "volume", "key_runs", "long_share")
MIN_TAPER_WEEKS = 2
MIN_PHASE_VOLUME_RANGE = 0.10
MIN_PHASE_KEY_RUNS_RANGE = 0.5
UNDER_HABIT_SHARE = 0.5
RULE_SAMPLE = 16
#: `Credibility.row()` without the counts of plans checked: the columns of compare's table
ROW_COLUMNS = (
    "tapers", "taper_weeks", "taper_ratio", "periodizes", "phase_volume_range", "phase_key_runs_range",
    "no_recovery_weeks", "rule_breaks", *(f"rule_breaks_{r}" for r in RULES), *(f"at_max_{c}" for c in COMPONENTS),
    "all_max", "under_half_volume",
)
_EPS = 1e-9
_RACE_DAY = dt.date(2027, 10, 10)  # any Sunday: the rules do not depend on the date


@dataclass(frozen=True)
class Credibility:
    """The checks of one policy's plans (shares and means over athlete-plans; module docstring)."""

    plans: int
    tapers: float
    taper_weeks: float
    taper_ratio: float
    periodizes: float
    phase_volume_range: float
    phase_key_runs_range: float
    no_recovery_weeks: float
    rule_plans: int
    rule_breaks: float
    rule_breaks_by_rule: dict[str, float]
    why: tuple[str, ...]
    at_max: dict[str, float]
    all_max: float
    under_half_volume: float = 0.0

    def row(self) -> dict[str, float]:
        """Flat numbers (for tables and MLflow metrics)."""
        out = {k: float(v) for k, v in asdict(self).items() if isinstance(v, (int, float))}
        out.update({f"rule_breaks_{r}": v for r, v in self.rule_breaks_by_rule.items()})
        out.update({f"at_max_{c}": v for c, v in self.at_max.items()})
        return out

    def to_dict(self) -> dict:
        d = asdict(self)
        d["why"] = list(self.why)
        return d

    def text(self) -> str:
        """One sentence: the checks in words."""
        maxed = [c for c in COMPONENTS if self.at_max[c] >= 0.5]
        parts = [
            f"tapers in {self.tapers:.0%} of plans (taper weeks {self.taper_weeks:.1f} of 3, "
            f"volume {self.taper_ratio:.0%} of the weeks before)",
            f"periodizes in {self.periodizes:.0%} (longest stretch without a recovery week "
            f"{self.no_recovery_weeks:.0f} wk)",
            f"{self.rule_breaks:.1f} rule breaks per season"
            + (f" ({'; '.join(self.why)})" if self.why else ""),
            "at the action space's maximum in most weeks: " + (", ".join(maxed) if maxed else "no component")
            + f"; every component at once in {self.all_max:.0%} of weeks",
            f"under half the habitual volume in {self.under_half_volume:.0%} of the weeks before the taper",
        ]
        return "; ".join(parts) + "."


def as_plan_array(plans: object) -> np.ndarray:
    """(m, weeks, PLAN_SIZE) from one plan array, per-athlete plan arrays or a list of WeekPlans."""
    arr = to_plan_array(plans)
    if arr.ndim != 3 or arr.shape[2] != PLAN_SIZE or arr.shape[1] < 1 or arr.shape[0] < 1:
        raise InputError(
            f"plans: shape {arr.shape} is not allowed; need (weeks, {PLAN_SIZE}) or (athletes, weeks, {PLAN_SIZE})"
        )
    if not np.all(np.isfinite(arr)):
        raise InputError("plans: values must be finite")
    return arr


def _habitual(athletes: np.ndarray | None, m: int) -> np.ndarray:
    if athletes is None:
        return np.ones(m)
    hab = np.asarray(athletes, dtype=np.float64)[:, A_HABITUAL_KM]
    return hab[:m] if len(hab) >= m else np.full(m, hab[0])


def weekly_volume_rel(plans: np.ndarray, habitual_km: np.ndarray) -> np.ndarray:
    """(m, weeks) planned running volume in multiples of each athlete's habitual km."""
    rel = plans[:, :, P_RUN_IS_REL] > 0.5
    hab = habitual_km[:, None]
    return np.where(rel, plans[:, :, P_RUN_KM], plans[:, :, P_RUN_KM] / np.where(hab > 0, hab, 1.0))


def long_share(plans: np.ndarray, volume_rel: np.ndarray, habitual_km: np.ndarray) -> np.ndarray:
    """(m, weeks) long run as a fraction of the week's volume."""
    rel = plans[:, :, P_LONG_IS_REL] > 0.5
    km = volume_rel * habitual_km[:, None]
    absolute = np.divide(plans[:, :, P_LONG_KM], km, out=np.zeros_like(km), where=km > 0)
    return np.where(rel, plans[:, :, P_LONG_KM], absolute)


def run_volume_rel(plans: np.ndarray, volume: np.ndarray, athletes: np.ndarray, m: int) -> np.ndarray:
    """(m, weeks) `volume` without the race itself (the taper rule's weekly volume, as the rule report
    reads the days), in multiples of habitual km; never below 0."""
    ath = np.asarray(athletes, dtype=np.float64)
    ath = ath[:m] if len(ath) >= m else np.repeat(ath[:1], m, axis=0)
    hab = ath[:, A_HABITUAL_KM]
    race = np.divide(ath[:, A_RACE_KM], hab, out=np.zeros(m), where=hab > 0)
    return np.maximum(volume - np.where(plans[:, :, P_RACE] > 0.5, race[:, None], 0.0), 0.0)


def taper(volume: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(taper weeks 0-3, taper ratio) per plan from (m, weeks) running volumes without the race
    (`envs.rules.evaluate`); no taper weeks and a NaN ratio if no weeks precede the taper."""
    m, n = volume.shape
    weeks, ratio = np.zeros(m), np.full(m, np.nan)
    last = volume[:, max(0, n - 1 - TAPER_WEEKS):]
    for i in range(m):
        ref = taper_reference(volume[i])
        if not np.isfinite(ref):
            continue
        weeks[i] = taper_weeks(evaluate(volume[i]))
        if ref > 0:
            ratio[i] = last[i].mean() / ref
    return weeks, ratio


def periodization(plans: np.ndarray, volume: np.ndarray) -> dict[str, np.ndarray]:
    """Per plan: phase_volume_range, phase_key_runs_range, no_recovery_weeks, periodizes (module docstring)."""
    m, n = volume.shape
    phases = np.array([phase_of(w, n) for w in range(n)])
    pre = phases != PHASE_TAPER
    key = plans[:, :, P_KEY_RUNS]
    present = [p for p in np.unique(phases[pre])]
    if not present:
        nan = np.full(m, np.nan)
        return {"phase_volume_range": nan, "phase_key_runs_range": nan, "no_recovery_weeks": np.zeros(m),
                "periodizes": np.zeros(m)}
    vol_means = np.stack([volume[:, phases == p].mean(axis=1) for p in present], axis=1)
    key_means = np.stack([key[:, phases == p].mean(axis=1) for p in present], axis=1)
    overall = volume[:, pre].mean(axis=1)
    vol_range = np.divide(np.ptp(vol_means, axis=1), overall, out=np.zeros(m), where=overall > 0)
    key_range = np.ptp(key_means, axis=1)
    plateau = _without_recovery(volume[:, pre])
    varies = (vol_range >= MIN_PHASE_VOLUME_RANGE - _EPS) | (key_range >= MIN_PHASE_KEY_RUNS_RANGE - _EPS)
    periodizes = varies & (plateau < 0.5 * pre.sum())
    return {"phase_volume_range": vol_range, "phase_key_runs_range": key_range, "no_recovery_weeks": plateau,
            "periodizes": periodizes.astype(float)}


def _without_recovery(volume: np.ndarray) -> np.ndarray:
    """Longest run of consecutive weeks none of which is a recovery week (`envs.rules.IS_RECOVERY`: a
    cut of RECOVERY_CUT from the week before)."""
    m, n = volume.shape
    if n == 0:
        return np.zeros(m)
    longest = np.ones(m)
    for i in range(m):
        recovery = (evaluate(volume[i]) & IS_RECOVERY) > 0
        run = 1.0
        for w in range(1, n):
            run = 1.0 if recovery[w] else run + 1.0
            longest[i] = max(longest[i], run)
    return longest


def at_max(plans: np.ndarray, volume: np.ndarray, share: np.ndarray) -> dict[str, np.ndarray]:
    """(m, weeks) booleans per component: is the week at the action space's largest choice?"""
    lifting = (plans[:, :, P_STR_SESSIONS] > 0.5) & (np.rint(plans[:, :, P_EMPHASIS]) != EMPH_NONE)
    prev = np.concatenate([np.ones((volume.shape[0], 1)), volume[:, :-1]], axis=1)  # week 1 starts from habitual
    step = np.divide(volume, prev, out=np.full_like(volume, np.inf), where=prev > 0) - 1.0
    return {
        "sessions": lifting & (np.rint(plans[:, :, P_STR_SESSIONS]) >= STRENGTH_NVEC[0] - 1),
        "effort": lifting & (np.rint(plans[:, :, P_EFFORT]) >= len(EFFORTS) - 1),
        "volume": (step >= VOLUME_STEPS[-1] - 1e-6) | (volume >= VOLUME_MAX_REL - 1e-6),
        "key_runs": np.rint(plans[:, :, P_KEY_RUNS]) >= RUN_NVEC[1] - 1,
        "long_share": share >= LONG_SHARES[-1] - 1e-6,
    }


def rule_sample(m: int, k: int = RULE_SAMPLE) -> np.ndarray:
    """Indices of up to `k` plans spread evenly over the `m` (the rules are checked day by day, in Python)."""
    return np.unique(np.linspace(0, m - 1, min(m, max(k, 1))).round().astype(int))


def rule_violations(plan: np.ndarray, athlete: np.ndarray, params: np.ndarray | None = None) -> list:
    """`experiments.plans.rules.check` on one season ((weeks, PLAN_SIZE)) scheduled for `athlete`."""
    n = plan.shape[0]
    if plan[-1, P_RACE] < 0.5:
        raise InputError("plans: the last week must be the race week (race: true)")
    weeks = [WeekPlan.from_array(v) for v in plan]
    start = _RACE_DAY - dt.timedelta(days=7 * n - 1)
    return check(season_plan(weeks, athlete, start, _RACE_DAY, params, annotate=False))


def check_plans(
    plans: object,
    athletes: np.ndarray | None = None,
    level: str = "intermediate",
    params: np.ndarray | None = None,
    sample: int = RULE_SAMPLE,
) -> Credibility:
    """All checks on one policy's plans (see the module docstring).

    plans: (weeks, PLAN_SIZE) shared, (m, weeks, PLAN_SIZE) one per athlete, or a list of
    WeekPlans. athletes: their profiles ((m or 1, ATHLETE_SIZE); habitual km resolves absolute
    volumes and the rules' schedule); default a typical athlete of `level`.
    """
    arr = as_plan_array(plans)
    m = arr.shape[0]
    if athletes is None:
        if level not in LEVELS:
            raise InputError(f"level: {level!r} is not a level; allowed: {', '.join(LEVELS)}")
        athletes = athlete_profile(level)[None]
    athletes = np.asarray(athletes, dtype=np.float64)
    hab = _habitual(athletes, m)
    volume = weekly_volume_rel(arr, hab)
    share = long_share(arr, volume, hab)
    t_weeks, t_ratio = taper(run_volume_rel(arr, volume, athletes, m))
    per = periodization(arr, volume)
    maxed = at_max(arr, volume, share)
    all_max = np.logical_and.reduce([maxed[c] for c in COMPONENTS])

    idx = rule_sample(m, sample)
    counts: Counter[str] = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], str] = {}
    for i in idx:
        for v in rule_violations(arr[i], athletes[min(i, len(athletes) - 1)], params):
            counts[v.rule] += 1
            key = (v.rule, _reason(v.message))
            reasons[key] += 1
            example.setdefault(key, f"{v.rule}: {_undated(v.message)}")
    k = len(idx)
    top = [f"{example[key]} ({n / k:.1f}x per season)" for key, n in reasons.most_common(2)]
    return Credibility(
        plans=m,
        tapers=float((t_weeks >= MIN_TAPER_WEEKS).mean()),
        taper_weeks=float(t_weeks.mean()),
        taper_ratio=float(np.nanmean(t_ratio)) if np.isfinite(t_ratio).any() else float("nan"),
        periodizes=float(per["periodizes"].mean()),
        phase_volume_range=float(np.nanmean(per["phase_volume_range"])),
        phase_key_runs_range=float(np.nanmean(per["phase_key_runs_range"])),
        no_recovery_weeks=float(per["no_recovery_weeks"].mean()),
        rule_plans=k,
        rule_breaks=float(sum(counts.values()) / k),
        rule_breaks_by_rule={r: counts[r] / k for r in RULES},
        why=tuple(top),
        at_max={c: float(maxed[c].mean()) for c in COMPONENTS},
        all_max=float(all_max.mean()),
        under_half_volume=float((volume[:, : max(volume.shape[1] - 1 - TAPER_WEEKS, 1)] < UNDER_HABIT_SHARE).mean()),
    )


def _undated(message: str) -> str:
    """A message without the dates of the nominal season the rules were checked on."""
    return re.sub(r" \([^()]*\)$", "", re.sub(r" (of|on) \d{4}-\d{2}-\d{2}", "", message))


def _reason(message: str) -> str:
    """A violation's message without its dates and numbers, so the same reason counts once."""
    return re.sub(r"\d+(\.\d+)?", "#", re.sub(r"\d{4}-\d{2}-\d{2}", "", message))


def check_seasons(plans_by_policy: dict[str, object], athletes: np.ndarray, params: np.ndarray | None = None,
                  sample: int = RULE_SAMPLE) -> dict[str, Credibility]:
    """`check_plans` for several policies on the same athletes."""
    return {name: check_plans(p, athletes, params=params, sample=sample) for name, p in plans_by_policy.items()}


__all__ = ["Credibility", "check_plans", "check_seasons", "COMPONENTS", "as_plan_array", "taper", "periodization",
           "at_max"]

"""What the model believes: the dose-response curves a plan optimizer would exploit.

`audit(level)` runs a fixed set of what-if experiments on ONE warmed-up population with
common random numbers (every arm meets the same athletes and the same random draws), and
returns one curve per question a coach would ask before trusting a plan made on the model:

- `volume_16w`, `volume_52w`: sustained weekly running volume (x habitual) -> race time
- `key_runs`: tempo/interval sessions per week -> race time
- `taper`: weeks of taper (60% volume, key runs kept) at the end of 16 weeks -> race time
- `strength_frequency`: 1, 2, 3 sessions per week at equal weekly hard sets -> 1RM gain
- `weekly_sets`: hard sets per lift per week (2 sessions) -> 1RM gain
- `base_volume`: 26 base weeks at 0.2-1.5x habitual (1 key run), then one and the same 16-week build
  (1.2x, 2 key runs) and 2-week taper -> race time and injured days (does a base buy anything?)
- `lifting_dose`: weekly heavy sets (sessions x sets, none to 3 x 6 at moderate effort) through a
  52-week season at habitual running -> race time and injured days (can lifting stand in for running?)
- `overload`: 4 weeks at 1.5x volume + 3 key runs + 3 hard heavy sessions, then 4 weeks
  back at normal, against the normal plan: race time difference week by week (dip, rebound)

Each curve marks its best setting (fastest race, or largest 1RM gain for the strength
curves). Nothing here tunes anything: the curves are read off the simulator as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.plan import WeekPlan, plans_to_array
from sim.state import M_INJURED_DAYS
from sim.whatif import Cohort, make_cohort, run

HABITUAL_WEEK = {"key_runs": 2, "long_run_rel": 0.3}


def _week(volume: float = 1.0, key_runs: int = 2, sessions: int = 0, sets: int | None = None,
          emphasis: str = "heavy", effort: str = "moderate") -> WeekPlan:
    strength = {"sessions": sessions, "emphasis": emphasis, "effort": effort, "placement": "after_easy"}
    if sets is not None:
        strength["sets"] = sets
    return WeekPlan(run_volume_rel=volume, key_runs=key_runs, long_run_rel=0.3, strength=strength)


@dataclass
class Curve:
    """One dose-response curve: a setting per row, the outcomes of the same athletes."""

    name: str
    question: str
    setting: str  # what the x values are
    outcome: str  # the column the best setting is chosen on
    lower_is_better: bool
    rows: list[dict] = field(default_factory=list)

    @property
    def best(self) -> dict:
        key = self.outcome
        pick = min if self.lower_is_better else max
        return pick(self.rows, key=lambda r: r[key])

    def to_dict(self) -> dict:
        return {"name": self.name, "question": self.question, "setting": self.setting, "outcome": self.outcome,
                "best": self.best[self.setting], "rows": self.rows}


def _outcomes(res, base=None) -> dict:
    at = res.athletes
    row = {
        "race_time_pct": round(float(at["race_time_pct"].mean()), 3),
        "strength_pct": round(float(at["strength_pct"].mean()), 2),
        "vo2max_pct": round(float(at["vo2max_pct"].mean()), 2),
        "injuries": round(float(at["injuries"].mean()), 3),
        "injured_days": round(float(at["injured_days"].mean()), 2),
        "run_km": round(float(at["run_km"].mean() / res.metrics.shape[1]), 1),
    }
    if base is not None:  # paired difference in race time against the reference arm, 95% CI
        d = at["race_time_pct"].to_numpy() - base.athletes["race_time_pct"].to_numpy()
        half = 1.96 * d.std(ddof=1) / np.sqrt(d.size)
        row["vs_ref_pp"] = round(float(d.mean()), 3)
        row["vs_ref_ci95"] = [round(float(d.mean() - half), 3), round(float(d.mean() + half), 3)]
    return row


def _sweep(cohort: Cohort, name: str, question: str, setting: str, values, season: Callable, outcome: str,
           lower_is_better: bool, ref) -> Curve:
    curve = Curve(name, question, setting, outcome, lower_is_better)
    results = {v: run(cohort, plans_to_array(season(v))) for v in values}
    for v in values:
        curve.rows.append({setting: v, **_outcomes(results[v], results[ref])})
    return curve


def volume_curve(cohort: Cohort, weeks: int) -> Curve:
    return _sweep(cohort, f"volume_{weeks}w", f"sustained running volume for {weeks} weeks (2 key runs, long run 30%)",
                  "volume_x_habitual", (0.5, 0.75, 1.0, 1.5, 2.0, 3.0),
                  lambda v: [_week(v)] * weeks, "race_time_pct", True, 1.0)


def key_run_curve(cohort: Cohort) -> Curve:
    return _sweep(cohort, "key_runs", "key runs per week for 16 weeks at habitual volume", "key_runs",
                  (0, 1, 2, 3), lambda k: [_week(1.0, k)] * 16, "race_time_pct", True, 2)


def taper_curve(cohort: Cohort) -> Curve:
    def season(t):
        return [_week(1.2)] * (16 - t) + [_week(0.72)] * t
    return _sweep(cohort, "taper", "taper weeks at 60% of the volume (key runs kept) ending 16 weeks at 1.2x habitual",
                  "taper_weeks", (0, 1, 2, 3, 4), season, "race_time_pct", True, 0)


# Strength curves: 10 weeks of lifting, then a race week without it, so that race time is not
# read the morning after a session (acute soreness) but after the week a plan would give.
def strength_frequency_curve(cohort: Cohort) -> Curve:
    split = {1: 6, 2: 3, 3: 2}
    return _sweep(cohort, "strength_frequency",
                  "heavy sessions per week at 6 equal weekly hard sets, 10 weeks (+1 week without lifting)",
                  "sessions", (1, 2, 3), lambda s: [_week(1.0, 2, s, split[s])] * 10 + [_week(1.0)],
                  "strength_pct", False, 1)


def weekly_sets_curve(cohort: Cohort) -> Curve:
    per = {2: 1, 4: 2, 6: 3, 8: 4, 12: 6}
    return _sweep(cohort, "weekly_sets", "weekly hard sets per lift (2 heavy sessions), 10 weeks (+1 week without "
                  "lifting)", "weekly_sets", (2, 4, 6, 8, 12),
                  lambda n: [_week(1.0, 2, 2, per[n])] * 10 + [_week(1.0)], "strength_pct", False, 6)


BUILD_AND_TAPER = [_week(1.2)] * 14 + [_week(0.72)] * 2


def base_volume_curve(cohort: Cohort) -> Curve:
    return _sweep(cohort, "base_volume", "26 base weeks at a volume (1 key run), then the same 16-week build "
                  "(1.2x, 2 key runs) and 2-week taper", "base_x_habitual", (0.2, 0.35, 0.5, 0.75, 1.0, 1.25, 1.5),
                  lambda v: [_week(v, 1)] * 26 + BUILD_AND_TAPER, "race_time_pct", True, 1.0)


LIFTING_DOSES = {0: (0, None), 3: (1, 3), 6: (2, 3), 9: (3, 3), 12: (3, 4), 18: (3, 6)}


def lifting_dose_curve(cohort: Cohort) -> Curve:
    def season(dose):
        sessions, sets = LIFTING_DOSES[dose]
        return [_week(1.0, 2, sessions, sets)] * 50 + [_week(0.72)] * 2
    return _sweep(cohort, "lifting_dose", "weekly heavy sets per lift (sessions x sets, moderate effort) through 50 "
                  "weeks at habitual running, 2-week taper without lifting", "weekly_heavy_sets",
                  tuple(LIFTING_DOSES), season, "race_time_pct", True, 0)


def overload_curve(cohort: Cohort) -> Curve:
    """Week-by-week race-time difference of an overload block and its recovery against the normal plan."""
    normal = _week(1.0, 2, 2)
    over = _week(1.5, 3, 3, emphasis="heavy", effort="hard")
    a = run(cohort, plans_to_array([normal] * 4 + [over] * 4 + [normal] * 4))
    b = run(cohort, plans_to_array([normal] * 12))
    pct_a = 100.0 * (a.race_time_min[:, 1:] / a.race_time_min[:, :1] - 1.0)
    pct_b = 100.0 * (b.race_time_min[:, 1:] / b.race_time_min[:, :1] - 1.0)
    curve = Curve("overload", "4 wk normal, 4 wk overload (1.5x, 3 key runs, 3 hard heavy), 4 wk normal; vs normal",
                  "week", "race_time_diff_pp", True)
    inj_a = a.metrics[:, :, M_INJURED_DAYS].mean(axis=0)
    inj_b = b.metrics[:, :, M_INJURED_DAYS].mean(axis=0)
    for w in range(12):
        d = pct_a[:, w] - pct_b[:, w]
        curve.rows.append({"week": w + 1, "phase": "normal" if w < 4 else ("overload" if w < 8 else "recovery"),
                           "race_time_diff_pp": round(float(d.mean()), 3),
                           "injured_days_diff": round(float(inj_a[w] - inj_b[w]), 3)})
    return curve


CURVES = ("volume_16w", "volume_52w", "key_runs", "taper", "strength_frequency", "weekly_sets", "overload",
          "base_volume", "lifting_dose")


def audit(level: str = "intermediate", athletes: int = 1000, seed: int = 0, race_distance: str = "10k",
          params: np.ndarray | None = None, curves=CURVES, progress: Callable | None = None) -> list[Curve]:
    """Every curve on one cohort (common random numbers); `progress(done, total, name)` after each."""
    cohort = make_cohort(level, athletes, seed, race_distance, params)
    makers = {
        "volume_16w": lambda: volume_curve(cohort, 16),
        "volume_52w": lambda: volume_curve(cohort, 52),
        "key_runs": lambda: key_run_curve(cohort),
        "taper": lambda: taper_curve(cohort),
        "strength_frequency": lambda: strength_frequency_curve(cohort),
        "weekly_sets": lambda: weekly_sets_curve(cohort),
        "overload": lambda: overload_curve(cohort),
        "base_volume": lambda: base_volume_curve(cohort),
        "lifting_dose": lambda: lifting_dose_curve(cohort),
    }
    out = []
    for i, name in enumerate(curves, start=1):
        out.append(makers[name]())
        if progress is not None:
            progress(i, len(curves), name)
    return out

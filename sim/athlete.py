"""Replay a real training log, day by day, through the simulator's physics.

The what-if simulator schedules week plans; a runner's log is what was actually done, one
day at a time. `replay` warms each profile up on its habitual running (`kernel.init_state`),
then steps it through the logged days with `kernel.step_day` (no pain rule: the log already
says what was done; no injury draws: injuries in a log are observed, as missing days). On a
race day the kernel's race-morning readings (effective VO2 and O2-cost factor) give the
predicted race time (Daniels & Gilbert, `kernel.race_time_min`), so a fitted profile is
judged against the runner's own races with the same equations that plan their season.

No physics here: only the loop over logged days, over many candidate profiles at once (the
least-squares fit evaluates its Jacobian in one call).
"""

from __future__ import annotations

import numpy as np

from sim import kernel
from sim._jit import njit, prange
from sim.state import (
    DAY_SIZE,
    M_COST_FACTOR,
    M_INJURED_DAYS,
    M_VO2_EFF,
    METRIC_SIZE,
    PLAN_SIZE,
    STATE_SIZE,
)

RACE_MORNING_DOW = 6  # step_day reads race-morning VO2/cost on the last day of a week


@njit(parallel=True, error_model="numpy", cache=True)
def _replay(athletes, gp, days, race_day, race_km, race_min, strength_rel, states):
    dv = kernel.derive_compiled(gp)
    n_days = days.shape[0]
    n_races = race_day.shape[0]
    for a in prange(athletes.shape[0]):
        st = states[a]
        ath = athletes[a]
        week = np.empty((7, DAY_SIZE))
        plan = np.empty(PLAN_SIZE)
        met = np.zeros(METRIC_SIZE)
        kernel.init_state(st, ath, gp, dv, week, plan, met)
        j = 0
        for d in range(n_days):
            for m in range(METRIC_SIZE):
                met[m] = 0.0
            is_race = j < n_races and race_day[j] == d
            dow = RACE_MORNING_DOW if is_race else 0
            kernel.step_day(st, ath, gp, dv, days[d], kernel.Rules(False, False), kernel.Clock(0, d, dow), met)
            while j < n_races and race_day[j] == d:
                race_min[a, j] = kernel.race_time_min(met[M_VO2_EFF], met[M_COST_FACTOR], race_km[j])
                j += 1
            strength_rel[a, d] = kernel.strength_rel(st)


def replay(athletes: np.ndarray, gp: np.ndarray, days: np.ndarray, race_day: np.ndarray, race_km: np.ndarray):
    """Warm up and replay `days` for every profile in `athletes`.

    athletes (n, ATHLETE_SIZE) candidate profiles; days (n_days, DAY_SIZE) the logged days,
    shared; race_day (k,) sorted day indices of races (the race itself is on that day's row);
    race_km (k,) their distances. Returns (race_min (n, k) predicted race times,
    strength_rel (n, n_days) 1RM / baseline at the end of each day, states (n, STATE_SIZE)
    after the last day).
    """
    athletes = np.ascontiguousarray(np.atleast_2d(athletes), dtype=np.float64)
    days = np.ascontiguousarray(days, dtype=np.float64).reshape(-1, DAY_SIZE)
    race_day = np.ascontiguousarray(race_day, dtype=np.int64)
    race_km = np.ascontiguousarray(race_km, dtype=np.float64)
    if race_day.size and np.any(np.diff(race_day) < 0):
        raise ValueError("race_day must be sorted")
    n = athletes.shape[0]
    race_min = np.zeros((n, race_day.size))
    strength_rel = np.ones((n, days.shape[0]))
    states = np.empty((n, STATE_SIZE))
    _replay(athletes, np.ascontiguousarray(gp, dtype=np.float64), days, race_day, race_km, race_min, strength_rel,
            states)
    return race_min, strength_rel, states


@njit(parallel=True, error_model="numpy", cache=True)
def _advance(states, athletes, gp, days, rules, stream, races, out):
    """rules: `kernel.Rules` (pain_rule, draw_injuries); stream = (seed, keys, day0); races = (race_day, race_km);
    out = (race_min (n, k), injured_days (n,)), filled in place."""
    seed, keys, day0 = stream
    race_day, race_km = races
    race_min, injured_days = out
    dv = kernel.derive_compiled(gp)
    n_days = days.shape[0]
    n_races = race_day.shape[0]
    for a in prange(athletes.shape[0]):
        st = states[a]
        ath = athletes[a]
        met = np.zeros(METRIC_SIZE)
        base = kernel.draw_base(seed, keys[a])
        j = 0
        for d in range(n_days):
            for m in range(METRIC_SIZE):
                met[m] = 0.0
            is_race = j < n_races and race_day[j] == d
            dow = RACE_MORNING_DOW if is_race else 0
            kernel.step_day(st, ath, gp, dv, days[d], rules, kernel.Clock(base, day0 + d, dow), met)
            injured_days[a] += met[M_INJURED_DAYS]
            while j < n_races and race_day[j] == d:
                race_min[a, j] = kernel.race_time_min(met[M_VO2_EFF], met[M_COST_FACTOR], race_km[j])
                j += 1


def advance(states: np.ndarray, athletes: np.ndarray, gp: np.ndarray, days: np.ndarray, *, pain_rule: bool = False,
            draw_injuries: bool = False, seed: int = 0, day0: int = 0, race_day=(), race_km=()):
    """Step bodies already in `states` (n, STATE_SIZE) through `days`, in place.

    Unlike `replay` there is no warm-up: this continues from where a log left a runner. With
    `draw_injuries` the counter-based streams are keyed by (seed, athlete row, day0 + day), as
    in the what-if simulator. Returns (race_min (n, k) at `race_day`, injured_days (n,)).
    """
    athletes = np.ascontiguousarray(np.atleast_2d(athletes), dtype=np.float64)
    n = athletes.shape[0]
    if states.shape != (n, STATE_SIZE) or not states.flags.c_contiguous:
        raise ValueError("states must be a C-contiguous (n, STATE_SIZE) array matching athletes")
    days = np.ascontiguousarray(days, dtype=np.float64).reshape(-1, DAY_SIZE)
    race_day = np.ascontiguousarray(race_day, dtype=np.int64)
    race_km = np.ascontiguousarray(race_km, dtype=np.float64)
    race_min = np.zeros((n, race_day.size))
    injured = np.zeros(n)
    _advance(states, athletes, np.ascontiguousarray(gp, dtype=np.float64), days,
             kernel.Rules(bool(pain_rule), bool(draw_injuries)),
             (int(seed), np.arange(n, dtype=np.int64), int(day0)), (race_day, race_km), (race_min, injured))
    return race_min, injured


def _refresh_jit_cache() -> None:
    """These kernels inline `sim.kernel`: recompile them when the simulator sources change (`sim._jitcache`)."""
    import sys
    from pathlib import Path

    from sim import _jitcache

    module = sys.modules.get(__name__)
    if module is not None:  # None when executed from a file spec
        _jitcache.refresh((module,), Path(__file__).parent / "__pycache__" / "athlete_sources.sha256")


_refresh_jit_cache()

__all__ = ["replay", "advance"]

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
from sim._jit import borrowed, njit
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
# Rows from which `replay` and `advance` use several threads: a row is a warm-up of up to two years and a log
# (several seasons of days), so threads pay off on fewer rows than the season kernel's.
REPLAY_MIN_ROWS = 8


@njit(error_model="numpy", cache=True)
def _log_days(st, ath, gp, dv, log, rules, clock0, out, met):
    """One body through a log, in place: `replay` and `advance` share this one compiled copy of the day loop.

    log = (days (n_days, DAY_SIZE), race_day (k,), race_km (k,)); rules: `kernel.Rules`; clock0 = (stream root,
    stream counter of the first day); out = (race_min (k,), strength_rel (n_days,)), filled; met: scratch
    (METRIC_SIZE). Returns the injured days.
    """
    days, race_day, race_km = log
    race_min, strength_rel = out
    base, day0 = clock0
    k = kernel.athlete_constants(ath, gp, dv)  # what `kernel.step_day` computes every day
    n_races = race_day.shape[0]
    injured = 0.0
    j = 0
    for d in range(days.shape[0]):
        for m in range(METRIC_SIZE):
            met[m] = 0.0
        is_race = j < n_races and race_day[j] == d
        dow = RACE_MORNING_DOW if is_race else 0
        kernel.step_days(st, ath, gp, dv, k, days[d : d + 1], rules, kernel.Days(base, day0 + d, 1, dow), met)
        injured += met[M_INJURED_DAYS]
        while j < n_races and race_day[j] == d:
            race_min[j] = kernel.race_time_min(met[M_VO2_EFF], met[M_COST_FACTOR], race_km[j])
            j += 1
        strength_rel[d] = kernel.strength_rel(st)
    return injured


@njit(error_model="numpy", cache=True, nogil=True)
def _replay_rows(athletes, gp, dv, log, clock0, out, states, scratch):
    """`replay`'s loop over rows, in the calling thread (`kernel.in_threads` runs slices of the rows on several
    threads). out = (race_min, strength_rel); scratch = (weeks (n, 7, DAY_SIZE), plans, mets) rows. clock0 = (0,
    0) is an argument, typed as `advance`'s (a literal would compile `_log_days` a second time). The arrays are
    `borrowed` (no reference counting in the loop)."""
    athletes, gp, dv, log, states = borrowed(athletes), borrowed(gp), borrowed(dv), borrowed(log), borrowed(states)
    (race_min, strength_rel), (weeks, plans, mets) = borrowed(out), borrowed(scratch)
    for a in range(athletes.shape[0]):
        kernel.init_state(states[a], athletes[a], gp, dv, weeks[a], plans[a], mets[a])
        _log_days(states[a], athletes[a], gp, dv, log, kernel.Rules(False, False), clock0,
                  (race_min[a], strength_rel[a]), mets[a])


def replay(athletes: np.ndarray, gp: np.ndarray, days: np.ndarray, race_day: np.ndarray, race_km: np.ndarray):
    """Warm up and replay `days` for every profile in `athletes`.

    athletes (n, ATHLETE_SIZE) candidate profiles; days (n_days, DAY_SIZE) the logged days,
    shared; race_day (k,) sorted day indices of races (the race itself is on that day's row);
    race_km (k,) their distances. Returns (race_min (n, k) predicted race times,
    strength_rel (n, n_days) 1RM / baseline at the end of each day, states (n, STATE_SIZE)
    after the last day).
    """
    athletes = np.ascontiguousarray(np.atleast_2d(athletes), dtype=np.float64)
    log = _log(days, race_day, race_km)
    if log[1].size and np.any(np.diff(log[1]) < 0):
        raise ValueError("race_day must be sorted")
    n, n_days = athletes.shape[0], log[0].shape[0]
    gp = np.ascontiguousarray(gp, dtype=np.float64)
    out = (np.zeros((n, log[1].size)), np.ones((n, n_days)))
    states = np.empty((n, STATE_SIZE))
    scratch = (np.empty((n, 7, DAY_SIZE)), np.empty((n, PLAN_SIZE)), np.zeros((n, METRIC_SIZE)))
    kernel.in_threads(_replay_rows, n, (athletes, gp, kernel.derive(gp), log, (0, 0), out, states, scratch),
                      (0, 5, 6, 7), REPLAY_MIN_ROWS)
    return out[0], out[1], states


@njit(error_model="numpy", cache=True, nogil=True)
def _advance_rows(bodies, gp, dv, log, rules, stream, out, mets):
    """`advance`'s loop over rows: bodies = (states, athletes, stream keys); stream = (seed, day0); out =
    (race_min, injured days, strength_rel (scratch)); mets: scratch rows. As `_replay_rows`."""
    (states, athletes, keys), gp, dv, log = borrowed(bodies), borrowed(gp), borrowed(dv), borrowed(log)
    (race_min, injured, strength_rel), mets = borrowed(out), borrowed(mets)
    seed, day0 = stream
    for a in range(athletes.shape[0]):
        clock0 = (kernel.draw_base(seed, keys[a]), day0)
        injured[a] += _log_days(states[a], athletes[a], gp, dv, log, rules, clock0, (race_min[a], strength_rel[a]),
                                mets[a])


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
    log = _log(days, race_day, race_km)
    gp = np.ascontiguousarray(gp, dtype=np.float64)
    out = (np.zeros((n, log[1].size)), np.zeros(n), np.empty((n, log[0].shape[0])))
    kernel.in_threads(_advance_rows, n, ((states, athletes, np.arange(n, dtype=np.int64)), gp, kernel.derive(gp), log,
                                         kernel.Rules(bool(pain_rule), bool(draw_injuries)), (int(seed), int(day0)),
                                         out, np.zeros((n, METRIC_SIZE))), (0, 6, 7), REPLAY_MIN_ROWS)
    return out[0], out[1]


def _log(days, race_day, race_km) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(days (n_days, DAY_SIZE), race_day (k,) int64, race_km (k,)) as the kernels take them."""
    return (np.ascontiguousarray(days, dtype=np.float64).reshape(-1, DAY_SIZE),
            np.ascontiguousarray(race_day, dtype=np.int64), np.ascontiguousarray(race_km, dtype=np.float64))


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

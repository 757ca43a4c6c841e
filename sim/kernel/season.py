"""Athletes through weeks: the batch season kernel (`prange` over athletes) and the warm-up."""

import math
import types
from typing import NamedTuple

import numpy as np

from sim import parameters as P
from sim import state as S
from sim._jit import njit, prange

from .day import Clock, Rules, athlete_constants, step_day_with, week_end
from .derived import derive
from .rng import draw_base
from .schedule import schedule_week


class Week(NamedTuple):
    """Where a week's days sit in the random streams: the stream root `draw_base(seed, key)`, the
    stream counter of its first day and the counter's step from one day to the next (1; 0 in the
    warm-up, whose days all read counter 0)."""

    base: int
    day0: int
    day_step: int


@njit(error_model='numpy', cache=True)
def step_week(st, ath, gp, dv, k, days, rules, week, met):
    """Seven days (`step_day_with`) of one athlete with its `Constants` k: the one compiled copy of the
    day's physics that the season, the warm-up and the envs share (a first call compiles it once)."""
    base, day0, day_step = week
    for d in range(7):
        step_day_with(st, ath, gp, dv, k, days[d], rules, Clock(base, day0 + day_step * d, d), met)


@njit(error_model='numpy', cache=True, inline='always')
def _same_plan(plans, w):
    """Week w's plan equals week w - 1's (then its seven days are the same: `schedule_week` is a
    function of plan, athlete and parameters only)."""
    if w == 0:
        return False
    a, b = plans[w], plans[w - 1]
    for i in range(S.PLAN_SIZE):
        if a[i] != b[i]:
            return False
    return True


@njit(error_model='numpy', cache=True)
def simulate_athlete(st, ath, gp, dv, plans, base, day0, out, days):
    """One athlete through len(plans) weeks; out is (n_weeks, METRIC_SIZE), overwritten."""
    k = athlete_constants(ath, gp, dv)
    for w in range(plans.shape[0]):
        plan = plans[w]
        met = out[w]
        for m in range(S.METRIC_SIZE):
            met[m] = 0.0
        if not _same_plan(plans, w):
            schedule_week(plan, ath, gp, days)
        step_week(st, ath, gp, dv, k, days, Rules(plan[S.P_PAIN_RULE] > 0.5, True), Week(base, day0 + 7 * w, 1), met)
        week_end(st, ath, gp, met)


def _simulate_rows(states, athletes, gp, dv, plans, seed, keys, day0, out, days):
    """`simulate`'s loop (days: (n, 7, DAY_SIZE) scratch); compiled twice below (`prange` is `range` when
    `parallel` is off)."""
    stride = 0 if plans.shape[0] == 1 else 1
    for a in prange(states.shape[0]):
        base = draw_base(seed, keys[a])
        simulate_athlete(states[a], athletes[a], gp, dv, plans[a * stride], base, day0, out[a], days[a])


def _renamed(fn, name):
    """A copy of plain function `fn` under another name: numba's on-disk cache keys a function by
    module, name and bytecode, not by its `parallel` flag, so each compilation of one body needs a
    name of its own (as `envs.core._named`)."""
    copy = types.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = name
    copy.__doc__ = fn.__doc__
    return copy


# Rows are independent, so the serial and the threaded loop give bit-identical results. Below this
# many athletes one thread is used: threads gain little on a few seasons, and a first call with a
# small batch (the CLI, a test) then compiles no parallel loop (numba's parfor passes cost seconds).
PARALLEL_MIN_ATHLETES = 64
# The loops allocate nothing (`simulate` and `init_states` pass scratch arrays). They were compiled
# without numba's reference counting (numba's private `_nrt=False`) for ~16% per CPU-second; that was
# taken out again: a process that compiled the kernels on a cold cache died once with a heap error
# ("malloc(): unaligned tcache chunk"), and numba's cache does not record the flag, so kernels compiled
# with and without reference counting can meet. Speed is not worth a memory-safety doubt.
_NO_REFCOUNTS: dict[str, bool] = {}
_simulate_serial = njit(error_model='numpy', cache=True, **_NO_REFCOUNTS)(
    _renamed(_simulate_rows, "_simulate_serial"))
_simulate_parallel = njit(parallel=True, error_model='numpy', cache=True, **_NO_REFCOUNTS)(
    _renamed(_simulate_rows, "_simulate_parallel"))


def simulate(states, athletes, gp, plans, seed, keys, day0, out):
    """Batch: every athlete through the weeks of its plan, in parallel over athletes (from
    PARALLEL_MIN_ATHLETES athletes on; results are the same either way).

    states (n, STATE_SIZE) advance in place; athletes (n, ATHLETE_SIZE); plans (1 or n,
    n_weeks, PLAN_SIZE), a single row being shared by all; keys (n,) int64 athlete keys for
    the random streams; day0: season day of the first day; out (n, n_weeks, METRIC_SIZE).
    """
    run = _simulate_parallel if states.shape[0] >= PARALLEL_MIN_ATHLETES else _simulate_serial
    run(states, athletes, gp, derive(gp), plans, seed, keys, day0, out, np.empty((states.shape[0], 7, S.DAY_SIZE)))


@njit(error_model='numpy', cache=True, inline='always')
def habitual_plan(ath, plan):
    """The athlete's usual week before the season: habitual km, level-typical key runs, no lifting."""
    for i in range(S.PLAN_SIZE):
        plan[i] = 0.0
    plan[S.P_RUN_KM] = 1.0
    plan[S.P_RUN_IS_REL] = 1.0
    plan[S.P_KEY_RUNS] = ath[S.A_LEVEL]
    plan[S.P_LONG_KM] = 0.3
    plan[S.P_LONG_IS_REL] = 1.0
    plan[S.P_KEY_KIND] = S.RUN_TEMPO
    plan[S.P_PAIN_RULE] = 1.0


WARMUP_MIN_WEEKS = 12
WARMUP_MAX_WEEKS = 104


@njit(error_model='numpy', cache=True, inline='always')
def init_state(st, ath, gp, dv, days, plan, met):
    """Warm one athlete up from a detrained body through their running history.

    The history is the habitual week for min(training age, 2 years) (at least 12 weeks),
    without injury draws, so fitness, fatigue, capacity and damage start at the level the
    athlete's history gives: a novice's tissues have had less time to adapt.
    """
    for i in range(S.STATE_SIZE):
        st[i] = 0.0
    st[S.CAPACITY_REL] = gp[P.CAPACITY_FLOOR]
    st[S.BONE_CAPACITY_REL] = gp[P.BONE_CAPACITY_FLOOR]
    habitual_plan(ath, plan)
    weeks = int(min(max(ath[S.A_TRAINING_AGE_Y] * 52.0, WARMUP_MIN_WEEKS), WARMUP_MAX_WEEKS))
    # The years before the simulated history: habitual running, for the running base and the km behind them.
    before_d = max(ath[S.A_TRAINING_AGE_Y] * 52.0 - weeks, 0.0) * 7.0
    st[S.CUMULATIVE_KM] = ath[S.A_HABITUAL_KM] / 7.0 * before_d
    st[S.BASE_KM_D] = ath[S.A_HABITUAL_KM] / 7.0 * (1.0 - math.exp(-before_d / gp[P.TAU_BASE_D]))
    k = athlete_constants(ath, gp, dv)
    schedule_week(plan, ath, gp, days)  # the same habitual week throughout
    for _ in range(weeks):
        step_week(st, ath, gp, dv, k, days, Rules(True, False), Week(0, 0, 0), met)
    # The durable pool has followed the athlete's fitness for their whole training age (the simulated
    # history starts it from zero, which would leave years of training out).
    st[S.DURABLE_AU] = st[S.FITNESS_AU] * (1.0 - math.exp(-ath[S.A_TRAINING_AGE_Y] * 365.0 / gp[P.TAU_DURABLE_D]))


def _init_rows(athletes, gp, dv, states, days, plans, mets):
    """`init_states`' loop over scratch rows (days (n, 7, DAY_SIZE), plans (n, PLAN_SIZE), mets (n,
    METRIC_SIZE)); compiled twice below, as `_simulate_rows`."""
    for a in prange(athletes.shape[0]):
        init_state(states[a], athletes[a], gp, dv, days[a], plans[a], mets[a])


_init_serial = njit(error_model='numpy', cache=True, **_NO_REFCOUNTS)(_renamed(_init_rows, "_init_serial"))
_init_parallel = njit(parallel=True, error_model='numpy', cache=True, **_NO_REFCOUNTS)(
    _renamed(_init_rows, "_init_parallel"))


def init_states(athletes, gp, states):
    """Warm-up of every athlete (see `init_state`), in parallel from PARALLEL_MIN_ATHLETES athletes on;
    states (n, STATE_SIZE) overwritten."""
    n = athletes.shape[0]
    run = _init_parallel if n >= PARALLEL_MIN_ATHLETES else _init_serial
    run(athletes, gp, derive(gp), states, np.empty((n, 7, S.DAY_SIZE)), np.empty((n, S.PLAN_SIZE)),
        np.zeros((n, S.METRIC_SIZE)))

"""Athletes through weeks: the batch season kernel (rows over threads) and the warm-up."""

import math
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from sim import parameters as P
from sim import state as S
from sim._jit import borrowed, get_num_threads, njit

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


@njit(error_model='numpy', cache=True, nogil=True)
def simulate_rows(states, athletes, gp, dv, plans, seed, keys, day0, out, days):
    """`simulate`'s loop over rows (days: (n, 7, DAY_SIZE) scratch), in the calling thread; numba releases
    the GIL, so `simulate` runs slices of the rows on several Python threads at once. The arrays are
    `borrowed` (no reference counting in the loop)."""
    states, athletes, gp, dv, plans = borrowed(states), borrowed(athletes), borrowed(gp), borrowed(dv), borrowed(plans)
    keys, out, days = borrowed(keys), borrowed(out), borrowed(days)
    stride = 0 if plans.shape[0] == 1 else 1
    for a in range(states.shape[0]):
        base = draw_base(seed, keys[a])
        simulate_athlete(states[a], athletes[a], gp, dv, plans[a * stride], base, day0, out[a], days[a])


# Rows are independent, so any split of the rows over threads gives bit-identical results. Below this
# many athletes one thread is used (threads gain little on a few seasons).
PARALLEL_MIN_ATHLETES = 64
# Slices per thread: more slices than threads keep the threads busy when one of them is slowed down
# (seasons differ in cost; other processes take a core for a while).
SLICES_PER_THREAD = 4
# The loops allocate nothing (`simulate` and `init_states` pass scratch arrays) and take their arrays
# `borrowed`: numba then counts no references in them (it counted them on every view and call, 30% of a
# one-thread season). That is as fast as numba's private `_nrt=False` flag (10.36 against 10.37 M
# athlete-days per CPU-second), which was used before and taken out: a process that compiled the kernels
# on a cold cache died once with a heap error, and numba's cache does not record the flag.
#
# Threads: numba's `parallel=True` loop (`prange`) was used until issue 26's second round. The rows now
# run on Python threads, each calling the one-thread loop on a slice (numba releases the GIL): a first
# call compiles no parallel loop (numba's parfor passes were about 3 of the 12.6 s of a first
# `stridelab simulate`), and slices are handed out as threads free up instead of in fixed halves.


def _threads() -> int:
    """Threads for a batch: numba's thread count (NUMBA_NUM_THREADS, `numba.set_num_threads`)."""
    return get_num_threads()


def in_threads(kernel_fn, n: int, args: tuple, rows: tuple[int, ...], min_rows: int | None = None) -> None:
    """Call `kernel_fn(*args)` on slices of the first axis of the arguments at positions `rows` (each (n, ...), or
    a tuple of such arrays), on up to `_threads()` threads, or once on all rows below `min_rows` rows (default
    PARALLEL_MIN_ATHLETES, for rows costing about a season each) or with one thread. The kernel must treat rows
    independently and release the GIL (`nogil=True`)."""
    threads = _threads() if n >= (PARALLEL_MIN_ATHLETES if min_rows is None else min_rows) else 1
    if threads <= 1:
        kernel_fn(*args)
        return
    bounds = np.linspace(0, n, min(threads * SLICES_PER_THREAD, n) + 1).astype(np.int64)

    def rows_of(a, lo: int, hi: int):
        return tuple(x[lo:hi] for x in a) if isinstance(a, tuple) else a[lo:hi]

    def run(j: int) -> None:
        lo, hi = bounds[j], bounds[j + 1]
        kernel_fn(*(rows_of(a, lo, hi) if i in rows else a for i, a in enumerate(args)))

    with ThreadPoolExecutor(threads) as pool:  # a pool per call: a pool made before a fork is dead after it
        for done in [pool.submit(run, j) for j in range(bounds.size - 1)]:
            done.result()  # re-raises a kernel's error


def simulate(states, athletes, gp, plans, seed, keys, day0, out):
    """Batch: every athlete through the weeks of its plan, on several threads (from
    PARALLEL_MIN_ATHLETES athletes on; results are the same either way).

    states (n, STATE_SIZE) advance in place; athletes (n, ATHLETE_SIZE); plans (1 or n,
    n_weeks, PLAN_SIZE), a single row being shared by all; keys (n,) int64 athlete keys for
    the random streams; day0: season day of the first day; out (n, n_weeks, METRIC_SIZE).
    """
    n = states.shape[0]
    rows = (0, 1, 6, 8, 9) if plans.shape[0] == 1 else (0, 1, 4, 6, 8, 9)
    in_threads(simulate_rows, n, (states, athletes, gp, derive(gp), plans, seed, keys, day0, out,
                                  np.empty((n, 7, S.DAY_SIZE))), rows)


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


@njit(error_model='numpy', cache=True, nogil=True)
def init_rows(athletes, gp, dv, states, days, plans, mets):
    """`init_states`' loop over scratch rows (days (n, 7, DAY_SIZE), plans (n, PLAN_SIZE), mets (n,
    METRIC_SIZE)), in the calling thread, its arrays `borrowed` (as `simulate_rows`)."""
    athletes, gp, dv, states = borrowed(athletes), borrowed(gp), borrowed(dv), borrowed(states)
    days, plans, mets = borrowed(days), borrowed(plans), borrowed(mets)
    for a in range(athletes.shape[0]):
        init_state(states[a], athletes[a], gp, dv, days[a], plans[a], mets[a])


def init_states(athletes, gp, states):
    """Warm-up of every athlete (see `init_state`), on several threads from PARALLEL_MIN_ATHLETES athletes
    on; states (n, STATE_SIZE) overwritten."""
    n = athletes.shape[0]
    in_threads(init_rows, n, (athletes, gp, derive(gp), states, np.empty((n, 7, S.DAY_SIZE)),
                              np.empty((n, S.PLAN_SIZE)), np.zeros((n, S.METRIC_SIZE))), (0, 3, 4, 5, 6))

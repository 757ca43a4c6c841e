"""Athletes through weeks: the batch season kernel (rows over threads) and the warm-up."""

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sim import parameters as P
from sim import state as S
from sim._jit import borrowed, get_num_threads, njit

from .day import Days, Rules, athlete_constants, step_days, week_end
from .derived import derive
from .rng import draw_base
from .schedule import schedule_week


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


@njit(error_model='numpy', cache=True, inline='always')
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
        step_days(st, ath, gp, dv, k, days, Rules(plan[S.P_PAIN_RULE] > 0.5, True), Days(base, day0 + 7 * w, 1, 0), met)
        week_end(st, ath, gp, met)


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
# `stridelab simulate`), and slices are handed out as threads free up instead of in fixed halves. Since
# issue 26's fourth round the helper threads are kept between calls (`_pool`) and the calling thread takes
# slices too (`run_in_threads`), which the env's week-by-week step needs (a call every ~0.5 ms).


def _threads() -> int:
    """Threads for a batch: numba's thread count (NUMBA_NUM_THREADS, `numba.set_num_threads`)."""
    return get_num_threads()


_POOL: list = [None, 0, 0]  # [executor, process id, threads]: one pool per process, made on first need
_WORKER = threading.local()  # .busy in the pool's threads: a kernel run there runs its rows itself


def _pool(threads: int) -> ThreadPoolExecutor:
    """The process's helper threads (kept between calls: a per-call pool costs about 0.1 ms, a tenth of an
    env step of 1,024 athletes). A child process after a fork, or a new thread count, gets a new pool (the
    threads of a pool made before a fork do not exist in the child)."""
    pool, pid, n = _POOL
    if pool is None or pid != os.getpid() or n != threads:
        if pool is not None and pid == os.getpid():
            pool.shutdown(wait=False)
        pool = ThreadPoolExecutor(threads, thread_name_prefix="stridelab-rows", initializer=_mark_worker)
        _POOL[:] = [pool, os.getpid(), threads]
    return pool


def _mark_worker() -> None:
    _WORKER.busy = True


def _rows_of(a, lo: int, hi: int):
    """Rows lo:hi of an array, or of every array of a (named) tuple (a named tuple keeps its type)."""
    if isinstance(a, tuple):
        rows = [x[lo:hi] for x in a]
        return type(a)(*rows) if hasattr(a, "_fields") else tuple(rows)
    return a[lo:hi]


def row_slices(n: int, args: tuple, rows: tuple[int, ...], pieces: int) -> list[tuple]:
    """`args` cut into `pieces` slices of the first axis of the arguments at positions `rows` (each (n, ...),
    or a (named) tuple of such arrays; the others are passed whole): a list of argument tuples."""
    bounds = np.linspace(0, n, min(pieces, n) + 1).astype(np.int64)
    return [tuple(_rows_of(a, lo, hi) if i in rows else a for i, a in enumerate(args))
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def run_in_threads(kernel_fn, arg_tuples: list[tuple], threads: int) -> None:
    """`kernel_fn(*args)` for every argument tuple, on `threads` threads: the calling thread and the process's
    helper threads take the next tuple as they free up. The kernel must release the GIL (`nogil=True`)."""
    if threads <= 1 or len(arg_tuples) <= 1 or getattr(_WORKER, "busy", False):
        for args in arg_tuples:
            kernel_fn(*args)
        return
    todo = iter(arg_tuples)
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                args = next(todo, None)
            if args is None:
                return
            kernel_fn(*args)

    # The calling thread works too: it is running already, while a waiting helper has to be woken (on a
    # virtual machine that can take a good part of an env step).
    helpers = [_pool(threads - 1).submit(work) for _ in range(min(threads, len(arg_tuples)) - 1)]
    try:
        work()
    finally:
        for done in helpers:
            done.result()  # re-raises a kernel's error


def in_threads(kernel_fn, n: int, args: tuple, rows: tuple[int, ...], min_rows: int | None = None) -> None:
    """Call `kernel_fn(*args)` on slices of the first axis of the arguments at positions `rows` (each (n, ...), or
    a (named) tuple of such arrays), SLICES_PER_THREAD slices per thread on up to `_threads()` threads
    (`run_in_threads`), or once on all rows below `min_rows` rows (default PARALLEL_MIN_ATHLETES, for rows
    costing about a season each). The kernel must treat rows independently and release the GIL (`nogil=True`)."""
    threads = _threads() if n >= (PARALLEL_MIN_ATHLETES if min_rows is None else min_rows) else 1
    if threads <= 1 or getattr(_WORKER, "busy", False):
        kernel_fn(*args)
        return
    run_in_threads(kernel_fn, row_slices(n, args, rows, threads * SLICES_PER_THREAD), threads)


def simulate(states, athletes, gp, plans, seed, keys, day0, out):
    """Batch: every athlete through the weeks of its plan, on several threads (from
    PARALLEL_MIN_ATHLETES athletes on; results are the same either way).

    states (n, STATE_SIZE) advance in place; athletes (n, ATHLETE_SIZE); plans (1 or n,
    n_weeks, PLAN_SIZE), a single row being shared by all; keys (n,) int64 athlete keys for
    the random streams; day0: season day of the first day; out (n, n_weeks, METRIC_SIZE).
    """
    n = states.shape[0]
    rows = (0, 1, 5, 7, 8) if plans.shape[0] == 1 else (0, 1, 3, 5, 7, 8)
    in_threads(season_rows, n,
               (states, athletes, (gp, derive(gp)), plans, seed, keys, day0, out, scratch_rows(n), False), rows)


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
        step_days(st, ath, gp, dv, k, days, Rules(True, False), Days(0, 0, 0, 0), met)
    # The durable pool has followed the athlete's fitness for their whole training age (the simulated
    # history starts it from zero, which would leave years of training out).
    st[S.DURABLE_AU] = st[S.FITNESS_AU] * (1.0 - math.exp(-ath[S.A_TRAINING_AGE_Y] * 365.0 / gp[P.TAU_DURABLE_D]))


@njit(error_model='numpy', cache=True, nogil=True)
def season_rows(states, athletes, params, plans, seed, keys, day0, out, scratch, warm_up):
    """The loop over rows of `simulate` and `init_states` (one compiled loop: each loop that calls the day's
    physics makes numba link, optimise and compile all of it again on a first call): with `warm_up` each row
    is warmed up first (`init_state`), then taken through the weeks of `plans` (none for `init_states`).

    params = (gp, dv); scratch = (days (n, 7, DAY_SIZE), plans (n, PLAN_SIZE), metrics (n, METRIC_SIZE)) rows;
    the rest as `simulate`'s. In the calling thread (numba releases the GIL: `in_threads` runs slices of the
    rows on several threads), its arrays `borrowed` (no reference counting in the loop).
    """
    states, athletes, plans = borrowed(states), borrowed(athletes), borrowed(plans)
    keys, out = borrowed(keys), borrowed(out)
    (gp, dv), (days, plan_rows, met_rows) = borrowed(params), borrowed(scratch)
    stride = 0 if plans.shape[0] == 1 else 1
    for a in range(states.shape[0]):
        if warm_up:
            init_state(states[a], athletes[a], gp, dv, days[a], plan_rows[a], met_rows[a])
        if plans.shape[1] > 0:
            simulate_athlete(states[a], athletes[a], gp, dv, plans[a * stride], draw_base(seed, keys[a]), day0, out[a],
                             days[a])


def scratch_rows(n: int) -> tuple:
    """`season_rows`' scratch rows for n athletes."""
    return np.empty((n, 7, S.DAY_SIZE)), np.empty((n, S.PLAN_SIZE)), np.zeros((n, S.METRIC_SIZE))


def init_states(athletes, gp, states):
    """Warm-up of every athlete (see `init_state`), on several threads from PARALLEL_MIN_ATHLETES athletes
    on; states (n, STATE_SIZE) overwritten."""
    n = athletes.shape[0]
    no_weeks = np.empty((1, 0, S.PLAN_SIZE))
    in_threads(season_rows, n, (states, athletes, (gp, derive(gp)), no_weeks, 0, np.zeros(n, dtype=np.int64), 0,
                                np.empty((n, 0, S.METRIC_SIZE)), scratch_rows(n), True), (0, 1, 5, 7, 8))

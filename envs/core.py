"""The numba step shared by the single and the batched env: decode -> simulate -> reward -> observe.

The kernels read and write four bundles (namedtuples of arrays, which numba takes as
arguments; gymnax splits `EnvState` / `EnvParams` the same way):

    Batch     the env state of n athlete rows, read and written by every step:
      states (n, STATE_SIZE)   the body (sim.state layout), advanced by `kernel.simulate_athlete`
      aths   (n, ATHLETE_SIZE) the profile
      ctrl   (n, CTRL_SIZE)    what the env remembers (week, histories, reference race times; C_*)
      obs    (n, OBS_SIZE)     float32 observation
      plans  (n, 1, PLAN_SIZE), mets (n, 1, METRIC_SIZE), days (n, 7, DAY_SIZE)  this week's plan,
                               metrics and schedule (reused, no allocation per step)
    Params    what a step only reads: gp (sim.parameters), dv (`kernel.derive(gp)`), cfg
              (`EnvConfig.to_cfg()`, layout CF_*) and the race-time table (`envs.reward.race_table`)
    Starts    the athlete each row starts its next season with: aths, states (warmed up), base
              (the random-stream base), drawn in Python before the step so auto-reset stays in numba
    StepOut   what a batch step reports per row besides obs: rewards, term, trunc, term_obs (the
              last observation of a finished season) and final_race (its race time)

`step_single` (one athlete) and `step_batch_serial` (all rows in one thread, auto-reset included; on
threads through `ThreadedStep`) all call `step_slot`, and every reset calls `begin_episode`, so the two
envs cannot drift apart.
Season day of week w's first day is 7 * w, as in `sim.whatif.run` (day0 = 0), so an env
built from a cohort meets the same random draws as the what-if simulator.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from envs.actions import (
    RUN_NVEC,
    SCOPE_STRENGTH_AND_RUN,
    STRENGTH_NVEC,
    VOL_STATE_SIZE,
    action_mask,
    advance_volume_state,
    decode_action,
    volume_state_start,
)
from envs.config import CF_LIMITS, CF_MAX_WEEKS, CF_PAIN_RULE, CF_SCOPE, CF_SEASON_WEEKS, LIMITS_SIZE
from envs.observation import (
    C_BASE,
    C_COST0,
    C_ERR,
    C_FATIGUE_REF,
    C_KEY_PACE,
    C_KM_HIST,
    C_LOAD_HIST,
    C_PREV_VOL,
    C_RACE_T,
    C_REWARD,
    C_T0,
    C_TERM,
    C_TPREV,
    C_TRUNC,
    C_VO2EFF0,
    C_VO2MAX0,
    C_VOL_STATE,
    C_WEEK,
    CTRL_SIZE,
    HIST,
    OBS_SIZE,
    observe,
    push_history,
)
from envs.reward import race_time_week, week_reward
from sim import kernel
from sim._jit import borrowed, njit
from sim.state import (
    A_HABITUAL_KM,
    A_LEVEL,
    A_RACE_KM,
    ATHLETE_SIZE,
    DAY_SIZE,
    FATIGUE_AU,
    M_COST_FACTOR,
    M_LOAD_AU,
    M_RUN_KM,
    M_VO2_EFF,
    M_VO2MAX,
    METRIC_SIZE,
    P_PAIN_RULE,
    P_RUN_KM,
    PLAN_SIZE,
    STATE_SIZE,
)

NVEC_ALL = STRENGTH_NVEC + RUN_NVEC
assert C_VOL_STATE + VOL_STATE_SIZE <= CTRL_SIZE


@njit(cache=True)
def n_components(cfg):
    return len(NVEC_ALL) if int(cfg[CF_SCOPE]) == SCOPE_STRENGTH_AND_RUN else len(STRENGTH_NVEC)


@njit(cache=True)
def begin_episode(i, starts, batch, params):
    """Start athlete row i's season from starts row i (a warmed-up body); write the week-0 observation.

    The 'last week' a coach sees before the season is the athlete's habitual week, simulated
    on a copy of the body without injury draws (season days -7..-1), so the body that starts
    the season is exactly `starts.states[i]`. plans[i] / mets[i] keep the last season's final week.
    """
    gp, dv, cfg, table = params.gp, params.dv, params.cfg, params.table
    base = starts.base[i]
    st = batch.states[i]
    ath = batch.aths[i]
    c = batch.ctrl[i]
    days = batch.days[i]
    st_src = starts.states[i]
    ath_src = starts.aths[i]
    for k in range(STATE_SIZE):
        st[k] = st_src[k]
    for k in range(ATHLETE_SIZE):
        ath[k] = ath_src[k]
    for k in range(CTRL_SIZE):
        c[k] = 0.0
    c[C_BASE] = base
    c[C_PREV_VOL] = 1.0
    volume_state_start(c[C_VOL_STATE : C_VOL_STATE + VOL_STATE_SIZE])
    vo2 = kernel.vo2_effective(st, ath, gp, dv)
    cost = kernel.cost_factor(st, ath, gp)
    c[C_T0] = kernel.race_time_min(vo2, cost, ath[A_RACE_KM])
    c[C_TPREV] = race_time_week(vo2, cost, ath[A_RACE_KM], table)
    c[C_RACE_T] = c[C_T0]
    c[C_FATIGUE_REF] = max(st[FATIGUE_AU], 1e-6)
    body = batch.body[i]  # scratch rows: a step allocates nothing
    plan = batch.habit_plan[i]
    met = batch.habit_met[i]
    for k in range(STATE_SIZE):
        body[k] = st[k]
    for k in range(METRIC_SIZE):
        met[k] = 0.0
    kernel.habitual_plan(ath, plan)
    kernel.schedule_week(plan, ath, gp, days)
    # the season's compiled day loop (days -7..-1: its day d reads stream counter d - 7)
    kernel.step_days(body, ath, gp, dv, kernel.athlete_constants(ath, gp, dv), days, kernel.Rules(True, False),
                     kernel.Days(base, -7, 1, 0), met)
    kernel.week_end(body, ath, gp, met)
    c[C_VO2MAX0] = met[M_VO2MAX]  # the heart-rate and pace references: the last morning before the season
    c[C_COST0] = met[M_COST_FACTOR]
    c[C_VO2EFF0] = met[M_VO2_EFF]
    c[C_KEY_PACE] = 1.0  # the habitual week's key runs (if any) are read against themselves below
    for k in range(HIST):
        c[C_KM_HIST + k] = met[M_RUN_KM] / ath[A_HABITUAL_KM]
        c[C_LOAD_HIST + k] = met[M_LOAD_AU]
    observe(st, ath, gp, c, met, cfg, batch.obs[i])


@njit(cache=True, inline='always')
def step_slot(i, action, batch, params):
    """One week for athlete row i: decode the action, simulate, reward, observe. Returns the reward."""
    # each field read once, by name (a bundle read is a reference count in numba)
    gp, dv, cfg, table = params.gp, params.dv, params.cfg, params.table
    plans, mets, days = batch.plans, batch.mets, batch.days
    st = batch.states[i]
    ath = batch.aths[i]
    c = batch.ctrl[i]
    w = int(c[C_WEEK])
    n_weeks = int(cfg[CF_SEASON_WEEKS])
    plan = plans[i, 0]
    limits = cfg[CF_LIMITS : CF_LIMITS + LIMITS_SIZE]
    vstate = c[C_VOL_STATE : C_VOL_STATE + VOL_STATE_SIZE]
    decode_action(action, int(cfg[CF_SCOPE]), int(ath[A_LEVEL]), w, n_weeks, vstate, limits, plan)
    plan[P_PAIN_RULE] = cfg[CF_PAIN_RULE]
    kernel.simulate_athlete(st, ath, gp, dv, plans[i], int(c[C_BASE]), 7 * w, mets[i], days[i])
    met = mets[i, 0]
    c[C_PREV_VOL] = plan[P_RUN_KM]
    advance_volume_state(vstate, w, n_weeks, limits, plan[P_RUN_KM])
    push_history(c, met[M_RUN_KM] / ath[A_HABITUAL_KM], met[M_LOAD_AU])
    c[C_WEEK] = w + 1
    final = w + 1 >= n_weeks
    r = week_reward(met, ath, c, cfg, table, final)
    c[C_REWARD] = r
    c[C_TERM] = 1.0 if final else 0.0
    c[C_TRUNC] = 1.0 if (not final and cfg[CF_MAX_WEEKS] > 0.0 and w + 1 >= cfg[CF_MAX_WEEKS]) else 0.0
    observe(st, ath, gp, c, met, cfg, batch.obs[i])
    return r


@njit(cache=True)
def _bad_component(action, cfg):
    """Index of the first component outside its range, -1 if none (-2: wrong length)."""
    k_n = n_components(cfg)
    if action.shape[0] != k_n:
        return -2
    for k in range(k_n):
        if action[k] < 0 or action[k] >= NVEC_ALL[k]:
            return k
    return -1


@njit(cache=True)
def step_single(action, batch, params):
    """The single env's whole step: one call. NaN reward (and ctrl C_ERR) on a bad action."""
    bad = _bad_component(action, params.cfg)
    if bad != -1:
        batch.ctrl[0, C_ERR] = bad
        return np.nan
    return step_slot(0, action, batch, params)


@njit(cache=True)
def check_actions(actions, cfg):
    """-1 if every row is in the space, else i * n_components + k of the first bad component (-2: width)."""
    k_n = n_components(cfg)
    if actions.shape[1] != k_n:
        return -2
    for i in range(actions.shape[0]):
        for k in range(k_n):
            if actions[i, k] < 0 or actions[i, k] >= NVEC_ALL[k]:
                return i * k_n + k
    return -1


@njit(cache=True, inline='always')
def step_row(i, actions, batch, params, out, starts):
    """Row i's week; a finished season restarts from starts row i (its last observation to
    out.term_obs[i], its race time, or last prediction if truncated, to out.final_race[i])."""
    out.rewards[i] = step_slot(i, actions[i], batch, params)
    c = batch.ctrl[i]
    te = c[C_TERM] > 0.5
    tr = c[C_TRUNC] > 0.5
    out.term[i] = te
    out.trunc[i] = tr
    if te or tr:
        obs = batch.obs[i]
        term_obs = out.term_obs[i]
        for k in range(obs.shape[0]):
            term_obs[k] = obs[k]
        out.final_race[i] = c[C_RACE_T]
        begin_episode(i, starts, batch, params)


@njit(cache=True, inline='always')
def _step_rows(actions, batch, params, out, starts):
    """Every row one week (`step_row`, auto-reset included); returns `check_actions` (nothing stepped
    unless -1)."""
    err = check_actions(actions, params.cfg)
    if err != -1:
        return err
    for i in range(batch.states.shape[0]):
        step_row(i, actions, batch, params, out, starts)
    return -1


# A step allocates nothing (the bundles are allocated once, in Python, and `begin_episode` works in
# their scratch rows). The rows' loop is inlined after `borrowed` of the bundles: numba then knows that no
# array has an owner and compiles no reference counting at all (a loop compiled apart from the `borrowed`
# call still tests every owner: a quarter of a step). Threads: `ThreadedStep` runs this one compiled step on
# slices of the rows (before issue 26's fourth round, a `parallel=True` copy of the loop: numba's parfor
# passes over the whole step on a first call, and a third slower per thread).
@njit(cache=True, nogil=True)
def step_batch_serial(actions, batch, params, out, starts):
    """Every row one week in the calling thread (numba releases the GIL, so `ThreadedStep` runs it on
    slices of the rows on several threads)."""
    return _step_rows(borrowed(actions), borrowed(batch), borrowed(params), borrowed(out), borrowed(starts))


class ThreadedStep:
    """`step_batch_serial` on slices of the rows, on `threads` threads (`kernel.run_in_threads`: the calling
    thread and the process's helper threads). `serial` is the machine code of `step_batch_serial` for these
    bundles (`compiled`; it releases the GIL). The slices of the row bundles (`batch`, `out`, `starts`) are
    cut once, so a call takes the bundles it was made with (the env allocates them once); a step only slices
    the actions. The actions are checked first, on all rows, so nothing is stepped when one row's is bad.
    Rows are independent, so the results are the same bits as one thread's."""

    #: slices per thread: more than one lets a thread that was slowed down (another process) hand work over
    SLICES_PER_THREAD = 2

    def __init__(self, serial, actions, batch, params, out, starts, threads: int) -> None:
        n = actions.shape[0]
        self.serial, self.threads = serial, threads
        parts = kernel.row_slices(n, (np.arange(n), batch, out, starts), (0, 1, 2, 3), threads * self.SLICES_PER_THREAD)
        self.parts = [(slice(int(rows[0]), int(rows[-1]) + 1), b, o, s) for rows, b, o, s in parts]

    def __call__(self, actions, batch, params, out, starts) -> int:
        err = check_actions(actions, params.cfg)
        if err != -1:
            return err
        jobs = [(actions[rows], b, params, o, s) for rows, b, o, s in self.parts]
        kernel.run_in_threads(self.serial, jobs, self.threads)
        return -1


@njit(cache=True, nogil=True)
def reset_rows(slots, starts, batch, params):
    """begin_episode for the given rows, in the calling thread (`reset_batch`)."""
    slots, starts, batch, params = borrowed(slots), borrowed(starts), borrowed(batch), borrowed(params)
    for j in range(slots.shape[0]):
        begin_episode(slots[j], starts, batch, params)


def reset_batch(slots, starts, batch, params):
    """begin_episode for the given rows (slots: int64 row indices), on threads for many rows."""
    kernel.in_threads(reset_rows, slots.shape[0], (slots, starts, batch, params), (0,))


@njit(cache=True)
def masks_batch(ctrl, cfg, out):
    """Action masks of every athlete row (n, sum of choices)."""
    n_weeks = int(cfg[CF_SEASON_WEEKS])
    for i in range(ctrl.shape[0]):
        action_mask(
            int(cfg[CF_SCOPE]),
            int(ctrl[i, C_WEEK]),
            n_weeks,
            ctrl[i, C_VOL_STATE : C_VOL_STATE + VOL_STATE_SIZE],
            cfg[CF_LIMITS : CF_LIMITS + LIMITS_SIZE],
            out[i],
        )
    return out


class Batch(NamedTuple):
    """The env state of n athlete rows (layouts in the module docstring), allocated once."""

    states: np.ndarray
    aths: np.ndarray
    ctrl: np.ndarray
    obs: np.ndarray
    plans: np.ndarray
    mets: np.ndarray
    days: np.ndarray
    body: np.ndarray  # (n, STATE_SIZE) scratch: the copy of a body `begin_episode` steps through its habitual week
    habit_plan: np.ndarray  # (n, PLAN_SIZE) scratch: that week's plan
    habit_met: np.ndarray  # (n, METRIC_SIZE) scratch: that week's metrics

    @classmethod
    def zeros(cls, n: int) -> Batch:
        return cls(
            states=np.zeros((n, STATE_SIZE)),
            aths=np.zeros((n, ATHLETE_SIZE)),
            ctrl=np.zeros((n, CTRL_SIZE)),
            obs=np.zeros((n, OBS_SIZE), dtype=np.float32),
            plans=np.zeros((n, 1, PLAN_SIZE)),
            mets=np.zeros((n, 1, METRIC_SIZE)),
            days=np.zeros((n, 7, DAY_SIZE)),
            body=np.zeros((n, STATE_SIZE)),
            habit_plan=np.zeros((n, PLAN_SIZE)),
            habit_met=np.zeros((n, METRIC_SIZE)),
        )


class Params(NamedTuple):
    """What a step only reads: physiology parameters, their derived quantities, env settings."""

    gp: np.ndarray  # sim.parameters vector
    dv: np.ndarray  # kernel.derive(gp)
    cfg: np.ndarray  # EnvConfig.to_cfg(), layout envs.config.CF_*
    table: np.ndarray  # envs.reward.race_table()


class Starts(NamedTuple):
    """The athlete each of n rows starts its next season with."""

    aths: np.ndarray  # (n, ATHLETE_SIZE) profiles
    states: np.ndarray  # (n, STATE_SIZE) warmed-up bodies
    base: np.ndarray  # (n,) int64 random-stream bases (kernel.draw_base)

    @classmethod
    def zeros(cls, n: int) -> Starts:
        return cls(np.zeros((n, ATHLETE_SIZE)), np.zeros((n, STATE_SIZE)), np.zeros(n, dtype=np.int64))


class StepOut(NamedTuple):
    """What a batch step reports per row besides the observation."""

    rewards: np.ndarray  # (n,) float32
    term: np.ndarray  # (n,) bool: the race week is done
    trunc: np.ndarray  # (n,) bool: max_weeks reached first
    term_obs: np.ndarray  # (n, OBS_SIZE) float32: last observation of a finished season
    final_race: np.ndarray  # (n,) race time (or last prediction if truncated) of a finished season

    @classmethod
    def zeros(cls, n: int) -> StepOut:
        return cls(
            np.zeros(n, dtype=np.float32),
            np.zeros(n, dtype=bool),
            np.zeros(n, dtype=bool),
            np.zeros((n, OBS_SIZE), dtype=np.float32),
            np.zeros(n),
        )


def compiled(kernel_fn, *args):
    """The machine code of numba function `kernel_fn` for the types of `args`, to call without
    numba's dispatch. Typing a namedtuple argument falls back to Python (~1.3 us for two
    bundles, a third of a single-env step); a caller that binds its step once and calls it with
    arguments of exactly these types (C-contiguous arrays of the same dtypes) skips that."""
    sig = tuple(numba.typeof(a) for a in args)
    kernel_fn.compile(sig)
    return kernel_fn.get_overload(sig)

"""The numba step shared by the single and the batched env: decode -> simulate -> reward -> observe.

One athlete is one row of each buffer:

    states (n, STATE_SIZE)   the body (sim.state layout), advanced by `kernel.simulate_athlete`
    aths   (n, ATHLETE_SIZE) the profile
    ctrl   (n, CTRL_SIZE)    what the env remembers (week, histories, reference race times; C_*)
    obs    (n, OBS_SIZE)     float32 observation
    plans  (n, 1, PLAN_SIZE), mets (n, 1, METRIC_SIZE), days (n, 7, DAY_SIZE)  this week's plan,
                             metrics and schedule (reused, no allocation per step)

`step_single` (one athlete) and `step_batch` / `step_batch_serial` (all rows, threaded or in
one thread, auto-reset included) all call `step_slot`, and every reset calls `begin_episode`,
so the two envs cannot drift apart.
Season day of week w's first day is 7 * w, as in `sim.whatif.run` (day0 = 0), so an env
built from a cohort meets the same random draws as the what-if simulator.
"""

from __future__ import annotations

import numpy as np

from envs.actions import RUN_NVEC, SCOPE_STRENGTH_AND_RUN, STRENGTH_NVEC, action_mask, decode_action
from envs.config import CF_LIMITS, CF_MAX_WEEKS, CF_PAIN_RULE, CF_SCOPE, CF_SEASON_WEEKS, LIMITS_SIZE
from envs.observation import (
    C_BASE,
    C_COST0,
    C_ERR,
    C_FATIGUE_REF,
    C_KM_HIST,
    C_LOAD_HIST,
    C_PREV_VOL,
    C_RACE_T,
    C_REWARD,
    C_T0,
    C_TERM,
    C_TPREV,
    C_TRUNC,
    C_VO2MAX0,
    C_WEEK,
    CTRL_SIZE,
    HIST,
    observe,
    push_history,
)
from envs.reward import race_time_week, week_reward
from sim import kernel
from sim._jit import njit, prange
from sim.state import (
    A_HABITUAL_KM,
    A_LEVEL,
    A_RACE_KM,
    ATHLETE_SIZE,
    FATIGUE_AU,
    M_COST_FACTOR,
    M_LOAD_AU,
    M_RUN_KM,
    M_VO2MAX,
    METRIC_SIZE,
    P_PAIN_RULE,
    P_RUN_KM,
    PLAN_SIZE,
    STATE_SIZE,
)

NVEC_ALL = STRENGTH_NVEC + RUN_NVEC


@njit(cache=True)
def n_components(cfg):
    return len(NVEC_ALL) if int(cfg[CF_SCOPE]) == SCOPE_STRENGTH_AND_RUN else len(STRENGTH_NVEC)


@njit(cache=True)
def begin_episode(i, ath_src, st_src, base, states, aths, ctrl, obs, plans, mets, days, gp, dv, cfg, table):
    """Start athlete row i's season from a warmed-up body; write the week-0 observation.

    The 'last week' a coach sees before the season is the athlete's habitual week, simulated
    on a copy of the body without injury draws (season days -7..-1), so the body that starts
    the season is exactly `st_src`. plans[i] / mets[i] keep the last season's final week.
    """
    st = states[i]
    ath = aths[i]
    c = ctrl[i]
    for k in range(STATE_SIZE):
        st[k] = st_src[k]
    for k in range(ATHLETE_SIZE):
        ath[k] = ath_src[k]
    for k in range(CTRL_SIZE):
        c[k] = 0.0
    c[C_BASE] = base
    c[C_PREV_VOL] = 1.0
    vo2 = kernel.vo2_effective(st, ath, gp, dv)
    cost = kernel.cost_factor(st, gp)
    c[C_T0] = kernel.race_time_min(vo2, cost, ath[A_RACE_KM])
    c[C_TPREV] = race_time_week(vo2, cost, ath[A_RACE_KM], table)
    c[C_RACE_T] = c[C_T0]
    c[C_FATIGUE_REF] = max(st[FATIGUE_AU], 1e-6)
    body = st.copy()
    plan = np.empty(PLAN_SIZE)
    met = np.zeros(METRIC_SIZE)
    kernel.habitual_plan(ath, plan)
    kernel.schedule_week(plan, ath, gp, days[i])
    for d in range(7):
        kernel.step_day(body, ath, gp, dv, days[i, d], (True, False), (base, d - 7, d), met)
    kernel.week_end(body, ath, gp, met)
    c[C_VO2MAX0] = met[M_VO2MAX]  # the heart-rate reference: the last morning before the season
    c[C_COST0] = met[M_COST_FACTOR]
    for k in range(HIST):
        c[C_KM_HIST + k] = met[M_RUN_KM] / ath[A_HABITUAL_KM]
        c[C_LOAD_HIST + k] = met[M_LOAD_AU]
    observe(st, ath, gp, c, met, cfg, obs[i])


@njit(cache=True)
def step_slot(i, action, states, aths, ctrl, obs, plans, mets, days, gp, dv, cfg, table):
    """One week for athlete row i: decode the action, simulate, reward, observe. Returns the reward."""
    st = states[i]
    ath = aths[i]
    c = ctrl[i]
    w = int(c[C_WEEK])
    n_weeks = int(cfg[CF_SEASON_WEEKS])
    plan = plans[i, 0]
    decode_action(
        action,
        int(cfg[CF_SCOPE]),
        int(ath[A_LEVEL]),
        w,
        n_weeks,
        c[C_PREV_VOL],
        cfg[CF_LIMITS : CF_LIMITS + LIMITS_SIZE],
        plan,
    )
    plan[P_PAIN_RULE] = cfg[CF_PAIN_RULE]
    kernel.simulate_athlete(st, ath, gp, dv, plans[i], int(c[C_BASE]), 7 * w, mets[i], days[i])
    met = mets[i, 0]
    c[C_PREV_VOL] = plan[P_RUN_KM]
    push_history(c, met[M_RUN_KM] / ath[A_HABITUAL_KM], met[M_LOAD_AU])
    c[C_WEEK] = w + 1
    final = w + 1 >= n_weeks
    r = week_reward(met, ath, c, cfg, table, final)
    c[C_REWARD] = r
    c[C_TERM] = 1.0 if final else 0.0
    c[C_TRUNC] = 1.0 if (not final and cfg[CF_MAX_WEEKS] > 0.0 and w + 1 >= cfg[CF_MAX_WEEKS]) else 0.0
    observe(st, ath, gp, c, met, cfg, obs[i])
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
def step_single(action, states, aths, ctrl, obs, plans, mets, days, gp, dv, cfg, table):
    """The single env's whole step: one call. NaN reward (and ctrl C_ERR) on a bad action."""
    bad = _bad_component(action, cfg)
    if bad != -1:
        ctrl[0, C_ERR] = bad
        return np.nan
    return step_slot(0, action, states, aths, ctrl, obs, plans, mets, days, gp, dv, cfg, table)


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


@njit(cache=True)
def step_row(
    i,
    actions,
    states,
    aths,
    ctrl,
    obs,
    plans,
    mets,
    days,
    gp,
    dv,
    cfg,
    table,
    rewards,
    term,
    trunc,
    term_obs,
    final_race,
    next_ath,
    next_st,
    next_base,
):
    """Row i's week; a finished season restarts from next_*[i] (its last observation to term_obs[i],
    its race time, or last prediction if truncated, to final_race[i])."""
    rewards[i] = step_slot(i, actions[i], states, aths, ctrl, obs, plans, mets, days, gp, dv, cfg, table)
    te = ctrl[i, C_TERM] > 0.5
    tr = ctrl[i, C_TRUNC] > 0.5
    term[i] = te
    trunc[i] = tr
    if te or tr:
        for k in range(obs.shape[1]):
            term_obs[i, k] = obs[i, k]
        final_race[i] = ctrl[i, C_RACE_T]
        begin_episode(
            i,
            next_ath[i],
            next_st[i],
            next_base[i],
            states,
            aths,
            ctrl,
            obs,
            plans,
            mets,
            days,
            gp,
            dv,
            cfg,
            table,
        )


@njit(parallel=True, cache=True)
def step_batch(
    actions,
    states,
    aths,
    ctrl,
    obs,
    plans,
    mets,
    days,
    gp,
    dv,
    cfg,
    table,
    rewards,
    term,
    trunc,
    term_obs,
    final_race,
    next_ath,
    next_st,
    next_base,
):
    """Every row one week, in parallel over rows; returns `check_actions` (nothing stepped unless -1)."""
    err = check_actions(actions, cfg)
    if err != -1:
        return err
    for i in prange(states.shape[0]):
        step_row(
            i,
            actions,
            states,
            aths,
            ctrl,
            obs,
            plans,
            mets,
            days,
            gp,
            dv,
            cfg,
            table,
            rewards,
            term,
            trunc,
            term_obs,
            final_race,
            next_ath,
            next_st,
            next_base,
        )
    return -1


@njit(cache=True)
def step_batch_serial(
    actions,
    states,
    aths,
    ctrl,
    obs,
    plans,
    mets,
    days,
    gp,
    dv,
    cfg,
    table,
    rewards,
    term,
    trunc,
    term_obs,
    final_race,
    next_ath,
    next_st,
    next_base,
):
    """`step_batch` in one thread: with one numba thread the parallel runtime only adds overhead
    (and next to torch's own OpenMP pool it can make a step many times slower)."""
    err = check_actions(actions, cfg)
    if err != -1:
        return err
    for i in range(states.shape[0]):
        step_row(
            i,
            actions,
            states,
            aths,
            ctrl,
            obs,
            plans,
            mets,
            days,
            gp,
            dv,
            cfg,
            table,
            rewards,
            term,
            trunc,
            term_obs,
            final_race,
            next_ath,
            next_st,
            next_base,
        )
    return -1


@njit(parallel=True, cache=True)
def reset_batch(
    slots, next_ath, next_st, next_base, states, aths, ctrl, obs, plans, mets, days, gp, dv, cfg, table
):
    """begin_episode for the given rows, in parallel."""
    for j in prange(slots.shape[0]):
        i = slots[j]
        begin_episode(
            i,
            next_ath[i],
            next_st[i],
            next_base[i],
            states,
            aths,
            ctrl,
            obs,
            plans,
            mets,
            days,
            gp,
            dv,
            cfg,
            table,
        )


@njit(cache=True)
def masks_batch(ctrl, cfg, out):
    """Action masks of every athlete row (n, sum of choices)."""
    n_weeks = int(cfg[CF_SEASON_WEEKS])
    for i in range(ctrl.shape[0]):
        action_mask(
            int(cfg[CF_SCOPE]),
            int(ctrl[i, C_WEEK]),
            n_weeks,
            ctrl[i, C_PREV_VOL],
            cfg[CF_LIMITS : CF_LIMITS + LIMITS_SIZE],
            out[i],
        )
    return out


class Buffers:
    """The per-athlete arrays of `n` env rows (layouts above), allocated once."""

    def __init__(self, n: int) -> None:
        from envs.observation import OBS_SIZE
        from sim.state import DAY_SIZE, PLAN_SIZE

        self.states = np.zeros((n, STATE_SIZE))
        self.aths = np.zeros((n, ATHLETE_SIZE))
        self.ctrl = np.zeros((n, CTRL_SIZE))
        self.obs = np.zeros((n, OBS_SIZE), dtype=np.float32)
        self.plans = np.zeros((n, 1, PLAN_SIZE))
        self.mets = np.zeros((n, 1, METRIC_SIZE))
        self.days = np.zeros((n, 7, DAY_SIZE))

"""Athletes through weeks: the batch season kernel (`prange` over athletes) and the warm-up."""

import math

import numpy as np

from sim import parameters as P
from sim import state as S
from sim._jit import njit, prange

from .day import Clock, Rules, step_day, week_end
from .derived import derive
from .rng import draw_base
from .schedule import schedule_week


@njit(error_model='numpy', cache=True)
def simulate_athlete(st, ath, gp, dv, plans, base, day0, out, days):
    """One athlete through len(plans) weeks; out is (n_weeks, METRIC_SIZE), overwritten."""
    for w in range(plans.shape[0]):
        plan = plans[w]
        met = out[w]
        for m in range(S.METRIC_SIZE):
            met[m] = 0.0
        schedule_week(plan, ath, gp, days)
        pain = plan[S.P_PAIN_RULE] > 0.5
        for d in range(7):
            step_day(st, ath, gp, dv, days[d], Rules(pain, True), Clock(base, day0 + 7 * w + d, d), met)
        week_end(st, ath, gp, met)


@njit(parallel=True, error_model='numpy', cache=True)
def simulate(states, athletes, gp, plans, seed, keys, day0, out):
    """Batch: every athlete through the weeks of its plan, in parallel over athletes.

    states (n, STATE_SIZE) advance in place; athletes (n, ATHLETE_SIZE); plans (1 or n,
    n_weeks, PLAN_SIZE), a single row being shared by all; keys (n,) int64 athlete keys for
    the random streams; day0: season day of the first day; out (n, n_weeks, METRIC_SIZE).
    """
    dv = derive(gp)
    n = states.shape[0]
    stride = 0 if plans.shape[0] == 1 else 1
    for a in prange(n):
        days = np.empty((7, S.DAY_SIZE))
        base = draw_base(seed, keys[a])
        simulate_athlete(states[a], athletes[a], gp, dv, plans[a * stride], base, day0, out[a], days)


@njit(error_model='numpy', cache=True)
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


@njit(error_model='numpy', cache=True)
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
    for _ in range(weeks):
        schedule_week(plan, ath, gp, days)
        for d in range(7):
            step_day(st, ath, gp, dv, days[d], Rules(True, False), Clock(0, 0, d), met)
    # The durable pool has followed the athlete's fitness for their whole training age (the simulated
    # history starts it from zero, which would leave years of training out).
    st[S.DURABLE_AU] = st[S.FITNESS_AU] * (1.0 - math.exp(-ath[S.A_TRAINING_AGE_Y] * 365.0 / gp[P.TAU_DURABLE_D]))


@njit(parallel=True, error_model='numpy', cache=True)
def init_states(athletes, gp, states):
    """Warm-up of every athlete (see `init_state`), in parallel; states (n, STATE_SIZE) overwritten."""
    dv = derive(gp)
    for a in prange(athletes.shape[0]):
        days = np.empty((7, S.DAY_SIZE))
        plan = np.empty(S.PLAN_SIZE)
        met = np.zeros(S.METRIC_SIZE)
        init_state(states[a], athletes[a], gp, dv, days, plan, met)

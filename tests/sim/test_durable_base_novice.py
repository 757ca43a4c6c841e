"""Physiology III laws: the durable aerobic pool, the running base, novice stress that fades with running.

Closed forms and monotonicity, on the kernel's own step_day (numba) and the whole-season simulator.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import kernel
from sim.parameters import (
    DURABLE_SHARE,
    ECON_MAX,
    NOVICE_FADE_KM,
    NOVICE_STRESS_EXCESS,
    TAU_BASE_D,
    TAU_DURABLE_D,
    TAU_FITNESS_D,
    default_parameters,
)
from sim.plan import StrengthPlan, WeekPlan, plans_to_array
from sim.population import sample_athletes
from sim.state import (
    A_HABITUAL_KM,
    A_TRAINING_AGE_Y,
    A_VO2MAX_UNTRAINED,
    BASE_KM_D,
    CUMULATIVE_KM,
    D_RUN_KIND,
    D_RUN_KM,
    DAY_SIZE,
    DURABLE_AU,
    FITNESS_AU,
    INTENSITY_CHRONIC,
    INTENSITY_SESSIONS,
    M_ECONOMY_GAIN,
    M_VO2MAX,
    METRIC_SIZE,
    RUN_EASY,
    STATE_SIZE,
)


def _warm(n: int, level: str = "intermediate", seed: int = 4):
    gp = default_parameters()
    ath = sample_athletes(level, n, seed)
    st = np.empty((n, STATE_SIZE))
    kernel.init_states(ath, gp, st)
    return gp, ath, st


def _season(gp, ath, st, weeks: list[WeekPlan], seed: int = 1) -> np.ndarray:
    n = ath.shape[0]
    out = np.empty((n, len(weeks), METRIC_SIZE))
    kernel.simulate(st, ath, gp, plans_to_array(weeks)[None], seed, np.arange(n, dtype=np.int64), 0, out)
    return out


def test_durable_pool_follows_fitness_by_its_closed_form():
    """With no training: fitness F_t = F0 c1^t, and the durable pool follows it by D_t = F_t + (D_(t-1) - F_t) cd
    (c = e^(-1/tau) per day), the first-order follower of fitness."""
    gp, ath, st0 = _warm(1)
    dv = kernel.derive(gp)
    st = st0[0].copy()
    st[INTENSITY_SESSIONS] = st[INTENSITY_CHRONIC] = 0.0
    f, d = st[FITNESS_AU], st[DURABLE_AU]
    c1, cd = math.exp(-1.0 / gp[TAU_FITNESS_D]), math.exp(-1.0 / gp[TAU_DURABLE_D])
    rest = np.zeros(DAY_SIZE)
    met = np.zeros(METRIC_SIZE)
    for t in range(1, 85):
        kernel.step_day(st, ath[0], gp, dv, rest, kernel.Rules(False, False), kernel.Clock(0, t, t % 7), met)
        f = f * c1
        d = f + (d - f) * cd
        assert st[FITNESS_AU] == pytest.approx(f, rel=1e-12)
        assert st[DURABLE_AU] == pytest.approx(d, rel=1e-12)
    # after 84 days fitness is mostly gone, the durable pool mostly kept
    assert st[FITNESS_AU] < 0.1 * st0[0, FITNESS_AU]
    assert st[DURABLE_AU] > 0.75 * st0[0, DURABLE_AU]


def test_warm_up_sets_the_durable_pool_from_training_age():
    gp, ath, st = _warm(50)
    age_d = ath[:, A_TRAINING_AGE_Y] * 365.0
    expected = st[:, FITNESS_AU] * (1.0 - np.exp(-age_d / gp[TAU_DURABLE_D]))
    np.testing.assert_allclose(st[:, DURABLE_AU], expected, rtol=1e-12)
    # the km behind them: at most training age x habitual km (the simulated history backs off on pain days,
    # most of all in a novice's first months), and most of it
    km = ath[:, A_TRAINING_AGE_Y] * 52.0 * ath[:, A_HABITUAL_KM]
    assert np.all(st[:, CUMULATIVE_KM] <= km * (1.0 + 1e-9))
    assert np.all(st[:, CUMULATIVE_KM] >= 0.3 * km)


def test_running_base_is_an_exponential_mean_of_daily_km():
    gp, ath, st0 = _warm(1)
    dv = kernel.derive(gp)
    st = st0[0].copy()
    day = np.zeros(DAY_SIZE)
    day[D_RUN_KIND], day[D_RUN_KM] = RUN_EASY, 10.0
    c = math.exp(-1.0 / gp[TAU_BASE_D])
    b, cum = st[BASE_KM_D], st[CUMULATIVE_KM]
    met = np.zeros(METRIC_SIZE)
    for t in range(30):
        kernel.step_day(st, ath[0], gp, dv, day, kernel.Rules(False, False), kernel.Clock(0, t, t % 7), met)
        b = b * c + 10.0 * (1.0 - c)
        cum += 10.0
        assert st[BASE_KM_D] == pytest.approx(b, rel=1e-12)
        assert st[CUMULATIVE_KM] == pytest.approx(cum, rel=1e-12)


def test_novice_stress_fades_with_cumulative_km():
    gp = default_parameters()
    km = np.array([0.0, 170.0, 1000.0, 5000.0, 20000.0, 1e6])
    s = np.array([kernel.novice_stress(k, gp) for k in km])
    assert s[0] == pytest.approx(1.0 + gp[NOVICE_STRESS_EXCESS])
    assert np.all(np.diff(s) < 0.0)
    assert s[-1] == pytest.approx(1.0)
    assert s[3] == pytest.approx(1.0 + gp[NOVICE_STRESS_EXCESS] * math.exp(-5000.0 / gp[NOVICE_FADE_KM]))


def test_base_term_is_zero_on_habitual_volume_and_monotone():
    gp, ath, _ = _warm(1)
    hab = ath[0, A_HABITUAL_KM]
    assert kernel.base_term(hab / 7.0, ath[0], gp) == pytest.approx(0.0, abs=1e-15)
    terms = [kernel.base_term(k / 7.0, ath[0], gp) for k in (0.0, 0.5 * hab, hab, 2.0 * hab, 10.0 * hab)]
    assert np.all(np.diff(terms) > 0.0)
    assert terms[0] < 0.0 < terms[-1] < 1.0


def test_months_of_low_volume_cost_vo2max_and_economy_that_a_build_does_not_restore():
    """A 26-week base at 0.25x habitual then a 16-week build at 1.2x, against the same build after a base at
    1.0x: lower VO2max and economy on race day (the durable pool and the running base lag)."""
    n = 60
    build = [WeekPlan(run_volume_rel=1.2, key_runs=2, long_run_rel=0.3)] * 16
    out = {}
    for rel in (0.25, 1.0):
        gp, ath, st = _warm(n)
        weeks = [WeekPlan(run_volume_rel=rel, key_runs=0, long_run_rel=0.3)] * 26 + build
        out[rel] = _season(gp, ath, st, weeks)
    assert out[0.25][:, -1, M_VO2MAX].mean() < out[1.0][:, -1, M_VO2MAX].mean() - 0.3
    assert out[0.25][:, -1, M_ECONOMY_GAIN].mean() < out[1.0][:, -1, M_ECONOMY_GAIN].mean()


def test_lifting_economy_saturates_below_its_ceiling_at_any_dose():
    """Lifting's economy gain stays under ECON_MAX however long and hard the lifting (the running base is
    held at habitual, so the whole economy change is lifting's)."""
    n = 40
    gp, ath, st = _warm(n, "advanced")
    st2 = st.copy()
    for s in (st, st2):
        s[:, BASE_KM_D] = 0.0  # nothing run below: the base term is then the same constant in both
    heavy = [WeekPlan(run_km=0.0, key_runs=0, long_run_km=0.0,
                      strength=StrengthPlan(sessions=3, emphasis="heavy", effort="hard", placement="separate_day",
                                            sets=6))] * 40
    rest = [WeekPlan(run_km=0.0, key_runs=0, long_run_km=0.0)] * 40
    a = _season(gp, ath, st, heavy)
    b = _season(gp, ath, st2, rest)
    lift = 1.0 - (1.0 - a[:, -1, M_ECONOMY_GAIN]) / (1.0 - b[:, -1, M_ECONOMY_GAIN])
    assert np.all(lift < gp[ECON_MAX])
    assert lift.mean() > 0.5 * gp[ECON_MAX]


def test_vo2max_gain_shared_between_fast_and_durable_pools():
    """At the same total, moving fitness into the durable pool leaves VO2max unchanged only if the two are
    equal (the share weights them): a direct check of the weighting."""
    gp, ath, st0 = _warm(1)
    st = st0[0].copy()
    st[FITNESS_AU] = st[DURABLE_AU] = 1000.0
    v_equal = kernel.vo2max(st, ath[0], gp)
    st[DURABLE_AU] = 0.0
    v_no_durable = kernel.vo2max(st, ath[0], gp)
    st[FITNESS_AU] = 0.0
    assert kernel.vo2max(st, ath[0], gp) == pytest.approx(ath[0, A_VO2MAX_UNTRAINED])
    share = gp[DURABLE_SHARE]
    gain_equal = v_equal / ath[0, A_VO2MAX_UNTRAINED] - 1.0
    gain_half = v_no_durable / ath[0, A_VO2MAX_UNTRAINED] - 1.0
    assert 0.0 < gain_half < gain_equal
    # nearly linear below the soft ceiling: the gain scales with (1 - share)
    assert gain_half / gain_equal == pytest.approx(1.0 - share, rel=0.05)

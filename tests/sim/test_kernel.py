"""Kernel laws, known answers, numba vs the plain-Python reference, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import kernel
from sim.parameters import (
    CAPACITY_FLOOR,
    FITNESS_RETENTION_MAX,
    SN_REF_STRESS_PCT,
    SN_SLOPE_PCT,
    TAU_FATIGUE_D,
    TAU_FITNESS_D,
    default_parameters,
)
from sim.plan import StrengthPlan, WeekPlan, plans_to_array
from sim.population import sample_athletes
from sim.reference import kernel as ref
from sim.season import reference_run_plan
from sim.state import (
    AEROBIC_RECENT_AU,
    CAPACITY_REL,
    CHRONIC_KM_D,
    D_RUN_KIND,
    D_RUN_KM,
    D_STR_EFFORT,
    D_STR_EMPHASIS,
    DAMAGE,
    DAY_SIZE,
    EMPH_NONE,
    FATIGUE_AU,
    FITNESS_AU,
    INTENSITY_CHRONIC,
    INTENSITY_SESSIONS,
    LOAD_MEMORY_AU,
    LONG_RUN_KM,
    M_INJURED_DAYS,
    M_NEW_INJURIES,
    METRIC_SIZE,
    NM_FATIGUE,
    OVERREACH_AU,
    RUN_EASY,
    RUN_LONG,
    RUN_RACE,
    RUN_REST,
    RUN_TEMPO,
    SORENESS_0_10,
    STATE_SIZE,
)

# Python calls of `kernel.step_day` pass the kernel's own named tuples: one compiled copy, shared with
# sim.calibration (plain tuples would type, and compile, a second one).
NO_DRAWS = kernel.Rules(False, False)


def _cohort(n: int, level: str = "intermediate", seed: int = 3):
    gp = default_parameters()
    ath = sample_athletes(level, n, seed)
    st = np.empty((n, STATE_SIZE))
    kernel.init_states(ath, gp, st)
    return gp, ath, st


def _risky_plans(weeks: int) -> np.ndarray:
    """Big jumps in volume, hard lifting before key runs, pain ignored: injuries within weeks."""
    wk = [WeekPlan(run_volume_rel=1.8, key_runs=3, long_run_rel=0.35, pain_rule=i % 2 == 0,
                   strength=StrengthPlan(sessions=3, emphasis="heavy", effort="hard", placement="before_key"))
          for i in range(weeks)]
    return plans_to_array(wk)


def test_numba_matches_reference_including_injury_draws():
    n, weeks = 6, 10
    gp, ath, st0 = _cohort(n)
    st_ref = np.empty_like(st0)
    ref.init_states(ath, gp, st_ref)
    np.testing.assert_allclose(st0, st_ref, rtol=1e-9, atol=1e-12)
    plans = _risky_plans(weeks)[None]
    keys = np.arange(n, dtype=np.int64)
    out = np.empty((n, weeks, METRIC_SIZE))
    out_ref = np.empty_like(out)
    a, b = st0.copy(), st0.copy()
    kernel.simulate(a, ath, gp, plans, 42, keys, 0, out)
    ref.simulate(b, ath, gp, plans, 42, keys, 0, out_ref)
    assert out[:, :, M_NEW_INJURIES].sum() > 0, "the risky plan must produce injuries to compare draws"
    np.testing.assert_array_equal(out[:, :, M_NEW_INJURIES], out_ref[:, :, M_NEW_INJURIES])
    np.testing.assert_array_equal(out[:, :, M_INJURED_DAYS], out_ref[:, :, M_INJURED_DAYS])
    np.testing.assert_allclose(out, out_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_same_seed_bit_identical_and_seed_matters():
    n, weeks = 200, 20
    gp, ath, st0 = _cohort(n)
    plans = _risky_plans(weeks)[None]
    keys = np.arange(n, dtype=np.int64)
    outs = []
    for seed in (7, 7, 8):
        out = np.empty((n, weeks, METRIC_SIZE))
        kernel.simulate(st0.copy(), ath, gp, plans, seed, keys, 0, out)
        outs.append(out)
    assert np.array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0][:, :, M_NEW_INJURIES], outs[2][:, :, M_NEW_INJURIES])


def test_common_random_numbers_shared_prefix():
    """Two plans that agree on their first weeks give identical athletes and outcomes there."""
    n = 300
    gp, ath, st0 = _cohort(n)
    a = reference_run_plan(1, 20)
    b = a.copy()
    b[12:, 0] *= 1.5
    keys = np.arange(n, dtype=np.int64)
    oa, ob = np.empty((n, 20, METRIC_SIZE)), np.empty((n, 20, METRIC_SIZE))
    kernel.simulate(st0.copy(), ath, gp, a[None], 5, keys, 0, oa)
    kernel.simulate(st0.copy(), ath, gp, b[None], 5, keys, 0, ob)
    assert np.array_equal(oa[:, :12], ob[:, :12])
    assert not np.array_equal(oa[:, 12:], ob[:, 12:])


def test_no_load_decays_by_closed_form():
    """With no training and no hard sessions to keep, fitness and fatigue decay exactly as exp(-t / tau)."""
    gp, ath, st0 = _cohort(1)
    dv = kernel.derive(gp)
    st = st0[0].copy()
    st[INTENSITY_SESSIONS] = st[INTENSITY_CHRONIC] = 0.0
    f0, g0 = st[FITNESS_AU], st[FATIGUE_AU]
    rest = np.zeros(DAY_SIZE)
    met = np.zeros(METRIC_SIZE)
    for t in range(30):
        kernel.step_day(st, ath[0], gp, dv, rest, kernel.Rules(True, False), kernel.Clock(0, t, t % 7), met)
    assert st[FITNESS_AU] == pytest.approx(f0 * math.exp(-30 / gp[TAU_FITNESS_D]), rel=1e-12)
    assert st[FATIGUE_AU] == pytest.approx(g0 * math.exp(-30 / gp[TAU_FATIGUE_D]), rel=1e-12)
    assert st[CAPACITY_REL] > gp[CAPACITY_FLOOR]


def test_intensity_kept_holds_back_a_share_of_the_decay():
    """Volume gone (target 0) while the usual hard-session rate is kept: each day keeps the
    share rho of the decay, F_t = F0 (e^(-1/tau1) + (1 - e^(-1/tau1)) rho)^t (Mujika & Padilla 2000)."""
    gp, ath, st0 = _cohort(1)
    dv = kernel.derive(gp)
    st = st0[0].copy()
    st[AEROBIC_RECENT_AU] = 0.0
    rest = np.zeros(DAY_SIZE)
    met = np.zeros(METRIC_SIZE)
    f0 = st[FITNESS_AU]
    decay = math.exp(-1.0 / gp[TAU_FITNESS_D])
    rho = gp[FITNESS_RETENTION_MAX]
    for t in range(1, 8):
        # hold the recent and the usual rate of hard sessions equal (kept = 1)
        st[INTENSITY_SESSIONS] = 1.0 / ((1.0 - dv[16]) * dv[16])
        st[INTENSITY_CHRONIC] = 1.0 / ((1.0 - dv[15]) * dv[15])
        kernel.step_day(st, ath[0], gp, dv, rest, kernel.Rules(False, False), kernel.Clock(0, t, t % 7), met)
        assert st[FITNESS_AU] == pytest.approx(f0 * (decay + (1.0 - decay) * rho) ** t, rel=1e-9)
    assert st[FITNESS_AU] > f0 * decay ** 7


def test_fatigue_gain_grows_with_recent_load():
    """Busso 2003: the same session fatigues more after a heavy week than after rest."""
    gp, ath, _ = _cohort(1)
    dv = kernel.derive(gp)
    day = np.zeros(DAY_SIZE)
    day[D_RUN_KIND], day[D_RUN_KM] = RUN_EASY, 10.0
    terms = []
    for memory in (0.0, 5000.0):
        st = np.zeros(STATE_SIZE)
        st[CAPACITY_REL] = 1.0
        st[LOAD_MEMORY_AU] = memory / dv[13]
        kernel.step_day(st, ath[0], gp, dv, day, NO_DRAWS, kernel.Clock(0, 0, 0), np.zeros(METRIC_SIZE))
        terms.append(st[OVERREACH_AU])
    assert terms[1] > 3.0 * terms[0] > 0.0


def test_impulse_response_matches_banister_closed_form():
    """One session of load w at day 0: fitness(t) = w e^(-t/tau1), fatigue(t) = w e^(-t/tau2)."""
    gp, ath, _ = _cohort(1)
    dv = kernel.derive(gp)
    st = np.zeros(STATE_SIZE)
    st[CAPACITY_REL] = 1.0
    day = np.zeros(DAY_SIZE)
    day[D_RUN_KIND], day[D_RUN_KM] = RUN_EASY, 10.0
    met = np.zeros(METRIC_SIZE)
    kernel.step_day(st, ath[0], gp, dv, day, kernel.Rules(False, False), kernel.Clock(0, 0, 0), met)
    w = st[FITNESS_AU]
    assert w == pytest.approx(st[FATIGUE_AU])
    assert w == pytest.approx(3.0 * 10.0 * ath[0][3])  # easy RPE 3 x minutes (km x pace)
    rest = np.zeros(DAY_SIZE)
    for t in range(1, 15):
        kernel.step_day(st, ath[0], gp, dv, rest, kernel.Rules(False, False), kernel.Clock(0, t, t % 7), met)
        assert st[FITNESS_AU] == pytest.approx(w * math.exp(-t / gp[TAU_FITNESS_D]), rel=1e-12)
        assert st[FATIGUE_AU] == pytest.approx(w * math.exp(-t / gp[TAU_FATIGUE_D]), rel=1e-12)


def test_damage_is_a_steep_power_of_relative_load():
    gp = default_parameters()
    k = kernel.derive(gp)[11]
    assert k == pytest.approx(math.log(10) * gp[SN_REF_STRESS_PCT] / gp[SN_SLOPE_PCT])
    _, ath, _ = _cohort(1)
    dv = kernel.derive(gp)
    day = np.zeros(DAY_SIZE)
    day[D_RUN_KIND], day[D_RUN_KM] = RUN_EASY, 8.0
    dmg = {}
    for cap in (1.0, 0.8):
        st = np.zeros(STATE_SIZE)
        st[CAPACITY_REL] = cap
        kernel.step_day(st, ath[0], gp, dv, day, NO_DRAWS, kernel.Clock(0, 0, 0), np.zeros(METRIC_SIZE))
        dmg[cap] = st[DAMAGE]
    # capacity first decays toward its floor for the day, then the run is loaded on it
    c = {cap: gp[CAPACITY_FLOOR] + (cap - gp[CAPACITY_FLOOR]) * dv[5] for cap in (1.0, 0.8)}
    assert dmg[0.8] / dmg[1.0] == pytest.approx((c[1.0] / c[0.8]) ** k, rel=1e-9)
    # twice the distance at the same relative load: only twice the damage (not steep in cycles)
    day2 = day.copy()
    day2[D_RUN_KM] = 4.0
    st = np.zeros(STATE_SIZE)
    st[CAPACITY_REL] = 1.0
    st[10] = 20.0  # long-run memory and chronic volume: no late-run fatigue for either distance
    st[CHRONIC_KM_D] = 10.0
    kernel.step_day(st, ath[0], gp, dv, day2, NO_DRAWS, kernel.Clock(0, 0, 0), np.zeros(METRIC_SIZE))
    st8 = np.zeros(STATE_SIZE)
    st8[CAPACITY_REL] = 1.0
    st8[10] = 20.0
    st8[CHRONIC_KM_D] = 10.0
    kernel.step_day(st8, ath[0], gp, dv, day, NO_DRAWS, kernel.Clock(0, 0, 0), np.zeros(METRIC_SIZE))
    assert st8[DAMAGE] / st[DAMAGE] == pytest.approx(2.0, rel=1e-9)


def test_long_run_on_low_chronic_volume_costs_more():
    """Rasmussen et al. 2013: the same 20 km run, same longest-run memory, on 25 vs 50 km/week."""
    gp, ath, _ = _cohort(1)
    dv = kernel.derive(gp)
    day = np.zeros(DAY_SIZE)
    day[D_RUN_KIND], day[D_RUN_KM] = RUN_LONG, 20.0
    dmg = {}
    for weekly in (25.0, 50.0):
        st = np.zeros(STATE_SIZE)
        st[CAPACITY_REL] = 1.0
        st[LONG_RUN_KM] = 25.0
        st[CHRONIC_KM_D] = weekly / 7.0 / dv[15]
        kernel.step_day(st, ath[0], gp, dv, day, NO_DRAWS, kernel.Clock(0, 0, 0), np.zeros(METRIC_SIZE))
        dmg[weekly] = st[DAMAGE]
    assert dmg[25.0] > 1.5 * dmg[50.0]


@pytest.mark.parametrize("vo2, minutes", [(50.0, 41.35), (40.0, 50.05), (60.0, 35.37)])
def test_race_time_known_answers_daniels(vo2, minutes):
    """Daniels' VDOT table: 10 km in 41:21 (VDOT 50), 50:03 (40), 35:22 (60)."""
    assert kernel.race_time_min(vo2, 1.0, 10.0) == pytest.approx(minutes, rel=0.005)


def test_race_time_laws_and_riegel():
    t10 = kernel.race_time_min(50.0, 1.0, 10.0)
    assert kernel.race_time_min(52.0, 1.0, 10.0) < t10
    assert kernel.race_time_min(50.0, 0.96, 10.0) < t10
    t21 = kernel.race_time_min(50.0, 1.0, 21.0975)
    assert t21 / t10 == pytest.approx(2.10975**1.06, rel=0.03)


def _week(plan: WeekPlan, level: int = 1) -> np.ndarray:
    gp = default_parameters()
    ath = sample_athletes("intermediate", 1, 0)[0]
    days = np.zeros((7, DAY_SIZE))
    kernel.schedule_week(plan.to_array(), ath, gp, days)
    return days


def test_schedule_conserves_volume_and_places_race():
    d = _week(WeekPlan(run_km=45, key_runs=2, long_run_km=15))
    assert d[:, D_RUN_KM].sum() == pytest.approx(45.0)
    assert d[6, D_RUN_KIND] == RUN_LONG and d[6, D_RUN_KM] == pytest.approx(15.0)
    assert (d[:, D_RUN_KIND] == RUN_TEMPO).sum() + (d[:, D_RUN_KIND] == 4).sum() == 2
    r = _week(WeekPlan(run_km=30, key_runs=1, race=True))
    assert r[6, D_RUN_KIND] == RUN_RACE and r[6, D_RUN_KM] == pytest.approx(10.0)
    assert r[:, D_RUN_KM].sum() == pytest.approx(30.0)


def _before_key(days: np.ndarray, d: int) -> bool:
    return d < 6 and days[d + 1, D_RUN_KIND] in (RUN_LONG, RUN_TEMPO, 4, RUN_RACE)


def test_schedule_placement_rules():
    lift = StrengthPlan(sessions=2, emphasis="heavy", placement="after_easy")
    d = _week(WeekPlan(run_km=40, key_runs=2, long_run_km=12, strength=lift))
    days = [i for i in range(7) if d[i, D_STR_EMPHASIS] != EMPH_NONE]
    assert len(days) == 2 and not any(_before_key(d, i) for i in days)
    # the one easy day that is not before a quality session is used first
    assert 4 in days
    light = _week(WeekPlan(run_km=40, key_runs=1, long_run_km=12, strength=lift))
    ldays = [i for i in range(7) if light[i, D_STR_EMPHASIS] != EMPH_NONE]
    assert all(light[i, D_RUN_KIND] in (RUN_EASY, RUN_REST) and not _before_key(light, i) for i in ldays)
    bad = _week(WeekPlan(run_km=40, key_runs=2, long_run_km=12,
                         strength=StrengthPlan(sessions=2, emphasis="heavy", placement="before_key")))
    assert all(_before_key(bad, i) for i in range(7) if bad[i, D_STR_EMPHASIS] != EMPH_NONE)


def _lifts(d: np.ndarray) -> list[tuple[int, int]]:
    return [(i, int(d[i, D_STR_EFFORT])) for i in range(7) if d[i, D_STR_EMPHASIS] != EMPH_NONE]


def test_hard_lifting_keeps_the_timing_rules_or_is_lightened():
    """Known answers: heavy at moderate effort is hard lifting; it goes where no key run is that
    day or the next and never on consecutive days; with no such day left it is lightened."""
    heavy = StrengthPlan(sessions=2, emphasis="heavy", effort="moderate", placement="after_easy")
    # one key run (day 2) and a long run (day 7): days 3, 4, 5 are legal, two apart from each other
    d = _lifts(_week(WeekPlan(run_km=40, key_runs=1, long_run_km=12, strength=heavy)))
    assert [e for _, e in d] == [1, 1]
    assert all(i in (2, 3, 4) for i, _ in d) and abs(d[0][0] - d[1][0]) > 1
    # three key runs (days 2, 4, 6) and a long run: no legal day for hard lifting, so both
    # sessions are heavy at easy effort (3-4 reps in reserve), after the day's run at worst
    full = _lifts(_week(WeekPlan(run_km=60, key_runs=3, long_run_km=15, strength=heavy)))
    assert len(full) == 2 and all(e == 0 for _, e in full)
    # power to failure has one legal day (day 5) with two key runs: one stays hard, one is moderate
    power = StrengthPlan(sessions=2, emphasis="power", effort="hard", placement="separate_day")
    p = _lifts(_week(WeekPlan(run_km=45, key_runs=2, long_run_km=12, strength=power)))
    assert sorted(e for _, e in p) == [1, 2] and dict(p)[4] == 2
    # lighter work is not moved: maintenance at moderate effort is not hard lifting
    m = _lifts(_week(WeekPlan(run_km=60, key_runs=3, long_run_km=15,
                              strength=StrengthPlan(sessions=2, emphasis="maintenance", effort="moderate"))))
    assert [e for _, e in m] == [1, 1]


def test_states_stay_in_physical_bounds_under_extreme_plans():
    n, weeks = 300, 30
    gp, ath, st = _cohort(n, "beginner")
    out = np.empty((n, weeks, METRIC_SIZE))
    kernel.simulate(st, ath, gp, _risky_plans(weeks)[None], 1, np.arange(n, dtype=np.int64), 0, out)
    assert np.isfinite(out).all() and np.isfinite(st).all()
    assert (st[:, SORENESS_0_10] >= 0).all() and (st[:, SORENESS_0_10] <= 10).all()
    assert (st[:, NM_FATIGUE] >= 0).all() and (st[:, NM_FATIGUE] <= 1).all()
    assert (st[:, DAMAGE] >= 0).all()
    assert (st[:, CAPACITY_REL] >= gp[CAPACITY_FLOOR] - 1e-12).all()


def test_serial_and_threaded_batches_are_bit_identical(monkeypatch):
    """`simulate` / `init_states` run one thread below PARALLEL_MIN_ATHLETES athletes and threads from
    there on: rows are independent, so both loops give the same bits."""
    from sim.kernel import season

    n, weeks = 40, 12
    gp = default_parameters()
    ath = sample_athletes("beginner", n, 11)
    plans = _risky_plans(weeks)[None]
    keys = np.arange(n, dtype=np.int64)
    runs = []
    for threshold in (10**9, 1):  # serial, then threaded
        monkeypatch.setattr(season, "PARALLEL_MIN_ATHLETES", threshold)
        st = np.empty((n, STATE_SIZE))
        kernel.init_states(ath, gp, st)
        out = np.empty((n, weeks, METRIC_SIZE))
        warm = st.copy()
        kernel.simulate(st, ath, gp, plans, 4, keys, 0, out)
        runs.append((warm, st, out))
    for a, b in zip(*runs, strict=True):
        assert np.array_equal(a, b)
    assert np.isfinite(runs[0][2]).all() and runs[0][2][:, :, M_NEW_INJURIES].sum() > 0


def test_a_repeated_week_plan_reuses_its_days_with_the_same_result():
    """`simulate_athlete` schedules a week only when its plan differs from the last one's: a season of
    one repeated plan gives the same bits as that plan run one week per call (scheduled every time)."""
    n, weeks = 8, 6
    gp, ath, st0 = _cohort(n)
    plan = _risky_plans(1)[0]
    plans = np.repeat(plan[None], weeks, axis=0)
    keys = np.arange(n, dtype=np.int64)
    whole = np.empty((n, weeks, METRIC_SIZE))
    a = st0.copy()
    kernel.simulate(a, ath, gp, plans[None], 1, keys, 0, whole)
    b = st0.copy()
    week = np.empty((n, 1, METRIC_SIZE))
    for w in range(weeks):
        kernel.simulate(b, ath, gp, plans[None, w:w + 1], 1, keys, 7 * w, week)
        assert np.array_equal(week[:, 0], whole[:, w])
    assert np.array_equal(a, b)

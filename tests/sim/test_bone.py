"""Laws of the bone compartment: impact-built capacity, its floor, the remodelling transient,
bone damage against its own capacity, and numba vs the plain-Python reference."""

from __future__ import annotations

import math

import numpy as np

from sim import kernel
from sim.parameters import (
    BONE_ADAPT_EXPONENT,
    BONE_CAPACITY_FLOOR,
    BONE_STIM_REF,
    TAU_BONE_CAPACITY_D,
    default_parameters,
)
from sim.plan import StrengthPlan, WeekPlan, plans_to_array
from sim.population import sample_athletes
from sim.reference import kernel as ref
from sim.state import (
    BONE_CAPACITY_REL,
    BONE_DAMAGE,
    BONE_REMODEL,
    BONE_STIMULUS_D,
    CAPACITY_REL,
    DAY_SIZE,
    M_BONE_CAPACITY,
    M_BONE_DAMAGE,
    METRIC_SIZE,
    PLAN_SIZE,
    STATE_SIZE,
)


def _body(level: str = "intermediate", seed: int = 11):
    gp = default_parameters()
    ath = sample_athletes(level, 1, seed)
    st = np.empty((1, STATE_SIZE))
    kernel.init_states(ath, gp, st)
    return gp, ath[0], st[0].copy()


def _week(volume_rel: float, strength: StrengthPlan | None = None) -> WeekPlan:
    return WeekPlan(run_volume_rel=volume_rel, key_runs=1, long_run_rel=0.3, pain_rule=False,
                    strength=strength or StrengthPlan())


def _live(st, ath, gp, weeks: list[WeekPlan]) -> np.ndarray:
    """Advance one body through the weeks, no injury draws; returns (days, STATE_SIZE) end-of-day states."""
    dv = kernel.derive(gp)
    plans = plans_to_array(weeks)
    days = np.empty((7, DAY_SIZE))
    met = np.zeros(METRIC_SIZE)
    trace = []
    for w in range(plans.shape[0]):
        kernel.schedule_week(plans[w], ath, gp, days)
        for d in range(7):
            kernel.step_day(st, ath, gp, dv, days[d], kernel.Rules(False, False), kernel.Clock(0, 7 * w + d, d), met)
            trace.append(st.copy())
    return np.array(trace)


HEAVY = StrengthPlan(sessions=3, emphasis="heavy", effort="hard", sets=6)


def test_running_builds_bone_heavy_lifting_does_not():
    """From a detrained skeleton, 16 weeks of running raise bone capacity; 16 weeks of heavy
    lifting without running leave it at the floor, while they do raise soft-tissue capacity."""
    gp, ath, _ = _body()
    start = np.zeros(STATE_SIZE)
    start[CAPACITY_REL] = start[BONE_CAPACITY_REL] = gp[BONE_CAPACITY_FLOOR]
    run = _live(start.copy(), ath, gp, [_week(1.0)] * 16)
    lift = _live(start.copy(), ath, gp, [_week(0.0, HEAVY)] * 16)
    assert run[-1, BONE_CAPACITY_REL] > gp[BONE_CAPACITY_FLOOR] + 0.03
    assert lift[-1, BONE_CAPACITY_REL] == gp[BONE_CAPACITY_FLOOR]
    assert lift[-1, CAPACITY_REL] > gp[BONE_CAPACITY_FLOOR] + 0.03


def test_bone_decays_to_its_floor_without_running():
    """No impact loading: the target falls to the floor once the chronic stimulus has faded, and
    capacity then closes the gap exactly as exp(-t / tau_bone), never undershooting."""
    gp, ath, st = _body()
    trace = _live(st, ath, gp, [_week(0.0)] * 52)
    bone = trace[:, BONE_CAPACITY_REL]
    floor, tau = gp[BONE_CAPACITY_FLOOR], gp[TAU_BONE_CAPACITY_D]
    assert np.all(np.diff(bone) <= 0.0) and np.all(bone >= floor)
    t0 = 120  # the chronic stimulus (28-d window) is long gone: target == floor from here on
    assert 7.0 * trace[t0, BONE_STIMULUS_D] / gp[BONE_STIM_REF] < floor ** (1.0 / gp[BONE_ADAPT_EXPONENT])
    expected = floor + (bone[t0] - floor) * math.exp(-(len(bone) - 1 - t0) / tau)
    assert math.isclose(bone[-1], expected, rel_tol=1e-12)
    assert np.all(trace[t0:, BONE_REMODEL] < trace[t0, BONE_REMODEL] + 1e-15)


def test_remodelling_space_opens_when_loading_outgrows_the_bone():
    """A body adapted to its habitual running has little open remodelling space; doubling the
    volume opens it within weeks, so the effective bone capacity dips below its adapted value
    before the slow gain arrives."""
    gp, ath, st = _body()
    adapted = _live(st, ath, gp, [_week(1.0)] * 26)
    st = adapted[-1].copy()
    eff0 = st[BONE_CAPACITY_REL] * (1.0 - st[BONE_REMODEL])
    # only the within-week swing of the stimulus keeps a little open (more with a steeper mechanostat exponent)
    assert st[BONE_REMODEL] < 0.03
    build = _live(st.copy(), ath, gp, [_week(2.0)] * 8)
    eff = build[:, BONE_CAPACITY_REL] * (1.0 - build[:, BONE_REMODEL])
    assert build[-1, BONE_REMODEL] > st[BONE_REMODEL] + 0.03
    assert eff.min() < eff0 - 0.02
    assert build[-1, BONE_CAPACITY_REL] > st[BONE_CAPACITY_REL]  # the slow gain is under way


def test_rapid_build_does_more_bone_damage_than_gradual_to_the_same_volume():
    """From the same half-volume base to the same 2x volume: reaching it in 2 weeks leaves more bone
    damage after 4 weeks there than reaching it over 40 weeks, slow enough for bone (too much, too soon)."""
    gp, ath, st = _body()
    base = _live(st, ath, gp, [_week(0.5)] * 20)[-1]
    rapid = [_week(1.25), _week(1.6)] + [_week(2.0)] * 4
    gradual = [_week(0.5 * 4.0 ** ((i + 1) / 40)) for i in range(40)] + [_week(2.0)] * 4
    end_rapid = _live(base.copy(), ath, gp, rapid)[-1]
    end_gradual = _live(base.copy(), ath, gp, gradual)[-1]
    assert end_rapid[BONE_REMODEL] > end_gradual[BONE_REMODEL]
    assert end_rapid[BONE_CAPACITY_REL] < end_gradual[BONE_CAPACITY_REL]
    assert end_rapid[BONE_DAMAGE] > 1.3 * end_gradual[BONE_DAMAGE]


def test_heavy_lifting_does_not_build_bone_for_a_later_build():
    """The optimizer's exploit, as a law: a low running base with heavy lifting ends with more
    soft-tissue capacity than the same base without lifting, but with the same bone."""
    gp, ath, st = _body()
    build = [_week(0.3 + 0.17 * (i + 1)) for i in range(10)]
    a = _live(st.copy(), ath, gp, [_week(0.3, HEAVY)] * 26 + build)
    b = _live(st.copy(), ath, gp, [_week(0.3)] * 26 + build)
    assert a[-1, CAPACITY_REL] > b[-1, CAPACITY_REL] + 0.02
    assert abs(a[-1, BONE_CAPACITY_REL] - b[-1, BONE_CAPACITY_REL]) < 0.005


def test_numba_matches_reference_bit_for_bit_on_a_bone_plan():
    """Low base, rapid build with plyometrics and heavy lifting, injury draws on: every state and
    metric of the compiled kernel equals the interpreter's."""
    gp = default_parameters()
    ath = sample_athletes("intermediate", 4, 5)
    st0 = np.empty((4, STATE_SIZE))
    kernel.init_states(ath, gp, st0)
    st_ref = np.empty_like(st0)
    ref.init_states(ath, gp, st_ref)
    assert np.array_equal(st0, st_ref)
    power = StrengthPlan(sessions=2, emphasis="power", effort="hard")
    weeks = [_week(0.3, HEAVY)] * 6 + [_week(0.3 + 0.3 * (i + 1), power) for i in range(6)]
    plans = plans_to_array(weeks)[None]
    assert plans.shape[2] == PLAN_SIZE
    keys = np.arange(4, dtype=np.int64)
    out = np.empty((4, len(weeks), METRIC_SIZE))
    out_ref = np.empty_like(out)
    a, b = st0.copy(), st0.copy()
    kernel.simulate(a, ath, gp, plans, 9, keys, 0, out)
    ref.simulate(b, ath, gp, plans, 9, keys, 0, out_ref)
    assert out[:, -1, M_BONE_DAMAGE].min() > 0.0 and (out[:, :, M_BONE_CAPACITY] > 0.0).all()
    assert np.array_equal(a, b)
    assert np.array_equal(out, out_ref)

"""Action decoding: the shared contract, hard limits, masks and the WeekPlan bridges."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from envs.actions import (
    ACTION_NAMES,
    LONG_SHARES,
    SCOPE_STRENGTH,
    SCOPE_STRENGTH_AND_RUN,
    VOLUME_STEPS,
    action_mask,
    action_nvec,
    action_space,
    action_to_week_plan,
    coerce_action,
    decode_action,
    week_plan_to_action,
)
from envs.config import HardLimits, limits_array
from sim.errors import InputError
from sim.plan import StrengthPlan, WeekPlan
from sim.season import reference_run_week
from sim.state import (
    EMPH_NONE,
    P_EFFORT,
    P_EMPHASIS,
    P_KEY_RUNS,
    P_LONG_KM,
    P_PLACEMENT,
    P_RACE,
    P_RUN_KM,
    P_STR_SESSIONS,
    PLACE_SEPARATE_DAY,
    PLAN_SIZE,
)

FREE = limits_array(HardLimits())


def vstate(prev=1.0, pre=()):
    """The volume state: steps from `prev`; `pre` the planned volumes of the weeks before the taper."""
    return np.array([prev, float(sum(pre)), float(len(pre))])


def decode(action, scope=SCOPE_STRENGTH, level=1, week=10, n_weeks=52, prev=1.0, limits=FREE, pre=()):
    return decode_action(
        np.asarray(action, dtype=np.int64), scope, level, week, n_weeks, vstate(prev, pre), limits,
        np.empty(PLAN_SIZE),
    )


def test_space_follows_the_contract():
    assert tuple(action_space("strength").nvec) == (4, 5, 3, 3)
    assert tuple(action_space("strength_and_run").nvec) == (4, 5, 3, 3, 6, 4, 4)
    assert ACTION_NAMES[:4] == ("sessions", "emphasis", "effort", "placement")
    assert VOLUME_STEPS == (-0.30, -0.20, -0.10, 0.0, 0.10, 0.20)
    assert LONG_SHARES == (0.0, 0.20, 0.25, 0.30)


def test_strength_scope_runs_the_reference_plan():
    for week in (0, 10, 40, 51):
        plan = decode([2, 1, 1, 0], week=week)
        ref = np.zeros(PLAN_SIZE)
        reference_run_week(1, week, 52, ref)
        for f in (P_RUN_KM, P_KEY_RUNS, P_LONG_KM, P_RACE):
            assert plan[f] == ref[f]
        assert (plan[P_STR_SESSIONS], plan[P_EMPHASIS], plan[P_EFFORT], plan[P_PLACEMENT]) == (2, 1, 1, 0)
    assert decode([0, 0, 0, 0], week=51)[P_RACE] == 1.0
    assert decode([0, 0, 0, 0], week=50)[P_RACE] == 0.0


def test_volume_steps_are_multiplicative_and_clipped():
    for j, step in enumerate(VOLUME_STEPS):
        plan = decode([0, 0, 0, 0, j, 2, 3], scope=SCOPE_STRENGTH_AND_RUN, prev=1.5)
        assert plan[P_RUN_KM] == pytest.approx(min(max(1.5 * (1 + step), 0.1), 2.0))
        assert plan[P_KEY_RUNS] == 2 and plan[P_LONG_KM] == LONG_SHARES[3]
    assert decode([0, 0, 0, 0, 0, 0, 0], scope=SCOPE_STRENGTH_AND_RUN, prev=0.12)[P_RUN_KM] == 0.1


def test_no_lifting_is_one_encoding():
    # sessions 0 or emphasis none both mean no lifting, as WeekPlan.to_array writes it
    for a in ([0, 2, 1, 0], [3, 0, 1, 0]):
        plan = decode(a)
        assert plan[P_STR_SESSIONS] == 0 and plan[P_EMPHASIS] == EMPH_NONE


def test_limits_clamp_exactly_what_the_mask_forbids():
    limits = HardLimits(
        max_strength_sessions=2,
        max_strength_sessions_taper=1,
        max_effort="moderate",
        forbid_emphases=("toning",),
        no_lifting_before_key=True,
        max_volume_increase=0.1,
        max_volume_rel=1.3,
        max_key_runs=2,
    )
    lim = limits_array(limits)
    nvec = action_nvec("strength_and_run")
    for week, prev in ((10, 1.0), (50, 1.25)):
        mask = action_mask(SCOPE_STRENGTH_AND_RUN, week, 52, vstate(prev), lim, np.zeros(sum(nvec), dtype=bool))
        parts = np.split(mask, np.cumsum(nvec)[:-1])
        assert all(p.any() for p in parts)
        for a in itertools.product(*[range(n) for n in nvec]):
            if a[1] == 0 or a[0] == 0:
                continue
            plan = decode(a, scope=SCOPE_STRENGTH_AND_RUN, week=week, prev=prev, limits=lim)
            free = decode(a, scope=SCOPE_STRENGTH_AND_RUN, week=week, prev=prev)
            allowed = all(parts[k][a[k]] for k in range(len(nvec)))
            assert np.array_equal(plan, free) == allowed, a
    taper = action_mask(SCOPE_STRENGTH, 50, 52, vstate(), lim, np.zeros(15, dtype=bool))
    assert taper[:4].tolist() == [True, True, False, False]
    assert decode([3, 4, 2, 2], week=10, limits=lim)[P_EMPHASIS] == EMPH_NONE
    plan = decode([3, 1, 2, 2], week=10, limits=lim)
    assert (plan[P_STR_SESSIONS], plan[P_EFFORT], plan[P_PLACEMENT]) == (2, 1, PLACE_SEPARATE_DAY)


def test_week_plan_round_trip_for_every_strength_action():
    for a in itertools.product(*[range(n) for n in action_nvec("strength")]):
        plan = action_to_week_plan(a, "strength", "advanced", week=20, n_weeks=52)
        assert isinstance(plan, WeekPlan) and plan.phase == "base"
        back = week_plan_to_action(plan, 1.0, "strength")
        expect = np.array(a) if a[0] and a[1] else np.array([0, 0, a[2], a[3]])
        assert np.array_equal(back, expect), a


def test_week_plan_round_trip_with_running():
    rng = np.random.default_rng(0)
    nvec = action_nvec("strength_and_run")
    for _ in range(200):
        a = np.array([rng.integers(1, 4), rng.integers(1, 5)] + [rng.integers(n) for n in nvec[2:]])
        prev = float(rng.uniform(0.5, 1.5))
        plan = action_to_week_plan(a, "strength_and_run", 1, week=5, n_weeks=52, prev_volume_rel=prev)
        assert np.array_equal(week_plan_to_action(plan, prev, "strength_and_run"), a)


def test_week_plan_to_action_takes_the_nearest_choice():
    plan = WeekPlan(
        run_km=44.0,
        long_run_km=11.0,
        key_runs=1,
        strength=StrengthPlan(sessions=2, emphasis="power", effort="easy", placement="separate_day"),
    )
    a = week_plan_to_action(plan, 1.0, "strength_and_run", habitual_km=40.0)
    assert a.tolist() == [2, 2, 0, 1, 4, 1, 2]  # 1.1 x habitual = +10%; 11/44 = 25% long run
    with pytest.raises(InputError, match="habitual_km"):
        week_plan_to_action(plan, 1.0, "strength_and_run")


@pytest.mark.parametrize(
    "bad, match",
    [
        ([0, 5, 0, 0], r"'emphasis' = 5 is out of range; allowed 0-4"),
        ([-1, 0, 0, 0], r"'sessions' = -1 is out of range; allowed 0-3"),
        ([0, 0, 0, 1.5], r"'placement' = 1.5 is not a whole number"),
        ([0, 0, 0], r"expected 4 components"),
    ],
)
def test_bad_actions_name_the_component_and_range(bad, match):
    with pytest.raises(InputError, match=match):
        coerce_action(bad, action_nvec("strength"))
    with pytest.raises(ValueError):
        action_to_week_plan(bad)

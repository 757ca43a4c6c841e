"""Property tests: any valid plan gives finite values within physical bounds, reproducibly."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.parameters import ECON_MAX, ECON_VOLUME_MAX
from sim.plan import MIN_REL, StrengthPlan, WeekPlan
from sim.whatif import make_cohort, run

COHORT = make_cohort("intermediate", 40, 0)

strength = st.builds(
    StrengthPlan,
    sessions=st.integers(0, 3),
    emphasis=st.sampled_from(["none", "heavy", "power", "maintenance", "toning"]),
    effort=st.sampled_from(["easy", "moderate", "hard"]),
    placement=st.sampled_from(["after_easy", "separate_day", "before_key"]),
    sets=st.one_of(st.none(), st.integers(1, 6)),
)
week = st.builds(
    WeekPlan,
    run_volume_rel=st.one_of(st.just(0.0), st.floats(MIN_REL, 3.0)),  # smaller: rejected
    key_runs=st.integers(0, 3),
    key_kind=st.sampled_from(["tempo", "intervals"]),
    long_run_rel=st.one_of(st.just(0.0), st.floats(MIN_REL, 1.0)),
    strength=strength,
    pain_rule=st.booleans(),
    race=st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(week, min_size=1, max_size=12))
def test_any_valid_plan_is_finite_bounded_and_reproducible(weeks):
    plans = np.stack([w.to_array() for w in weeks])
    a = run(COHORT, plans)
    b = run(COHORT, plans)
    assert np.array_equal(a.metrics, b.metrics) and np.array_equal(a.race_time_min, b.race_time_min)
    assert np.isfinite(a.metrics).all() and np.isfinite(a.race_time_min).all()
    w = a.weekly
    assert (w["soreness"].between(0, 10)).all()
    assert (w["key_run_quality_pct"].between(50, 100)).all()
    assert (w["injured_days"].between(0, 7)).all()
    assert (a.athletes["strength_pct"] > -50).all() and (a.athletes["race_time_min"] > 0).all()
    # economy against the habitual state: lifting's part in [0, econ_max), the running base's in
    # (-econ_volume_max, econ_volume_max)
    gp = COHORT.params
    lo, hi = -100.0 * gp[ECON_VOLUME_MAX], 100.0 * (1.0 - (1.0 - gp[ECON_MAX]) * (1.0 - gp[ECON_VOLUME_MAX]))
    assert (a.athletes["economy_pct"].between(lo, hi)).all()

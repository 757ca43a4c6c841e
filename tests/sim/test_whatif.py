"""What-if tables: consistent with the per-athlete metrics they summarise."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import InputError
from sim.plan import StrengthPlan, WeekPlan
from sim.state import M_INJURED_DAYS, M_RUN_KM
from sim.whatif import make_cohort, run, simulate_plan, simulate_season

WEEKS = [WeekPlan(run_volume_rel=1.0, key_runs=1, strength=StrengthPlan(sessions=2, emphasis="heavy"))] * 12


@pytest.fixture(scope="module")
def res():
    return simulate_plan(WEEKS, level="intermediate", athletes=800, seed=1)


def test_tables_agree_with_metrics(res):
    assert len(res.weekly) == 12 and len(res.athletes) == 800
    assert res.weekly["run_km"].to_numpy() == pytest.approx(res.metrics[:, :, M_RUN_KM].mean(axis=0))
    assert res.athletes["injured_days"].sum() == res.metrics[:, :, M_INJURED_DAYS].sum()
    assert res.summary["race_time_pct"] == pytest.approx(res.athletes["race_time_pct"].mean())
    assert res.weekly["race_time_pct"].iloc[-1] == pytest.approx(res.summary["race_time_pct"])
    lo, hi = res.summary["ci95"]["strength_pct"]
    assert lo < res.summary["strength_pct"] < hi
    lo, hi = res.summary["ci95"]["injury_rate_per_1000h"]
    assert lo <= res.summary["injury_rate_per_1000h"] <= hi


def test_cohort_is_not_advanced_and_runs_are_paired():
    cohort = make_cohort("beginner", 300, 2)
    before = cohort.states.copy()
    plans = np.stack([w.to_array() for w in WEEKS])
    a, b = run(cohort, plans), run(cohort, plans)
    assert np.array_equal(cohort.states, before)
    assert np.array_equal(a.metrics, b.metrics)
    m, rt, _ = simulate_season(cohort, plans, every_week=False)
    assert np.array_equal(m, a.metrics) and np.array_equal(rt[:, 1], a.race_time_min[:, -1])


def test_strength_work_beats_running_alone_on_economy_not_vo2max():
    cohort = make_cohort("intermediate", 600, 3)
    lift = run(cohort, np.stack([w.to_array() for w in WEEKS]))
    alone = run(cohort, np.stack([WeekPlan(run_volume_rel=1.0, key_runs=1).to_array()] * 12))
    assert lift.summary["economy_pct"] > alone.summary["economy_pct"] + 2
    assert abs(lift.summary["vo2max_pct"] - alone.summary["vo2max_pct"]) < 1


def test_missed_sessions_are_common_to_every_plan_and_cost_training():
    """10% missed sessions: fewer km and sessions done, the same skipped days whatever the plan."""
    import numpy as np

    from sim.plan import WeekPlan, plans_to_array
    from sim.state import M_RUN_KM, M_STR_SESSIONS
    from sim.whatif import make_cohort, run, with_missed_sessions

    cohort = make_cohort("intermediate", 300, 5, "10k")
    plan_a = plans_to_array([WeekPlan(run_volume_rel=1.0, key_runs=2, strength={"sessions": 2})] * 12)
    plan_b = plans_to_array([WeekPlan(run_volume_rel=1.3, key_runs=1, strength={"sessions": 2})] * 12)
    full = run(cohort, plan_a)
    miss = run(with_missed_sessions(cohort, 0.1), plan_a)
    done_km = miss.metrics[:, :, M_RUN_KM].sum() / full.metrics[:, :, M_RUN_KM].sum()
    done_lifts = miss.metrics[:, :, M_STR_SESSIONS].sum() / full.metrics[:, :, M_STR_SESSIONS].sum()
    assert 0.8 < done_km < 0.97 and 0.8 < done_lifts < 0.97
    assert np.all(np.isfinite(miss.metrics))
    # the same skips for another plan: a day skipped under one plan is skipped under the other
    again = run(with_missed_sessions(cohort, 0.1), plan_a)
    assert np.array_equal(again.metrics, miss.metrics)
    other = run(with_missed_sessions(cohort, 0.1), plan_b)
    assert other.metrics.shape == miss.metrics.shape
    with pytest.raises(InputError, match="skip_prob"):
        with_missed_sessions(cohort, 1.0)

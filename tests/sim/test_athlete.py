"""sim.athlete.replay: logged days through the kernel, checked against the week simulator."""

from __future__ import annotations

import numpy as np

from sim import kernel
from sim.athlete import replay
from sim.parameters import parameters_with
from sim.plan import WeekPlan, plans_to_array
from sim.population import sample_athletes
from sim.state import DAY_SIZE, M_COST_FACTOR, M_NEW_INJURIES, M_VO2_EFF, METRIC_SIZE, P_PAIN_RULE, STATE_SIZE


def test_replay_of_scheduled_days_matches_the_week_simulator():
    """Replaying the days `schedule_week` makes gives the batch simulator's race-morning race times."""
    gp = parameters_with(hazard_scale=0.0)  # no injury draws in either simulator
    ath = sample_athletes("beginner", 3, seed=5)  # race_km 10 (the default)
    week = {"run_volume_rel": 1.1, "key_runs": 1, "pain_rule": False, "strength": {"sessions": 2, "emphasis": "heavy"}}
    plans = plans_to_array([WeekPlan(**week, race=w in (3, 7)) for w in range(8)])
    assert plans[:, P_PAIN_RULE].sum() == 0
    st = np.empty((3, STATE_SIZE))
    kernel.init_states(ath, gp, st)
    out = np.empty((3, 8, METRIC_SIZE))
    kernel.simulate(st, ath, gp, plans[None], 0, np.arange(3), 0, out)
    assert out[:, :, M_NEW_INJURIES].sum() == 0
    want = np.array([[kernel.race_time_min(out[a, w, M_VO2_EFF], out[a, w, M_COST_FACTOR], 10.0) for w in (3, 7)]
                     for a in range(3)])
    for a in range(3):
        days = np.empty((56, DAY_SIZE))
        week = np.empty((7, DAY_SIZE))
        for w in range(8):
            kernel.schedule_week(plans[w], ath[a], gp, week)
            days[7 * w: 7 * w + 7] = week
        got, _, _ = replay(ath[a], gp, days, np.array([27, 55]), np.array([10.0, 10.0]))
        np.testing.assert_allclose(got[0], want[a], rtol=1e-12)

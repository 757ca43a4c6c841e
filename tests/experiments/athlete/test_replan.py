"""Re-planning from the state a log implies: the closed-loop policy candidate."""

from __future__ import annotations

import datetime as dt

import numpy as np

from experiments.athlete.synthetic import make_athlete, write_log


class ThreeHeavy:
    """A fixed policy (strength scope): three heavy sessions every week, whatever it observes."""

    action_scope = "strength"

    def predict(self, obs, state=None, episode_start=None, deterministic=True):
        n = np.atleast_2d(obs).shape[0]
        return np.tile(np.array([3, 1, 1, 0], dtype=np.int64), (n, 1)), None


def _fitted_runner_and_plan(tmp_path):
    """A synthetic runner's 12-week Strava log (ends 2026-03-29), the athlete file fitted from it and their
    exported JSON plan from 2026-03-30 to a 2026-06-28 race: (log, athlete file, plan file)."""
    from experiments.cli import main

    ath = make_athlete(4, weeks=12, n_races=2)
    log, results = write_log(ath, "strava", tmp_path)
    af_path, plan = tmp_path / "athlete.yaml", tmp_path / "plan.json"
    assert main(["athlete", "fit", str(log), "--races", str(results), "--out", str(af_path)]) == 0
    assert main(["export", "--baseline", "intermediate", "--athlete", str(af_path), "--start", "2026-03-30",
                 "--race", "2026-06-28", "--out", str(plan)]) == 0
    return log, af_path, plan


def test_replan_adds_a_closed_loop_policy_candidate(tmp_path):
    """A policy's plan from the runner's current state is one of the candidates, scored like the others."""
    from experiments.athlete.profile import load_athlete
    from experiments.athlete.replan import replan
    log, af_path, plan = _fitted_runner_and_plan(tmp_path)
    rp = replan(load_athlete(af_path), log, plan, dt.date(2026, 4, 6), policy=ThreeHeavy(), policy_name="three")
    name = "three (closed loop from your current state)"
    assert name in rp.scores and len(rp.scores) == 8
    if rp.chosen == name:
        future = rp.frame[rp.frame["week"] > rp.kept_weeks]
        lifting = future[future["strength_emphasis"] != "none"]
        assert (lifting.groupby("week").size() == 3).all()


def test_after_two_weeks_without_running_replan_never_raises_the_volume(tmp_path):
    """Issue 23: 14 days without running picked "template x1.1 volume"; a layoff restarts lower."""
    from experiments.athlete.profile import load_athlete
    from experiments.athlete.replan import LAYOFF_MAX_SCALE, replan
    log, af_path, plan = _fitted_runner_and_plan(tmp_path)
    rp = replan(load_athlete(af_path), log, plan, dt.date(2026, 4, 13))  # the log ends 2026-03-29: 14 days off
    assert rp.layoff_days == 14
    assert "keep the plan" not in rp.scores
    assert all(float(n.split(" x")[1].split(" ")[0]) <= LAYOFF_MAX_SCALE for n in rp.scores)
    assert "14 in a row" in rp.frame["note"].iloc[-1]

"""Robustness under model draws and missed sessions, on common random numbers: the same athletes, the
same draws and the same skips for every policy, open-loop plans and closed-loop rollouts alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agents.baselines import BASELINES
from agents.evaluation import athlete_rows, run_policy, run_season
from experiments.report.robustness import (
    cohort_under,
    parse_rates,
    robustness,
    summary_columns,
)
from sim.errors import InputError
from sim.parameters import draw_parameters
from sim.whatif import make_cohort, with_missed_sessions

WEEKS, N = 10, 32
TEMPLATES = ("intermediate", "advanced")


class Constant:
    """A closed-loop policy that always picks the same action (rolled out through the env)."""

    def predict(self, obs, state=None, episode_start=None, deterministic=True):
        act = np.array([2, 1, 1, 0, 4, 2, 2, 0], dtype=np.int64)  # 2 heavy moderate, +10% volume, 2 keys, 25% long
        return np.tile(act, (len(obs), 1)), state


def _runs():
    runs = {n: (lambda c, n=n: run_policy(n, BASELINES[n], c, WEEKS)) for n in TEMPLATES}
    runs["intermediate_again"] = lambda c: run_policy("intermediate_again", BASELINES["intermediate"], c, WEEKS)
    runs["run_only"] = lambda c: run_policy("run_only", BASELINES["run_only"], c, WEEKS)
    runs["constant"] = lambda c: run_policy("constant", Constant(), c, WEEKS, action_scope="strength_and_run")
    return runs


@pytest.fixture(scope="module")
def setup():
    cohort = make_cohort("intermediate", N, seed=4242)
    runs = _runs()
    nominal = {n: r(cohort) for n, r in runs.items()}
    draws = draw_parameters(3, seed=0)
    rob = robustness(runs, cohort, nominal, draws, (0.1, 0.2), TEMPLATES, n_boot=200, seed=1)
    return cohort, runs, nominal, draws, rob


def test_a_policy_evaluated_twice_gets_identical_numbers(setup):
    *_, rob = setup
    s = rob.summary.drop(columns="draws_won")  # a template has no 'won' share; its copy (not a template) has
    pd.testing.assert_series_equal(s.loc["intermediate"], s.loc["intermediate_again"], check_names=False)
    d = rob.draws.set_index(["policy", "draw"])
    assert np.array_equal(d.loc["intermediate"][["race_time_pct", "injured_days"]].to_numpy(),
                          d.loc["intermediate_again"][["race_time_pct", "injured_days"]].to_numpy())
    assert list(rob.summary.columns) == summary_columns(3, (0.1, 0.2))


def test_missed_sessions_cut_km_more_the_more_are_missed(setup):
    *_, rob = setup
    s = rob.summary
    assert (s["missed10_run_km_diff_hi"] < 0).all()  # every policy runs fewer km, CI below 0
    assert (s["missed20_run_km_diff"] < s["missed10_run_km_diff"]).all()
    # the templates race slower; the constant +10% a week ramp gains from missing some of it
    assert (s.loc[list(TEMPLATES), "missed20_race_time_pct_diff_lo"] > 0).all()


def test_the_closed_loop_policy_meets_the_same_skips_and_draws_as_its_replayed_plans(setup):
    cohort, runs, nominal, draws, rob = setup
    m = rob.missed.set_index(["policy", "skip_prob"])
    for p in (0.1, 0.2):
        skipping = with_missed_sessions(cohort, p)
        live = runs["constant"](skipping)  # run_policy also checks the env's race times against the replay
        replay = athlete_rows("constant", run_season(skipping, live.plans))
        assert m.loc[("constant", p), "race_time_pct"] == pytest.approx(replay["race_time_pct"].mean(), abs=1e-12)
        assert m.loc[("constant", p), "run_km"] == pytest.approx(replay["run_km"].mean(), abs=1e-9)
    d = rob.draws.set_index(["policy", "draw"])
    nominal_race = athlete_rows("constant", nominal["constant"])["race_time_pct"].mean()
    for j, gp in enumerate(draws):
        drawn = cohort_under(cohort, gp)
        assert np.array_equal(drawn.athletes, cohort.athletes) and np.array_equal(drawn.keys, cohort.keys)
        replay = athlete_rows("constant", run_season(drawn, runs["constant"](drawn).plans))
        assert d.loc[("constant", j), "race_time_pct"] == pytest.approx(replay["race_time_pct"].mean(), abs=1e-12)
        assert d.loc[("constant", j), "race_time_pct"] != pytest.approx(nominal_race, abs=1e-6)  # the body differs


def test_draws_won_is_the_share_of_draws_with_the_paired_ci_below_zero(setup):
    *_, rob = setup
    d = rob.draws
    for name, g in d.groupby("policy"):
        if name in TEMPLATES:
            assert g["won"].isna().all() and np.isnan(rob.summary.loc[name, "draws_won"])
        else:
            assert rob.summary.loc[name, "draws_won"] == pytest.approx((g["vs_best_hi"] < 0).mean())
    best = d.groupby("draw")["best_template"].first()
    for j, b in best.items():
        assert d[(d["draw"] == j) & (d["policy"] == b)]["vs_best"].iloc[0] == 0.0
        assert b == min(TEMPLATES, key=lambda t: d[(d["draw"] == j) & (d["policy"] == t)]["race_time_pct"].iloc[0])


@pytest.mark.parametrize("text,message", [("0.1,abc", "'abc' is not a number"), ("0.1,1.5", "1.5 is not allowed"),
                                          ("0", "0 is not allowed")])
def test_bad_missed_rates_name_the_value(text, message):
    with pytest.raises(InputError, match=message):
        parse_rates(text)
    assert parse_rates("none") == () and parse_rates("0.2, 0.1,0.2") == (0.2, 0.1)

"""The paired evaluation harness: common random numbers, bootstrap statistics, every policy kind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agents.baselines import BASELINES
from agents.evaluation import (
    METRICS,
    PER_ATHLETE_COLUMNS,
    athlete_rows,
    bootstrap_means,
    evaluate,
    rollout,
    run_season,
    summarize,
)
from sim.errors import InputError
from sim.population import sample_mixed
from sim.state import P_SETS, PLAN_SIZE
from sim.whatif import make_cohort, run

WEEKS = 30


@pytest.fixture(scope="module")
def cohort():
    return make_cohort("intermediate", 120, seed=4)


def test_run_season_is_whatif_run_on_race_day(cohort):
    plans = BASELINES["mistake_random"].plan_array("intermediate", WEEKS, cohort.n, cohort.seed)
    full, lean = run(cohort, plans), run_season(cohort, plans)
    np.testing.assert_array_equal(full.metrics, lean.metrics)
    np.testing.assert_array_equal(full.race_time_min[:, [0, -1]], lean.race_time_min)
    rows = athlete_rows("random", lean)
    shared = ["athlete", "race_time_pct", "injuries", "injured_days", "strength_pct", "economy_pct", "run_km",
              "strength_sessions", "race_time_min"]
    pd.testing.assert_frame_equal(rows[shared], full.athletes[shared])
    pd.testing.assert_frame_equal(lean.athletes[shared], full.athletes[shared])


def test_per_athlete_table_and_common_random_numbers(cohort):
    pols = {"a": BASELINES["intermediate"], "b": BASELINES["run_only"], "c": BASELINES["intermediate"]}
    res = evaluate(pols, cohort, WEEKS, reference="a")
    pa = res.per_athlete
    assert tuple(pa.columns) == PER_ATHLETE_COLUMNS
    assert len(pa) == 3 * cohort.n and set(pa["level"]) == {"intermediate"}
    a, c = (pa[pa.policy == p].drop(columns="policy").reset_index(drop=True) for p in ("a", "c"))
    pd.testing.assert_frame_equal(a, c)  # same athletes, same draws, same plan -> same season
    s = res.summary
    for m in METRICS:
        assert s.loc["c", f"{m}_diff"] == s.loc["c", f"{m}_diff_lo"] == s.loc["c", f"{m}_diff_hi"] == 0.0
        assert s.loc["a", f"{m}_lo"] <= s.loc["a", m] <= s.loc["a", f"{m}_hi"]
    assert s.loc["c", "race_time_pct_win"] == 0.0  # ties are not wins
    assert np.isnan(s.loc["b", "run_km_win"])
    # run-only lifts nothing: its strength sessions are exactly zero, CI included
    assert s.loc["b", "strength_sessions"] == s.loc["b", "strength_sessions_hi"] == 0.0
    assert np.all(pa[pa.policy == "b"].strength_sessions == 0)


def test_bootstrap_known_answers():
    rng = np.random.default_rng(0)
    x = rng.normal(5.0, 2.0, size=(4000, 1))
    const = np.full((4000, 1), 3.0)
    boot = bootstrap_means(np.hstack([x, const, x - x]), n_boot=400, seed=1)
    assert boot.shape == (400, 3)
    np.testing.assert_allclose(boot[:, 1], 3.0)
    np.testing.assert_array_equal(boot[:, 2], 0.0)
    # the spread of bootstrap means is the standard error sd/sqrt(n) = 2/sqrt(4000)
    assert boot[:, 0].std() == pytest.approx(2.0 / np.sqrt(4000), rel=0.15)
    assert boot[:, 0].mean() == pytest.approx(x.mean(), abs=0.01)
    # chunking does not change the answer
    np.testing.assert_array_equal(bootstrap_means(x, 10, seed=3), bootstrap_means(x, 10, seed=3))


def test_summary_difference_is_paired():
    n = 500
    rng = np.random.default_rng(2)
    base = rng.normal(0.0, 10.0, n)  # large between-athlete spread, tiny paired effect
    rows = []
    for pol, shift in (("ref", 0.0), ("better", -0.2)):
        rows.append(pd.DataFrame({"policy": pol, "athlete": np.arange(n), "race_time_pct": base + shift}))
    s = summarize(pd.concat(rows), reference="ref", n_boot=200, metrics=("race_time_pct",))
    assert s.loc["better", "race_time_pct_diff"] == pytest.approx(-0.2)
    assert s.loc["better", "race_time_pct_diff_hi"] == pytest.approx(-0.2)  # paired: no noise at all
    # the unpaired CI of the mean is wide
    assert s.loc["better", "race_time_pct_hi"] - s.loc["better", "race_time_pct_lo"] > 1.0
    assert s.loc["better", "race_time_pct_win"] == 1.0


def test_callable_policies_and_plan_arrays(cohort):
    weeks = BASELINES["advanced"].season_plan("intermediate", WEEKS)
    pols = {
        "advanced": BASELINES["advanced"],
        "as_weekplans": lambda c, n: weeks,
        "as_array": lambda c, n: BASELINES["advanced"].plan_array("intermediate", n),
    }
    res = evaluate(pols, cohort, WEEKS)
    s = res.summary
    assert s.loc["as_weekplans", "race_time_pct"] == s.loc["advanced", "race_time_pct"]
    assert s.loc["as_array", "injured_days"] == s.loc["advanced", "injured_days"]
    assert "race_time_pct_diff" not in s.columns  # no reference, no paired columns
    rows = res.rows()
    assert rows[0]["policy"] == "advanced" and len(rows[0]["race_time_pct_ci95"]) == 2


def test_bad_policies_and_references(cohort):
    with pytest.raises(InputError, match="reference"):
        evaluate({"a": BASELINES["run_only"]}, cohort, WEEKS, reference="b")
    with pytest.raises(InputError, match="returned plans of shape"):
        evaluate({"a": lambda c, n: np.zeros((n + 1, PLAN_SIZE))}, cohort, WEEKS)
    with pytest.raises(InputError, match="is not a policy"):
        evaluate({"a": 42}, cohort, WEEKS)
    with pytest.raises(InputError, match="at least one"):
        evaluate({}, cohort, WEEKS)


def test_mixed_cohort_gets_each_athletes_level_plan():
    prof = sample_mixed(["beginner", "advanced"], 60, seed=1)
    mixed = make_cohort(profiles=prof, seed=1)
    res = evaluate({"toning": BASELINES["mistake_toning_only"]}, mixed, WEEKS)
    pa = res.per_athlete
    assert set(pa["level"]) == {"beginner", "advanced"}
    # toning keeps each level template's session count: advanced athletes lift 3x in the base phase
    for lv in ("beginner", "advanced"):
        want = BASELINES["mistake_toning_only"].plan_array(lv, WEEKS)[0, :, 5].sum()
        got = pa[pa.level == lv].strength_sessions
        assert got.max() <= want and got.max() >= want - 14  # sessions lost to injury or pain at most


def test_baseline_through_the_env_matches_its_plan_array():
    """predict() acting in StrengthRunVecEnv.from_cohort meets the same athletes and draws as plan_array."""
    c = make_cohort("advanced", 32, seed=9)
    b = BASELINES["advanced"]
    plans, race = rollout(b, c, WEEKS)
    want = b.plan_array("advanced", WEEKS)[0]
    got = plans.copy()
    got[:, :, P_SETS] = 0.0  # the action space has no sets field
    np.testing.assert_array_equal(got, np.broadcast_to(np.where(np.arange(PLAN_SIZE) == P_SETS, 0.0, want),
                                                       got.shape))
    np.testing.assert_array_equal(run_season(c, plans).race_time_min[:, 1], race)


def test_sb3_model_against_the_templates():
    """A few hundred PPO steps, then the harness compares it with the templates on a held-out cohort."""
    from stable_baselines3 import PPO

    from envs import StrengthRunVecEnv

    train_env = StrengthRunVecEnv(num_envs=8, level="intermediate", seed=0, season_weeks=WEEKS)
    model = PPO("MlpPolicy", train_env, n_steps=32, batch_size=64, n_epochs=1, seed=0, device="cpu",
                policy_kwargs={"net_arch": [16]})
    model.learn(total_timesteps=256)
    held_out = make_cohort("intermediate", 64, seed=123)
    pols = {"ppo": model, "intermediate": BASELINES["intermediate"], "run_only": BASELINES["run_only"]}
    res = evaluate(pols, held_out, WEEKS, reference="intermediate", n_boot=200)
    s = res.summary
    assert list(s.index) == ["ppo", "intermediate", "run_only"]
    cols = ["race_time_pct", "race_time_pct_diff", "race_time_pct_win"]
    assert np.isfinite(s.loc["ppo", cols].to_numpy(dtype=float)).all()
    assert 0.0 <= s.loc["ppo", "race_time_pct_win"] <= 1.0
    ppo = res.per_athlete[res.per_athlete.policy == "ppo"]
    assert len(ppo) == 64 and (ppo["athlete"].to_numpy() == np.arange(64)).all()
    # paired: the difference is computed athlete by athlete
    tpl = res.per_athlete[res.per_athlete.policy == "intermediate"]
    d = ppo["race_time_pct"].to_numpy() - tpl["race_time_pct"].to_numpy()
    assert s.loc["ppo", "race_time_pct_diff"] == pytest.approx(d.mean())
    # deterministic: evaluating the same model again gives the same table
    again = evaluate({"ppo": model}, held_out, WEEKS)
    pd.testing.assert_frame_equal(again.per_athlete.reset_index(drop=True), ppo.reset_index(drop=True))

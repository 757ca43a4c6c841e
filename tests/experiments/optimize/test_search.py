"""The objective (training reward on training athletes, common random numbers) and CMA-ES."""

from __future__ import annotations

import numpy as np
import pytest

from agents.baselines import BASELINES
from experiments.optimize.genes import N_GENES, center, decode
from experiments.optimize.objective import Objective
from experiments.optimize.search import Settings, optimize
from experiments.training.injury import mean_injury_days
from sim.errors import InputError
from sim.state import M_HAZARD
from sim.whatif import make_cohort, run

WEEKS = 12


@pytest.fixture(scope="module")
def objective():
    return Objective(make_cohort("intermediate", 16, seed=4))


def test_objective_is_the_training_return_by_hand(objective):
    plan = BASELINES["advanced"].plan_array(1, WEEKS, 1, 0)[0]
    res = run(objective.cohort, plan)
    race = res.athletes["race_time_pct"].mean()
    exp_days = mean_injury_days(objective.cohort.params) * res.metrics[:, :, M_HAZARD].sum(axis=1).mean()
    s = objective(plan)
    assert s.race_time_pct[0] == pytest.approx(race, rel=1e-12)
    assert s.injured_days[0] == pytest.approx(res.athletes["injured_days"].mean(), rel=1e-12)
    assert s.objective[0] == pytest.approx(2.0 * race + 2.0 * exp_days, rel=1e-12)  # w_perf + w_race = 2, w_inj = 2


@pytest.mark.parametrize("level", ["beginner", "intermediate", "advanced"])
def test_the_objective_weights_are_the_shipped_training_configs(level):
    from pathlib import Path

    from experiments.config import load_config
    from experiments.optimize.objective import TRAINING_REWARD

    cfg = load_config(Path(__file__).resolve().parents[3] / "configs" / f"{level}.yaml")
    assert cfg.env.reward == TRAINING_REWARD and cfg.injury_reward == "expected_days"


def test_candidates_scored_together_meet_the_same_draws_as_alone(objective):
    rng = np.random.default_rng(0)
    plans = np.stack([decode(rng.random(N_GENES), WEEKS) for _ in range(3)])
    together = objective(plans)
    for k in range(3):
        alone = objective(plans[k])
        assert together.objective[k] == alone.objective[0]  # bit for bit: common random numbers


def test_search_is_deterministic_and_never_worse_than_its_start(objective):
    s = Settings(season_weeks=WEEKS, budget=25, population=4, athletes=16, seed=4)
    a = optimize(s, objective=objective)
    b = optimize(s, objective=objective)
    np.testing.assert_array_equal(a.genes, b.genes)
    assert [g.best for g in a.history] == [g.best for g in b.history]
    assert len(a.history) == 6 and a.evaluations == 25
    curve = [g.best for g in a.history]
    assert curve == sorted(curve, reverse=True)  # best so far only improves
    assert a.scores.objective[0] <= objective(decode(center(), WEEKS)).objective[0]


@pytest.mark.parametrize(("field", "value", "allowed"), [
    ("level", "elite", "allowed: beginner"), ("race_distance", "3k", "allowed: 5k"),
    ("budget", 3, "need budget >= 15"), ("season_weeks", 2, "need 4-104"), ("athletes", 1, "at least 2"),
    ("population", 1, "at least 2"), ("rules", "strict", "allowed: article, none"),
])
def test_bad_settings_name_the_field_value_and_what_is_allowed(field, value, allowed):
    with pytest.raises(InputError, match=f"{field}: .*{value}.*{allowed}"):
        Settings(**{field: value}).check()


def test_the_search_scores_plans_within_its_rules(objective, assert_article_rules):
    from envs.config import ARTICLE_RULES

    s = Settings(season_weeks=WEEKS, budget=9, population=4, athletes=16, seed=4)
    assert s.rules == "article" and s.limits == ARTICLE_RULES
    a = optimize(s, objective=objective)
    assert a.scores.objective[0] == objective(a.plan_array()).objective[0]  # scored as written
    assert_article_rules(a.plan_array(), ARTICLE_RULES, sample=1)
    free = optimize(Settings(season_weeks=WEEKS, budget=9, population=4, athletes=16, seed=4, rules="none"),
                    objective=objective)
    np.testing.assert_array_equal(free.plan_array(), decode(free.genes, WEEKS))

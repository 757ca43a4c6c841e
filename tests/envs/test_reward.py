"""The reward: its table against the kernel, and each term of the formula on its own."""

from __future__ import annotations

import numpy as np
import pytest

from envs import StrengthRunEnv
from envs.reward import TABLE_KM, X_MIN, X_N, X_STEP, race_table, race_time_week
from envs.vec_env import StrengthRunVecEnv
from sim import kernel
from sim.state import M_INJURED_DAYS
from sim.whatif import make_cohort


def test_race_time_table_matches_the_kernel():
    table = race_table(TABLE_KM)
    rng = np.random.default_rng(0)
    for km in TABLE_KM:
        for vo2, cost in zip(rng.uniform(20, 110, 300), rng.uniform(0.85, 1.15, 300), strict=True):
            exact = kernel.race_time_min(vo2, cost, km)
            assert race_time_week(vo2, cost, km, table) == pytest.approx(exact, rel=1e-7)
    # outside the table, and for distances it does not hold, the kernel is called
    top = X_MIN + (X_N - 1) * X_STEP
    assert race_time_week(top + 5.0, 1.0, 10.0, table) == kernel.race_time_min(top + 5.0, 1.0, 10.0)
    assert race_time_week(50.0, 1.0, 15.0, table) == kernel.race_time_min(50.0, 1.0, 15.0)


def season(reward, seed=3, weeks=10):
    env = StrengthRunEnv(season_weeks=weeks, reward=reward)
    _, info0 = env.reset(seed=seed)
    rewards, infos = [], []
    for _ in range(weeks):
        _, r, _, _, info = env.step(np.array([2, 1, 1, 0]))
        rewards.append(r)
        infos.append(info)
    return info0["race_time_min"], np.array(rewards), infos


def test_weekly_terms_telescope_to_the_season_improvement():
    t0, rewards, infos = season({"performance": 1.0, "injury_day": 0.0, "race": 0.0})
    race = infos[-1]["race_time_min"]
    assert rewards.sum() == pytest.approx(100 * (t0 - race) / t0, abs=1e-5)
    assert np.count_nonzero(rewards) == len(rewards)


def test_race_term_pays_only_on_race_day():
    t0, rewards, infos = season({"performance": 0.0, "injury_day": 0.0, "race": 2.0})
    assert np.all(rewards[:-1] == 0.0)
    assert rewards[-1] == pytest.approx(2.0 * 100 * (t0 - infos[-1]["race_time_min"]) / t0, rel=1e-12)


def test_injury_term_is_minus_weight_per_injured_day():
    cohort = make_cohort("beginner", 64, seed=1)
    vec = StrengthRunVecEnv.from_cohort(
        cohort, season_weeks=30, reward={"performance": 0.0, "injury_day": 0.5, "race": 0.0}
    )
    vec.reset()
    hard = np.tile([3, 1, 2, 2], (cohort.n, 1)).astype(np.int64)
    days = 0.0
    for _ in range(30):
        _, rewards, _, _ = vec.step(hard)
        injured = vec.last_metrics[:, M_INJURED_DAYS]
        assert np.array_equal(rewards, (-0.5 * injured).astype(np.float32))
        days += injured.sum()
    assert days > 0  # the law was exercised

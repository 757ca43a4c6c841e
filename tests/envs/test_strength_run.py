"""The single env: Gymnasium and SB3 checkers, determinism, the docstring spec, episode end."""

from __future__ import annotations

import re
import warnings

import gymnasium as gym
import numpy as np
import pytest

from envs import StrengthRunEnv
from envs.observation import O_WEEK, O_WEEKS_TO_RACE, OBS_HIGH, OBS_LOW, OBS_NAMES, OBS_SPEC
from sim.errors import InputError
from sim.plan import WeekPlan
from sim.state import ATHLETE_NAMES, METRIC_NAMES, P_RACE, P_STR_SESSIONS


def rollout(env, seed, n_steps, action_seed=1):
    obs, _ = env.reset(seed=seed)
    env.action_space.seed(action_seed)
    out = [obs]
    for _ in range(n_steps):
        obs, r, term, trunc, info = env.step(env.action_space.sample())
        out += [obs, r, term, trunc, info["metrics"].array, info["plan"]]
        if term or trunc:
            break
    return out


def test_gymnasium_checker_passes():
    from gymnasium.utils.env_checker import check_env

    env = gym.make(
        "stridelab/StrengthRun-v0", season_weeks=6, action_scope="strength_and_run", render_mode="ansi"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=UserWarning)
        check_env(env.unwrapped, skip_render_check=False)


def test_sb3_checker_passes():
    from stable_baselines3.common.env_checker import check_env

    check_env(StrengthRunEnv(season_weeks=6), warn=False)
    check_env(StrengthRunEnv(season_weeks=6, action_scope="strength_and_run"), warn=False)


def test_same_seed_same_trajectory_bit_for_bit():
    a = rollout(StrengthRunEnv(season_weeks=10, action_scope="strength_and_run"), 7, 10)
    b = rollout(StrengthRunEnv(season_weeks=10, action_scope="strength_and_run"), 7, 10)
    c = rollout(StrengthRunEnv(season_weeks=10, action_scope="strength_and_run"), 8, 10)
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(np.asarray(x), np.asarray(y))
    assert not np.array_equal(a[0], c[0])


def test_docstring_table_matches_the_space():
    doc = StrengthRunEnv.__doc__
    section = doc.split("## Observation Space")[1].split("## Rewards")[0]
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if re.match(r"\s*\|\s*\d+\s*\|", line)
    ]
    space = StrengthRunEnv().observation_space
    assert [int(r[0]) for r in rows] == list(range(len(OBS_NAMES)))
    assert tuple(r[1] for r in rows) == OBS_NAMES
    assert tuple(r[2] for r in rows) == tuple(s[1] for s in OBS_SPEC)
    assert np.array_equal(np.array([float(r[3]) for r in rows], dtype=np.float32), space.low)
    assert np.array_equal(np.array([float(r[4]) for r in rows], dtype=np.float32), space.high)
    assert np.array_equal(space.low, OBS_LOW) and np.array_equal(space.high, OBS_HIGH)
    assert f"Box({len(OBS_NAMES)},)" in section
    for heading in (
        "Description",
        "Action Space",
        "Observation Space",
        "Rewards",
        "Starting State",
        "Episode End",
        "Arguments",
        "Version History",
    ):
        assert f"## {heading}" in doc


def test_season_ends_with_the_race_terminated_not_truncated():
    env = StrengthRunEnv(season_weeks=5)
    obs, info = env.reset(seed=0)
    assert obs[O_WEEK] == 0 and obs[O_WEEKS_TO_RACE] == 4
    for week in range(5):
        obs, r, term, trunc, info = env.step(np.array([2, 1, 1, 0]))
        assert info["week"] == week and (term, trunc) == (week == 4, False)
        assert obs in env.observation_space
    assert info["plan"][P_RACE] == 1.0 and set(info["metrics"]) == set(METRIC_NAMES)
    assert isinstance(env.last_week_plan(), WeekPlan) and env.last_week_plan().race
    with pytest.raises(InputError, match="reset"):
        env.step(np.array([0, 0, 0, 0]))


def test_max_weeks_truncates():
    env = StrengthRunEnv(season_weeks=8, max_weeks=3)
    env.reset(seed=0)
    flags = [env.step(np.array([0, 0, 0, 0]))[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]


def test_out_of_space_action_raises_naming_component():
    env = StrengthRunEnv(season_weeks=5)
    env.reset(seed=0)
    with pytest.raises(InputError, match=r"'effort' = 3 is out of range; allowed 0-2"):
        env.step(np.array([1, 1, 3, 0]))
    with pytest.raises(ValueError, match=r"expected 4 components"):
        env.step(np.array([1, 1, 1, 0, 0]))
    env.step([1, 1, 1, 0])  # a list is fine


def test_given_athlete_and_level_options():
    env = StrengthRunEnv(season_weeks=5)
    env.reset(seed=0)
    ath = env.athlete
    obs1, _ = env.reset(seed=3, options={"athlete": ath})
    assert np.array_equal(env.athlete, ath)
    named = dict(zip(ATHLETE_NAMES, ath.tolist(), strict=True))
    obs2, _ = env.reset(seed=3, options={"athlete": named})
    assert np.array_equal(obs1, obs2)
    env.reset(seed=3, options={"level": "beginner"})
    assert env.athlete[0] == 0
    with pytest.raises(InputError, match="options: unknown keys"):
        env.reset(seed=3, options={"colour": 1})
    with pytest.raises(InputError, match="options.athlete"):
        env.reset(seed=3, options={"athlete": [1.0, 2.0]})
    with pytest.raises(InputError, match="options.athlete: habitual_km = 0.0 is not allowed; need > 0"):
        env.reset(seed=3, options={"athlete": {**named, "habitual_km": 0.0}})


def test_config_errors_name_the_field():
    with pytest.raises(InputError, match="season_weeks"):
        StrengthRunEnv(season_weeks=2)
    with pytest.raises(InputError, match="action_scope"):
        StrengthRunEnv(action_scope="everything")
    with pytest.raises(InputError, match="limits: max_strength_sessions"):
        StrengthRunEnv(limits={"max_strength_sessions": 5})
    with pytest.raises(InputError, match="unknown key"):
        StrengthRunEnv(reward={"speed": 1.0})


def test_render_ansi_summarises_the_week():
    env = StrengthRunEnv(season_weeks=5, render_mode="ansi")
    env.reset(seed=0)
    assert "season start" in env.render()
    env.step(np.array([2, 1, 1, 0]))
    text = env.render()
    assert text.startswith("week 1/5") and "2x heavy/moderate after_easy" in text and "reward" in text


def test_level_mix_draws_every_level():
    env = StrengthRunEnv(levels=["beginner", "advanced"], season_weeks=5, athlete_pool=64)
    seen = set()
    for s in range(20):
        env.reset(seed=s)
        seen.add(int(env.athlete[0]))
    assert seen == {0, 2}


def test_fresh_athletes_without_pool_are_deterministic():
    a = rollout(StrengthRunEnv(season_weeks=4, athlete_pool=0), 5, 4)
    b = rollout(StrengthRunEnv(season_weeks=4, athlete_pool=0), 5, 4)
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b, strict=True))


def test_typed_config_and_keyword_fields_build_the_same_env():
    from envs import ENV_ID, EnvConfig

    kw = dict(season_weeks=6, action_scope="strength_and_run", athlete_pool=64, limits={"max_key_runs": 1})
    config = EnvConfig(**kw)
    by_fields = rollout(StrengthRunEnv(**kw), 3, 6)
    for env in (
        StrengthRunEnv(config),
        StrengthRunEnv(kw),  # a mapping of the fields, e.g. a YAML section
        StrengthRunEnv(EnvConfig(season_weeks=9), **{k: v for k, v in kw.items()}),  # keywords win
        gym.make(ENV_ID, config=config).unwrapped,
    ):
        assert env.config == config
        out = rollout(env, 3, 6)
        assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(by_fields, out, strict=True))
    assert StrengthRunEnv(config).config is config
    with pytest.raises(InputError, match="config: expected an EnvConfig"):
        StrengthRunEnv(52)
    with pytest.raises(InputError, match="season_wekes"):
        StrengthRunEnv(config, season_wekes=8)


def test_strided_action_steps_like_its_contiguous_copy():
    # the step calls machine code compiled for C-contiguous int64 actions; a strided view must be copied
    actions = np.array([[2, 0], [1, 0], [1, 0], [0, 0]], dtype=np.int64)
    view = actions[:, 0]
    assert not view.flags.c_contiguous
    a, b = StrengthRunEnv(season_weeks=4), StrengthRunEnv(season_weeks=4)
    a.reset(seed=1)
    b.reset(seed=1)
    out_a, out_b = a.step(view), b.step(view.copy())
    assert np.array_equal(out_a[0], out_b[0]) and out_a[1] == out_b[1]
    assert np.array_equal(out_a[4]["plan"], out_b[4]["plan"]) and out_a[4]["plan"][P_STR_SESSIONS] == 2


def test_docstring_arguments_name_every_config_field():
    import inspect

    from envs import EnvConfig

    section = " ".join(StrengthRunEnv.__doc__.split("## Arguments")[1].split("## Version History")[0].split())
    assert all(f"{name} (" in section or f"{name} /" in section for name in EnvConfig.model_fields)
    for name in inspect.signature(StrengthRunEnv).parameters:
        assert f"| {name} " in section or f"| **{name} " in section


def test_random_seasons_under_the_article_rules_are_credible(assert_article_rules):
    from envs.config import ARTICLE_RULES

    env = StrengthRunEnv(action_scope="strength_and_run", limits=ARTICLE_RULES, athlete_pool=64, level="beginner")
    plans = []
    for seed in range(3):
        env.reset(seed=seed)
        env.action_space.seed(seed)
        season, done = [], False
        while not done:
            mask = env.action_masks()
            parts = np.split(mask, np.cumsum(env.action_space.nvec)[:-1])
            assert all(p.any() for p in parts)
            action = env.action_space.sample()
            action[4] = 3 + action[4] % 3  # hold or build: the rules must make the cuts
            _, _, term, trunc, info = env.step(action)
            season.append(info["plan"])
            done = term or trunc
        plans.append(season)
    assert_article_rules(np.array(plans), ARTICLE_RULES, "beginner")
